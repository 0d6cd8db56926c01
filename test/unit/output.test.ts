// Golden tests: src/output/ must print exactly what cliff 4.0.0 printed for
// each case in fixtures/output/*.json (made by scripts/gen-output-golden.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../helpers/paths.js';
import { ImgError, UsageError } from '../../src/errors.js';
import {
  dictColumn,
  listColumn,
  renderList,
  renderShow,
  type Cell,
  type FormatOptions,
} from '../../src/output/index.js';

type Encoded = string | number | boolean | null | { $list: string[] } | { $dict: Record<string, unknown> };

interface GoldenCase {
  name: string;
  kind: 'list' | 'show';
  columns?: string[];
  rows?: Encoded[][];
  fields?: string[];
  values?: Encoded[];
  opts: Partial<FormatOptions>;
  expected?: string;
  error?: string;
}

/** The fixtures mark osc ListColumn / DictColumn cells as {"$list": …} / {"$dict": …}. */
function decode(cell: Encoded): Cell {
  if (cell !== null && typeof cell === 'object') {
    return '$list' in cell ? listColumn(cell.$list) : dictColumn(cell.$dict);
  }
  return cell;
}

function run(c: GoldenCase): string {
  const opts: FormatOptions = { format: 'table', ...c.opts };
  return c.kind === 'list'
    ? renderList(c.columns!, c.rows!.map((r) => r.map(decode)), opts)
    : renderShow(c.fields!, c.values!.map(decode), opts);
}

/** How a fixtures file stores its cases: each input once, cases naming it. */
interface GoldenFile {
  inputs: Record<string, { columns: string[]; rows: Encoded[][] } | { pairs: [string, Encoded][] }>;
  cases: (Omit<GoldenCase, 'columns' | 'rows' | 'fields' | 'values'> & { input: string; head?: number })[];
}

/** The cases of a fixtures file, each with its input spelled out (format: see the generator's docstring). */
function loadCases(file: string): GoldenCase[] {
  const { inputs, cases } = JSON.parse(readFileSync(file, 'utf8')) as GoldenFile;
  return cases.map(({ input, head, ...c }) => {
    const inp = inputs[input];
    if (inp === undefined) throw new Error(`${file}: case ${c.name} names no input ${input}`);
    if (c.kind === 'list' && 'rows' in inp) {
      return { ...c, columns: inp.columns, rows: head === undefined ? inp.rows : inp.rows.slice(0, head) };
    }
    if (c.kind === 'show' && 'pairs' in inp && head === undefined) {
      return { ...c, fields: inp.pairs.map((p) => p[0]), values: inp.pairs.map((p) => p[1]) };
    }
    throw new Error(`${file}: case ${c.name} does not fit input ${input}`);
  });
}

const dir = path.join(FIXTURES, 'output');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

test('golden fixtures are present', () => {
  assert.ok(files.length > 0, `no fixtures in ${dir}`);
});

for (const file of files) {
  for (const c of loadCases(path.join(dir, file))) {
    test(`${file.replace(/\.json$/, '')}: ${c.name}`, () => {
      if (c.error !== undefined) {
        assert.throws(() => run(c), (err: unknown) => err instanceof ImgError && err.message === c.error);
      } else {
        assert.equal(run(c), c.expected);
      }
    });
  }
}

test('an unknown format is a UsageError naming the allowed ones', () => {
  assert.throws(
    () => renderList(['ID'], [['x']], { format: 'shell' }),
    (err: unknown) =>
      err instanceof UsageError &&
      err.message === "argument -f/--format: invalid choice: 'shell' (choose from 'csv', 'json', 'table', 'value', 'yaml')",
  );
  assert.throws(
    () => renderShow(['id'], ['x'], { format: 'csv' }),
    (err: unknown) =>
      err instanceof UsageError &&
      err.message === "argument -f/--format: invalid choice: 'csv' (choose from 'json', 'shell', 'table', 'value', 'yaml')",
  );
});

test('-c naming no column is a UsageError with cliff\'s message', () => {
  assert.throws(
    () => renderShow(['id', 'name'], ['x', 'y'], { format: 'json', columns: ['nope'] }),
    (err: unknown) =>
      err instanceof UsageError &&
      err.message === "No recognized column names in ['nope']. Recognized columns are ('id', 'name').",
  );
});

test('-c keeps the original column order and ignores unknown names', () => {
  const out = renderList(['A', 'B', 'C'], [[1, 2, 3]], { format: 'value', columns: ['C', 'nope', 'A'] });
  assert.equal(out, '1 3\n');
});

test('an invalid --quote or CLIFF_MAX_TERM_WIDTH is a UsageError', () => {
  assert.throws(() => renderList(['A'], [['x']], { format: 'csv', quote: 'some' as 'all' }), UsageError);
  assert.throws(
    () => renderShow(['a'], ['x'], { format: 'table', env: { CLIFF_MAX_TERM_WIDTH: 'wide' } }),
    UsageError,
  );
});

test('formatters do not modify their input', () => {
  const rows: Cell[][] = [['b', 2], ['a', 1]];
  renderList(['N', 'V'], rows, { format: 'table', sortColumns: ['N'] });
  assert.deepEqual(rows, [['b', 2], ['a', 1]]);
});

test('listColumn: human is sorted by code point, machine keeps the order', () => {
  const tags = listColumn(['b', 'Z', 'é', 'a b']);
  assert.equal(tags.human(), 'Z, a b, b, é');
  assert.deepEqual(tags.machine(), ['b', 'Z', 'é', 'a b']);
  assert.equal(listColumn([]).human(), '');
});

test('dictColumn: human is osc format_dict, machine a copy of the dict', () => {
  const props = { os_hidden: false, b: null, a: { y: 1, x: 'v' }, l: ['x'], f: 1.5 };
  const col = dictColumn(props);
  assert.equal(col.human(), "a.x='v', a.y='1', b=, f='1.5', l='['x']', os_hidden='False'");
  assert.deepEqual(col.machine(), props);
  assert.notEqual(col.machine(), props);
  assert.equal(dictColumn({}).human(), '');
});
