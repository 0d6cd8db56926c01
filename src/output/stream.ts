/**
 * A list rendered in parts as its rows come (issue #15): the rows arrive in batches — all of
 * them at once, or one page of Glance's list at a time (`img list --sort ''`) — and leave as
 * string chunks whose concatenation is, byte for byte, what renderList (./index.ts) returns for
 * all the rows. Still pure: rows in, strings out; the runner (src/cli/run.ts) writes each chunk,
 * waiting while stdout is full, and pulls the next batch only then, so memory holds a chunk of
 * the output (and a page of the list), never the whole text.
 *
 * value, csv, json and yaml print each batch as it comes, cut into chunks of CHUNK_ROWS rows.
 * table (its column widths) and --sort-column need every row first: they collect the batches
 * and render once, as before. The output options are checked before the first batch is asked
 * for, so a bad -c or --quote costs no request and prints nothing.
 */
import type { Cell } from './columns.js';
import * as csv from './csv.js';
import { pick, planList, renderList, type FormatOptions, type ListFormat } from './index.js';
import * as json from './json.js';
import * as value from './value.js';
import * as yaml from './yaml.js';

/** Rows of a list: the batches in which they arrive (a page, or every row at once). */
export type RowBatches = Iterable<readonly (readonly Cell[])[]> | AsyncIterable<readonly (readonly Cell[])[]>;

/** Rows rendered into one chunk: big enough that writes are few, small enough to be a few hundred KB. */
export const CHUNK_ROWS = 1000;

/** Whether `opts` print a list as its rows come (value, csv, json, yaml without --sort-column). */
export function streamsList(opts: FormatOptions<ListFormat>): boolean {
  return opts.format !== 'table' && !opts.sortColumns?.length;
}

/**
 * The text of a list command's result, in chunks: cliff's Lister (as renderList) over rows that
 * come in `batches`. A batch that fails (a page that cannot be fetched) throws here, after the
 * chunks of the rows before it; for json that leaves the array open, so a reader of the partial
 * output sees broken JSON rather than a complete-looking shorter list.
 */
export async function* renderListChunks(columns: readonly string[], batches: RowBatches, opts: FormatOptions<ListFormat>): AsyncGenerator<string> {
  const { quote, keep, names } = planList(columns, opts);
  if (!streamsList(opts)) {
    const all: (readonly Cell[])[] = [];
    for await (const batch of batches) for (const row of batch) all.push(row);
    yield renderList(columns, all, opts);
    return;
  }
  const noindent = !!opts.noindent;
  if (opts.format === 'csv') yield csv.emitRows([names], quote);
  let empty = true;
  for await (const batch of batches) {
    for (let at = 0; at < batch.length; at += CHUNK_ROWS) {
      const rows = batch.slice(at, at + CHUNK_ROWS).map((row) => pick(row, keep));
      switch (opts.format) {
        case 'value':
          yield value.emitList(rows);
          break;
        case 'csv':
          yield csv.emitRows(rows, quote);
          break;
        case 'json':
          yield json.listPart(names, rows, noindent, empty);
          break;
        case 'yaml':
          // A top-level block sequence: its items are independent, each starts a line at column 0.
          yield yaml.emitList(names, rows);
          break;
      }
      empty = false;
    }
  }
  if (opts.format === 'json') yield json.listEnd(noindent, empty);
  if (opts.format === 'yaml' && empty) yield yaml.emitList(names, []);
}
