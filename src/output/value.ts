/**
 * cliff's ValueFormatter: just the values, Python-str()'d. Formattable cells
 * print `str(machine())`, so lists and dicts appear as Python reprs
 * (`['a', 'b']`), None as `None`, booleans as `True` / `False`.
 *
 * Unlike cliff, each value goes through {@link visible}: a line feed in a
 * name is printed as `\n`, so that one item is always one line (a name
 * cannot forge the line of another image), and controls such as ESC or CR as
 * escapes. Ordinary values print exactly as cliff prints them.
 */
import { machineValue, type Cell } from './columns.js';
import { pyStr } from './python.js';
import { visible } from '../util/safe-text.js';

/** `str(c.machine_readable())` for formattable cells, `str(c)` otherwise (shared by value, csv and shell). */
export function machineStr(cell: Cell): string {
  return pyStr(machineValue(cell));
}

/** `-f value` for a list: each row's values joined by one space, one line per row; nothing for no rows. */
export function emitList(rows: readonly (readonly Cell[])[]): string {
  return rows.map((row) => `${row.map((c) => visible(machineStr(c))).join(' ')}\n`).join('');
}

/** `-f value` for one item: one line per field value. */
export function emitOne(values: readonly Cell[]): string {
  return values.map((v) => `${visible(machineStr(v))}\n`).join('');
}
