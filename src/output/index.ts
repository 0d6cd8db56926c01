/**
 * Output formatting for `img`, byte-for-byte what python-openstackclient 6.0
 * (cliff 4.0.0) prints for "list" and "show" commands. Pure functions: data
 * in, the exact text for stdout out.
 *
 * Two deliberate differences, for data that other tenants control: table,
 * value, csv and shell show terminal controls and format characters escaped
 * (util/safe-text.ts `visible`; json and yaml escape them already, exactly), and
 * `-f shell` single-quotes its values so that its output is safe to eval.
 *
 * What cliff does around the formatters is done here too: `-c` column
 * selection (display.py), `--sort-column` (lister.py), and reading
 * CLIFF_MAX_TERM_WIDTH / CLIFF_FIT_WIDTH as defaults of the table options.
 */
import { UsageError } from '../errors.js';
import type { Cell } from './columns.js';
import { checkChoice, type ListFormat, type ShowFormat } from './formats.js';
import * as csv from './csv.js';
import * as json from './json.js';
import { pyEq, pyLt, pyRepr, tupleRepr, Unorderable } from './python.js';
import * as shell from './shell.js';
import * as table from './table.js';
import * as value from './value.js';
import * as yaml from './yaml.js';

export { checkFormat, type ListFormat, type ShowFormat } from './formats.js';

/** How to print: the format (already checked, see checkFormat) and cliff's output options. */
export interface FormatOptions<F extends ListFormat | ShowFormat = ListFormat | ShowFormat> {
  /** -f/--format, one of LIST_FORMATS for a list, SHOW_FORMATS for a show command. */
  format: F;
  /** -c/--column, repeatable. */
  columns?: string[];
  /** --noindent (json). */
  noindent?: boolean;
  /** --max-width (table); overrides CLIFF_MAX_TERM_WIDTH; <1 disables. */
  maxWidth?: number;
  /** --fit-width (table); also on with CLIFF_FIT_WIDTH=1. */
  fitWidth?: boolean;
  /** --print-empty (table, lists). */
  printEmpty?: boolean;
  /** --sort-column, repeatable (lists). */
  sortColumns?: string[];
  /** --sort-ascending / --sort-descending (lists). */
  sortDirection?: 'asc' | 'desc';
  /** csv --quote; cliff's default is nonnumeric. */
  quote?: 'all' | 'minimal' | 'none' | 'nonnumeric';
  /** shell --prefix. */
  prefix?: string;
  /** Width of the terminal when stdout is a TTY, undefined otherwise (used with --fit-width). */
  terminalWidth?: number;
  /** Environment to read CLIFF_MAX_TERM_WIDTH and CLIFF_FIT_WIDTH from. */
  env?: Record<string, string | undefined>;
}

/** Python's int() of an environment variable, as cliff's option defaults use it. */
function envInt(env: FormatOptions['env'], name: string): number {
  const raw = env?.[name];
  if (raw === undefined) return 0;
  if (!/^\s*[+-]?\d+(?:_\d+)*\s*$/.test(raw)) {
    throw new UsageError(`invalid ${name} value '${raw}': expected an integer`);
  }
  return Number(raw.replace(/_/g, ''));
}

function tableOptions(opts: FormatOptions, printEmpty: boolean): table.TableOptions {
  // cliff reads both variables while building its parser, whatever the format.
  const envMaxWidth = envInt(opts.env, 'CLIFF_MAX_TERM_WIDTH');
  const envFitWidth = envInt(opts.env, 'CLIFF_FIT_WIDTH') !== 0;
  return {
    maxWidth: opts.maxWidth ?? envMaxWidth,
    fitWidth: !!opts.fitWidth || envFitWidth,
    printEmpty,
    terminalWidth: opts.terminalWidth,
  };
}

/**
 * display.py's _generate_columns_and_selector: the indexes of the columns to
 * show — all of them without -c, else those named by -c in their original
 * order (repeats and unknown names ignored). Throws a UsageError with cliff's
 * message when -c names none of them.
 */
function selectColumns(names: readonly string[], wanted: readonly string[] | undefined): number[] {
  const all = names.map((_, i) => i);
  if (!wanted || wanted.length === 0) return all;
  const picked = all.filter((i) => wanted.includes(names[i]!));
  if (picked.length === 0) {
    throw new UsageError(
      `No recognized column names in ${pyRepr(wanted)}. Recognized columns are ${tupleRepr(names)}.`,
    );
  }
  return picked;
}

/** Python's `(k is None, k) < (other is None, other)`, the sort key cliff uses. */
function keyLessThan(a: Cell, b: Cell): boolean {
  if (a === null || a === undefined) return false; // None sorts after values, equal to None
  if (b === null || b === undefined) return true;
  return cellEq(a, b) ? false : cellLt(a, b);
}

type Value = Exclude<Cell, null | undefined>;
const isColumn = (c: Value): c is Extract<Value, object> => typeof c === 'object';
const sameClass = (a: object, b: object) => Object.getPrototypeOf(a) === Object.getPrototypeOf(b);

/** FormattableColumn.__eq__: same class and equal values; never equal to a plain value. */
function cellEq(a: Value, b: Value): boolean {
  if (isColumn(a) || isColumn(b)) return isColumn(a) && isColumn(b) && sameClass(a, b) && pyEq(a.machine(), b.machine());
  return pyEq(a, b);
}

/**
 * `a < b` between cells. FormattableColumn.__lt__ compares values of the same
 * class and is False for anything else; a plain value on the left of a column
 * has no order (TypeError), nor do dicts, nor str against numbers.
 */
function cellLt(a: Value, b: Value): boolean {
  if (isColumn(a)) return isColumn(b) && sameClass(a, b) ? pyLt(a.machine(), b.machine()) : false;
  if (isColumn(b)) throw new Unorderable();
  return pyLt(a, b);
}

/**
 * lister.py's --sort-column: a stable sort per named column, last one first
 * (unknown names ignored), None after values (before when descending; equal
 * rows keep their order either way). A column whose values cannot be
 * compared is skipped — and, as osc hands cliff a generator that the failed
 * sort has consumed, if no earlier key had sorted the rows there are none left.
 *
 * V8's Array#sort is a port of CPython's timsort asking the same `<`
 * questions in the same order, so even a partly comparable column fails or
 * succeeds as it does in Python.
 */
function sortRows(names: readonly string[], rows: readonly (readonly Cell[])[], opts: FormatOptions): (readonly Cell[])[] {
  let data = [...rows];
  // Until one sort succeeds, data stands for osc's generator, which a failed sort empties.
  let sortedOnce = false;
  const indexes = (opts.sortColumns ?? []).filter((c) => names.includes(c)).map((c) => names.indexOf(c));
  for (const index of indexes.reverse()) {
    try {
      // sorted(reverse=True) reverses, sorts stably and reverses back.
      const work = opts.sortDirection === 'desc' ? [...data].reverse() : [...data];
      work.sort((x, y) => (keyLessThan(x[index], y[index]) ? -1 : 0));
      data = opts.sortDirection === 'desc' ? work.reverse() : work;
      sortedOnce = true;
    } catch (err) {
      if (!(err instanceof Unorderable)) throw err;
      if (!sortedOnce) return [];
    }
  }
  return data;
}

export const pick = <T>(items: readonly T[], indexes: readonly number[]): T[] => indexes.map((i) => items[i]!);

/**
 * The checks of a list's output options, made before any row is printed (renderList and the
 * streamed rendering, ./stream.ts, share them): --quote, CLIFF_MAX_TERM_WIDTH / CLIFF_FIT_WIDTH
 * (read by cliff whatever the format), and -c, giving the indexes and names of the columns shown.
 */
export function planList(columns: readonly string[], opts: FormatOptions<ListFormat>) {
  const quote = checkChoice('--quote', opts.quote ?? 'nonnumeric', csv.QUOTE_MODES);
  const tableOpts = tableOptions(opts, !!opts.printEmpty);
  const keep = selectColumns(columns, opts.columns);
  return { quote, tableOpts, keep, names: pick(columns, keep) };
}

/**
 * Formats a list command's result like cliff's Lister: sort (--sort-column),
 * select (-c), then the formatter. Returns the exact stdout text — for table
 * an empty list is a lone '\n' (the header too with printEmpty); json `[]`,
 * yaml `[]`; value nothing; csv the header row.
 *
 * `opts.format` is taken as checked (checkFormat). Throws UsageError for
 * an invalid --quote, a -c that
 * names no column, or a non-integer CLIFF_MAX_TERM_WIDTH / CLIFF_FIT_WIDTH;
 * ImgError for csv --quote none with a lone empty field (Python's csv refuses).
 */
export function renderList(columns: readonly string[], rows: readonly (readonly Cell[])[], opts: FormatOptions<ListFormat>): string {
  const format = opts.format;
  const { quote, tableOpts, keep, names } = planList(columns, opts);
  const sorted = opts.sortColumns?.length ? sortRows(columns, rows, opts) : rows;
  const data = sorted.map((row) => pick(row, keep));
  switch (format) {
    case 'table':
      return table.emitList(names, data, tableOpts);
    case 'json':
      return json.emitList(names, data, !!opts.noindent);
    case 'yaml':
      return yaml.emitList(names, data);
    case 'value':
      return value.emitList(data);
    case 'csv':
      return csv.emitList(names, data, quote);
  }
}

/**
 * Formats a show command's result like cliff's ShowOne: -c keeps the named
 * fields in their original order, then the formatter (table: a Field/Value
 * table; yaml: one `field: value` document per field; shell:
 * `<prefix>field='value'` lines, safe to eval). Returns the exact stdout text.
 *
 * `opts.format` is taken as checked (checkFormat). Throws UsageError for
 * a -c that names no field, a
 * non-integer CLIFF_MAX_TERM_WIDTH / CLIFF_FIT_WIDTH, or (shell) a --prefix
 * that is not the start of a shell variable name.
 */
export function renderShow(fields: readonly string[], values: readonly Cell[], opts: FormatOptions<ShowFormat>): string {
  const format = opts.format;
  const tableOpts = tableOptions(opts, false);
  const keep = selectColumns(fields, opts.columns);
  const names = pick(fields, keep);
  const data = keep.map((i) => values[i]);
  switch (format) {
    case 'table':
      return table.emitOne(names, data, tableOpts);
    case 'json':
      return json.emitOne(names, data, !!opts.noindent);
    case 'yaml':
      return yaml.emitOne(names, data);
    case 'value':
      return value.emitOne(data);
    case 'shell':
      return shell.emitOne(names, data, opts.prefix ?? '');
  }
}
