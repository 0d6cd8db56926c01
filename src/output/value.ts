/**
 * cliff's ValueFormatter: just the values, Python-str()'d. Formattable cells
 * print `str(machine())`, so lists and dicts appear as Python reprs
 * (`['a', 'b']`), None as `None`, booleans as `True` / `False`. Nothing is
 * escaped or normalised: a value with a newline spans lines.
 */
import { machineValue, type Cell } from './columns.js';
import { pyStr } from './python.js';

/** `str(c.machine_readable())` for formattable cells, `str(c)` otherwise (shared by value, csv and shell). */
export function machineStr(cell: Cell): string {
  return pyStr(machineValue(cell));
}

/** `-f value` for a list: each row's values joined by one space, one line per row; nothing for no rows. */
export function emitList(rows: readonly (readonly Cell[])[]): string {
  return rows.map((row) => `${row.map(machineStr).join(' ')}\n`).join('');
}

/** `-f value` for one item: one line per field value. */
export function emitOne(values: readonly Cell[]): string {
  return values.map((v) => `${machineStr(v)}\n`).join('');
}
