/**
 * cliff's TableFormatter: a prettytable 3.6 table (`+---+` frame, one space of
 * padding, no lines between rows), shrunk to --max-width / the terminal the
 * way cliff's `_assign_max_widths` does it.
 */
import Table from 'cli-table3';
import { isFormattable, type Cell } from './columns.js';
import { pyStr } from './python.js';
import { visible } from '../util/safe-text.js';
import { fill } from './textwrap.js';
import { blockWidth } from './wcwidth.js';

type Align = 'l' | 'r' | 'c';

/** What the table formatter reads from the options (resolved by index.ts). */
export interface TableOptions {
  /** --max-width, or CLIFF_MAX_TERM_WIDTH when not given; <1 disables it. */
  maxWidth: number;
  /** --fit-width or CLIFF_FIT_WIDTH=1. */
  fitWidth: boolean;
  printEmpty: boolean;
  /** Columns of the terminal stdout is, undefined when it is not one. */
  terminalWidth: number | undefined;
}

/** The state of a prettytable.PrettyTable that cliff builds. */
interface PrettyTable {
  fields: readonly string[];
  align: Align[];
  rows: string[][];
  /** prettytable's max_width dict, by column index. */
  maxWidth: (number | undefined)[];
  printEmpty: boolean;
}

/**
 * cliff's `_format_row` followed by prettytable's `str()`: formattable cells
 * give their human form, line endings become '\n' (a lone '\r' a space), and
 * everything else prints as Python would (None, True, 1.5).
 *
 * Unlike cliff, whatever else a terminal would act on (ESC, C1, bidi and
 * other format characters, see {@link visible}) is shown escaped. Line feeds
 * stay: cliff prints each line of a cell on its own line inside the cell's
 * column, which cannot start a row of its own (the other columns stay blank).
 */
function cellText(cell: Cell): string {
  const value = isFormattable(cell) ? cell.human() : cell;
  if (typeof value === 'string') return visible(value.replace(/\r\n/g, '\n').replace(/\r/g, ' '), { newline: 'keep' });
  return pyStr(value);
}

// Python's % and // (floored); prettytable's centring relies on them.
const pyMod = (a: number, b: number): number => ((a % b) + b) % b;
const floorDiv = (a: number, b: number): number => Math.floor(a / b);

/** prettytable's _get_size: widest line (may be -1, see blockWidth) and line count. */
function size(text: string): { width: number; height: number } {
  const lines = text.split('\n');
  return { width: Math.max(...lines.map(blockWidth)), height: lines.length };
}

/** prettytable's _justify. A negative excess (overflowing text) pads nothing. */
function justify(text: string, width: number, align: Align): string {
  const textWidth = blockWidth(text);
  const excess = width - textWidth;
  const pad = (n: number): string => ' '.repeat(Math.max(0, n));
  if (align === 'l') return text + pad(excess);
  if (align === 'r') return pad(excess) + text;
  const half = floorDiv(excess, 2);
  if (pyMod(excess, 2) === 0) return pad(half) + text + pad(half);
  // Like str.center(): the odd space goes right of odd-width text, left otherwise.
  return pyMod(textWidth, 2) ? pad(half) + text + pad(half + 1) : pad(half + 1) + text + pad(half);
}

/** prettytable's _compute_widths: header width, then every cell capped by max_width. */
function columnWidths(t: PrettyTable): number[] {
  const widths = t.fields.map((f) => size(f).width);
  for (const row of t.rows) {
    row.forEach((value, i) => {
      const cap = t.maxWidth[i];
      const w = size(value).width;
      widths[i] = Math.max(widths[i]!, cap === undefined ? w : Math.min(w, cap));
    });
  }
  return widths;
}

const FRAME_CHARS = {
  top: '-', 'top-mid': '+', 'top-left': '+', 'top-right': '+',
  bottom: '-', 'bottom-mid': '+', 'bottom-left': '+', 'bottom-right': '+',
  left: '|', 'left-mid': '+', mid: '-', 'mid-mid': '+',
  right: '|', 'right-mid': '+', middle: '|',
};

/**
 * Draws the table: cli-table3 draws the frame and the header, given the header
 * names already justified so that it only adds borders and padding. The body
 * lines are joined here instead of being pushed to cli-table3, for two
 * reasons: its layout step is quadratic in the number of rows (0.7 s for 1,000
 * rows, 20 s for 20,000 on this machine), and it measures text with string-width, which
 * disagrees with prettytable's wcwidth on control, zero-width and emoji
 * characters and would pad them differently or truncate them with '…' (as it
 * would the wrapped wide characters that prettytable lets overflow).
 *
 * Every horizontal rule of a prettytable is the same `+---+` line, so the rule
 * below the header and the bottom border are both cli-table3's bottom border;
 * a table without rows gets that rule twice, as prettytable prints it.
 */
function drawGrid(widths: number[], header: string[], body: string[][]): string {
  const frame = new Table({
    head: header,
    colWidths: widths.map((w) => w + 2),
    chars: FRAME_CHARS,
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1 },
  });
  const [top, head, rule] = frame.toString().split('\n') as [string, string, string];
  const lines = body.map((cells) => `|${cells.map((c) => ` ${c} `).join('|')}|`);
  return [top, head, rule, ...lines, rule].join('\n');
}

/** prettytable's get_string(): '' for an empty table unless print_empty. */
function render(t: PrettyTable): string {
  if (t.rows.length === 0 && !t.printEmpty) return '';
  const widths = columnWidths(t);
  const header = t.fields.map((f, i) => justify(f, widths[i]!, t.align[i]!));
  const lines: string[][] = [];
  for (const row of t.rows) {
    // Each line wider than its column is re-flowed by textwrap (_stringify_row).
    const cells = row.map((value, i) =>
      value
        .split('\n')
        .map((line) => (blockWidth(line) > widths[i]! ? fill(line, widths[i]!) : line))
        .join('\n')
        .split('\n'),
    );
    const height = Math.max(...cells.map((c) => c.length));
    for (let y = 0; y < height; y++) {
      lines.push(cells.map((c, i) => justify(c[y] ?? '', widths[i]!, t.align[i]!)));
    }
  }
  return drawGrid(widths, header, lines);
}

/**
 * cliff's TableFormatter._assign_max_widths: when the table is wider than
 * --max-width (or, with --fit-width, the terminal), columns wider than an
 * equal share are capped so the total fits, but never below `minWidth`
 * (8 for lists, 16 for show), so a table may still overflow.
 */
function assignMaxWidths(t: PrettyTable, opts: TableOptions, minWidth: number): void {
  let termWidth: number;
  if (opts.maxWidth > 0) termWidth = opts.maxWidth;
  else if (!opts.fitWidth || !opts.terminalWidth) return;
  else termWidth = opts.terminalWidth;

  if (t.rows.length === 0 && !t.printEmpty) return; // nothing is printed
  const widths = columnWidths(t).map((w) => Math.max(0, w));
  const tableWidth = 1 + widths.reduce((sum, w) => sum + w + 3, 0); // its top border
  if (tableWidth <= termWidth) return;

  const count = widths.length;
  const usable = Math.max(0, termWidth - 1 - 3 * count);
  const optimal = count === 0 ? 0 : Math.max(0, floorDiv(usable, count));
  const shrink: number[] = [];
  let remaining = usable;
  widths.forEach((w, i) => {
    if (w <= optimal) remaining -= w;
    else shrink.push(i);
  });
  const shrinkTo = floorDiv(remaining, shrink.length);
  for (const i of shrink.slice(0, -1)) {
    t.maxWidth[i] = Math.max(minWidth, shrinkTo);
    remaining -= shrinkTo;
  }
  t.maxWidth[shrink[shrink.length - 1]!] = Math.max(minWidth, remaining);
}

/**
 * `-f table` for a list (TableFormatter.emit_list). A column is right-aligned,
 * header included, when the first row holds a number there, else
 * left-aligned; with no rows the header is centred. An empty list prints just
 * '\n' unless `printEmpty`, which prints the header.
 */
export function emitList(columns: readonly string[], rows: readonly (readonly Cell[])[], opts: TableOptions): string {
  const first = rows[0];
  const t: PrettyTable = {
    fields: columns,
    align: columns.map((_, i) => (first === undefined ? 'c' : typeof first[i] === 'number' ? 'r' : 'l')),
    rows: rows.map((row) => columns.map((_, i) => cellText(row[i]))),
    maxWidth: [],
    printEmpty: opts.printEmpty,
  };
  assignMaxWidths(t, opts, 8);
  return `${render(t)}\n`;
}

/** `-f table` for one item (TableFormatter.emit_one): a left-aligned Field/Value table. */
export function emitOne(fields: readonly string[], values: readonly Cell[], opts: TableOptions): string {
  const t: PrettyTable = {
    fields: ['Field', 'Value'],
    align: ['l', 'l'],
    rows: fields.map((name, i) => [cellText(name), cellText(values[i])]),
    maxWidth: [],
    printEmpty: false,
  };
  assignMaxWidths(t, opts, 16);
  return `${render(t)}\n`;
}
