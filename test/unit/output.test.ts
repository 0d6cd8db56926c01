// Golden tests: src/output/ must print exactly what cliff 4.0.0 printed for
// each case in fixtures/output/*.json (made by scripts/gen-output-golden.py),
// except where fixtures/output-img/deliberate-differences.json says what img
// prints instead (escaped controls, eval-safe shell quoting).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { shellQuote, visible } from '../../src/util/safe-text.js';
import { deliberateDifferences } from '../helpers/assertions.js';
import { FIXTURES } from '../helpers/paths.js';
import { ImgError, UsageError } from '../../src/errors.js';
import { dictColumn, listColumn, type Cell } from '../../src/output/columns.js';
import { checkFormat, renderList, renderShow, type FormatOptions } from '../../src/output/index.js';

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
  const opts = { ...c.opts, format: c.opts.format ?? 'table' };
  return c.kind === 'list'
    ? renderList(c.columns!, c.rows!.map((r) => r.map(decode)), { ...opts, format: checkFormat('list', opts.format) })
    : renderShow(c.fields!, c.values!.map(decode), { ...opts, format: checkFormat('show', opts.format) });
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

const differences = deliberateDifferences();
const differencesUsed = new Set<string>();
// What no output of img may hold raw (TAB and LF are the only controls allowed): C0, DEL, C1,
// line/paragraph separators and format characters (bidi, zero-width, BOM).
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\p{Cf}]/u;

for (const file of files) {
  for (const c of loadCases(path.join(dir, file))) {
    const key = `${file} ${c.kind} ${c.name}`;
    test(`${file.replace(/\.json$/, '')}: ${c.name}`, () => {
      if (c.error !== undefined) {
        assert.throws(() => run(c), (err: unknown) => err instanceof ImgError && err.message === c.error);
        return;
      }
      const out = run(c);
      const mine = differences.get(key);
      if (mine === undefined) {
        assert.equal(out, c.expected);
      } else {
        differencesUsed.add(key);
        assert.notEqual(mine, c.expected, `${key}: a deliberate difference that is none`);
        assert.equal(out, mine);
      }
      const raw = RAW_CONTROL.exec(out);
      assert.equal(raw, null, `${key}: raw U+${raw?.[0].codePointAt(0)?.toString(16)} in the output`);
    });
  }
}

test('every deliberate difference from cliff belongs to a golden case', () => {
  assert.ok(differencesUsed.size > 0);
  assert.deepEqual([...differences.keys()].filter((k) => !differencesUsed.has(k)), []);
});

test('an unknown format is a UsageError naming the allowed ones', () => {
  assert.throws(
    () => checkFormat('list', 'shell'),
    (err: unknown) =>
      err instanceof UsageError &&
      err.message === "argument -f/--format: invalid choice: 'shell' (choose from 'csv', 'json', 'table', 'value', 'yaml')",
  );
  assert.throws(
    () => checkFormat('show', 'csv'),
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

test('-f shell: variable names keep only [a-z0-9_]; a --prefix that is no name start is a UsageError', () => {
  assert.equal(
    renderShow(['Odd Field:x-y', 'a$(b)`c`', '1st'], ["it's", '', null], { format: 'shell' }),
    "odd_field_x_y='it'\\''s'\na__b__c_=''\n_1st='None'\n",
  );
  assert.equal(renderShow(['id'], ['x'], { format: 'shell', prefix: 'img_' }), "img_id='x'\n");
  for (const prefix of ['x;touch y;', '$(id)', '1a', 'a-b']) {
    assert.throws(
      () => renderShow(['id'], ['x'], { format: 'shell', prefix }),
      (err: unknown) => err instanceof UsageError && err.message.startsWith('invalid --prefix '),
      prefix,
    );
  }
});

test('visible: escapes what a terminal acts on or hides, keeps tabs and all printable text', () => {
  const ordinary = 'Ảnh-thử 镜像 😀 tab\there "q" it\'s back\\slash nbsp\u00a0x';
  assert.equal(visible(ordinary), ordinary);
  assert.equal(
    visible('a\x1b[31mb\x07\x00\x7f\x85\x9bc\r\nd\u202ee\u2066\u200b\u200d\ufeff\u061c\u00ad\u2028\u{e0041}\ud800'),
    'a\\x1b[31mb\\x07\\x00\\x7f\\x85\\x9bc\\r\\nd\\u202ee\\u2066\\u200b\\u200d\\ufeff\\u061c\\xad\\u2028\\U000e0041\\ud800',
  );
  assert.equal(visible('one\ntwo\r\n', { newline: 'keep' }), 'one\ntwo\\r\n');
});

test('shellQuote: one literal word for sh, whatever the text', () => {
  assert.equal(shellQuote(''), "''");
  assert.equal(shellQuote("it's $(x) `y` \\ \"z\" ;"), "'it'\\''s $(x) `y` \\ \"z\" ;'");
});
