/**
 * Equivalents of cliff's FormattableColumn and the two osc-lib columns the
 * image commands use (osc_lib.cli.format_columns.ListColumn / DictColumn).
 *
 * A formattable cell has two faces: human() for table output, machine() for
 * json/yaml — and, as in cliff 4.0.0, `str(machine())` for value, csv and
 * shell (so tags print as `['a', 'b']` there).
 */
import { compareStr, pyStr } from './python.js';
import { isDict } from '../util/is-dict.js';

/** A cell whose human and machine-readable forms differ. */
interface Formattable {
  human(): string;
  machine(): unknown;
}

/** One value of a row (or of a show): Python None is null or undefined. */
export type Cell = string | number | boolean | null | undefined | Formattable;

export function isFormattable(cell: unknown): cell is Formattable {
  return (
    typeof cell === 'object' &&
    cell !== null &&
    typeof (cell as Formattable).human === 'function' &&
    typeof (cell as Formattable).machine === 'function'
  );
}

/** What the machine-readable formatters see: machine() of a formattable cell, else the cell. */
export function machineValue(cell: Cell): unknown {
  return isFormattable(cell) ? cell.machine() : cell;
}

class ListColumn implements Formattable {
  constructor(private readonly items: readonly string[]) {}
  human(): string {
    return [...this.items].sort(compareStr).join(', ');
  }
  machine(): unknown {
    return this.items;
  }
}

class DictColumn implements Formattable {
  constructor(private readonly obj: Record<string, unknown>) {}
  human(): string {
    return formatDict(this.obj);
  }
  machine(): unknown {
    return { ...this.obj };
  }
}

/**
 * osc's ListColumn (used for image tags).
 * human(): the items sorted by code point and joined with ', ' (`''` for none).
 * machine(): the list itself, in its original order.
 */
export function listColumn(items: readonly string[]): Formattable {
  return new ListColumn(items);
}

/**
 * osc's DictColumn (used for image properties).
 * human(): osc_lib.utils.format_dict — `key='value'` pairs sorted by key and
 * joined with ', '; values go through Python's str() (so `False`, `1.5`,
 * `['x', 'y']`), None becomes `key=`, nested dicts are flattened as
 * `parent.child='v'`. An empty dict gives ''.
 * machine(): a shallow copy of the dict, keys in insertion order.
 */
export function dictColumn(obj: Record<string, unknown>): Formattable {
  return new DictColumn(obj);
}

// osc_lib.utils.format_dict, including its quirk that a nested empty dict
// still contributes a ', ' separator.
function formatDict(data: Record<string, unknown>, prefix?: string): string {
  let output = '';
  for (const key of Object.keys(data).sort(compareStr)) {
    const keyStr = prefix ? `${prefix}.${key}` : key;
    const value = data[key];
    if (isDict(value)) output += `${formatDict(value, keyStr)}, `;
    else if (value !== null && value !== undefined) output += `${keyStr}='${pyStr(value)}', `;
    else output += `${keyStr}=, `;
  }
  return output.slice(0, -2);
}
