/**
 * cliff's CSVLister (list commands only): Python's csv.writer with
 * quoting=--quote (default nonnumeric), escapechar='\\', doublequote and
 * lineterminator=os.linesep ('\n'), writing the header row then the rows.
 *
 * Unlike cliff, each field first goes through {@link visible}: ESC, CR (which
 * Python's csv writes raw, unquoted), C1 and format characters are written as
 * escapes. A line feed is left to CSV itself, which quotes the field (or,
 * with --quote none, escapes it with '\\'), so a CSV reader still sees one
 * record per image.
 */
import { ImgError } from '../errors.js';
import { isFormattable, type Cell } from './columns.js';
import { visible } from '../util/safe-text.js';
import { machineStr } from './value.js';

export const QUOTE_MODES = ['all', 'minimal', 'none', 'nonnumeric'] as const;
export type QuoteMode = (typeof QUOTE_MODES)[number];

/** One field as _csv.c's join_append writes it. */
function field(value: Cell, quoting: QuoteMode): string {
  const numeric = typeof value === 'number' || typeof value === 'boolean';
  // None is written as an empty string; it is not numeric, so nonnumeric quotes it.
  const text = value === null || value === undefined ? '' : visible(machineStr(value), { newline: 'keep' });
  let quoted = quoting === 'all' || (quoting === 'nonnumeric' && !numeric);
  let out = '';
  for (const ch of text) {
    if (ch === ',' || ch === '\\' || ch === '"' || ch === '\n') {
      if (quoting === 'none' || ch === '\\') out += '\\';
      else if (ch === '"') out += '"'; // doublequote
      if (quoting !== 'none' && ch !== '\\') quoted = true;
    }
    out += ch;
  }
  return quoted ? `"${out}"` : out;
}

function row(cells: readonly Cell[], quoting: QuoteMode): string {
  const line = cells.map((c) => field(isFormattable(c) ? machineStr(c) : c, quoting)).join(',');
  if (line === '' && cells.length > 0) {
    // A record that would be an empty line must be quoted to be read back.
    if (quoting === 'none') throw new ImgError('single empty field record must be quoted');
    return '""\n';
  }
  return `${line}\n`;
}

/** `-f csv` for a list. Throws, like Python's csv, for a lone empty field with --quote none. */
export function emitList(columns: readonly string[], rows: readonly (readonly Cell[])[], quoting: QuoteMode): string {
  return emitRows([columns], quoting) + emitRows(rows, quoting);
}

/** The records of `rows`, one line each, without the header: {@link emitList} in parts, for a list streamed page by page. */
export function emitRows(rows: readonly (readonly Cell[])[], quoting: QuoteMode): string {
  return rows.map((r) => row(r, quoting)).join('');
}
