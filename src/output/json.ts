/**
 * cliff's JSONFormatter: Python's `json.dump(data, indent=2)` (or no indent
 * with --noindent) followed by a newline. Formattable cells contribute their
 * machine() value.
 */
import { machineValue, type Cell } from './columns.js';
import { floatRepr, isInt } from './python.js';
import { isDict } from '../util/is-dict.js';

const ESCAPES: Record<string, string> = {
  '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f',
};

/** json's ensure_ascii string encoding: everything outside ' '..'~' is escaped, per UTF-16 unit. */
function encodeString(s: string): string {
  return `"${s.replace(/[^ -~]|["\\]/g, (ch) => ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

function encodeNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return isInt(n) ? BigInt(n).toString() : floatRepr(n);
}

/**
 * json.dumps: with an indent, items go one per line and ',' ends a line;
 * without, Python's default separators ', ' and ': ' are used. Empty
 * containers are always `[]` / `{}`. Keys keep insertion order.
 */
export function dumps(value: unknown, indent: number | null, level = 0): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return encodeNumber(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return encodeString(value);
  const isList = Array.isArray(value);
  const items = isList
    ? value.map((v) => dumps(v, indent, level + 1))
    : isDict(value)
      ? Object.entries(value).map(([k, v]) => `${encodeString(k)}: ${dumps(v, indent, level + 1)}`)
      : [encodeString(String(value))];
  const [open, close] = isList ? ['[', ']'] : ['{', '}'];
  if (items.length === 0) return open + close;
  if (indent === null) return open + items.join(', ') + close;
  const inner = '\n' + ' '.repeat(indent * (level + 1));
  return open + inner + items.join(',' + inner) + '\n' + ' '.repeat(indent * level) + close;
}

/** Builds `{column: value}` like cliff's dict comprehension (a repeated name keeps its first place, last value). */
export function record(names: readonly string[], cells: readonly Cell[]): Record<string, unknown> {
  // No prototype, so a column called "__proto__" is an ordinary key.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  names.forEach((name, i) => {
    out[name] = machineValue(cells[i]);
  });
  return out;
}

/** `-f json` for a list: an array of one object per row, keys in column order. */
export function emitList(columns: readonly string[], rows: readonly (readonly Cell[])[], noindent: boolean): string {
  return dumps(rows.map((row) => record(columns, row)), noindent ? null : 2) + '\n';
}

/** `-f json` for one item: a single object, keys in field order. */
export function emitOne(fields: readonly string[], values: readonly Cell[], noindent: boolean): string {
  return dumps(record(fields, values), noindent ? null : 2) + '\n';
}

/**
 * `-f json` for a list in parts, for a list streamed page by page: the text of `rows` (at least
 * one), opening the array when `first`. {@link emitList} is these parts followed by {@link listEnd}.
 */
export function listPart(columns: readonly string[], rows: readonly (readonly Cell[])[], noindent: boolean, first: boolean): string {
  const separator = noindent ? ', ' : ',\n  ';
  const items = rows.map((row) => dumps(record(columns, row), noindent ? null : 2, 1)).join(separator);
  return (first ? (noindent ? '[' : '[\n  ') : separator) + items;
}

/** The end of a streamed `-f json` list: `[]` when no rows were written, else the closing bracket. */
export function listEnd(noindent: boolean, empty: boolean): string {
  return empty ? '[]\n' : noindent ? ']\n' : '\n]\n';
}
