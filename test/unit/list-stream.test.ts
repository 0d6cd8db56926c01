// Lists printed as their rows come (issue #15): src/output/stream.ts renders a list in chunks that
// add up, byte for byte, to renderList's text (every golden list case of fixtures/output, cut into
// batches every which way, and a long list across chunk boundaries); src/cli/write-chunks.ts writes
// them with backpressure; `img list --sort ''` (Glance's order, as with the openstack client) prints
// each page before it asks for the next, stops asking when stdout is full, and a page that fails
// after the first gives the same line and exit code as the sorted list.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { runCli } from '../../src/cli/run-cli.js';
import { writeChunks } from '../../src/cli/write-chunks.js';
import { dictColumn, listColumn, type Cell } from '../../src/output/columns.js';
import { checkFormat, renderList, type FormatOptions, type ListFormat } from '../../src/output/index.js';
import { CHUNK_ROWS, renderListChunks, type RowBatches } from '../../src/output/stream.js';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { FIXTURES } from '../helpers/paths.js';
import { sent } from '../helpers/requests.js';
import { img } from '../helpers/run-against-fake.js';
import { runEnv } from '../helpers/run-img.js';

type Encoded = string | number | boolean | null | { $list: string[] } | { $dict: Record<string, unknown> };
type Rows = (readonly Cell[])[];

const decode = (cell: Encoded): Cell =>
  cell !== null && typeof cell === 'object' ? ('$list' in cell ? listColumn(cell.$list) : dictColumn(cell.$dict)) : cell;

/** The list cases of the golden fixtures (fixtures/output/*.json, as output.test.ts reads them). */
function goldenListCases(): { name: string; columns: string[]; rows: Rows; opts: FormatOptions<ListFormat> }[] {
  const dir = path.join(FIXTURES, 'output');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().flatMap((file) => {
    const { inputs, cases } = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
      inputs: Record<string, { columns?: string[]; rows?: Encoded[][] }>;
      cases: { name: string; kind: string; input: string; head?: number; opts: Partial<FormatOptions> }[];
    };
    return cases.filter((c) => c.kind === 'list').map((c) => {
      const inp = inputs[c.input]!;
      const rows = inp.rows!.slice(0, c.head ?? inp.rows!.length).map((r) => r.map(decode));
      return { name: `${file} ${c.name}`, columns: inp.columns!, rows, opts: { ...c.opts, format: checkFormat('list', c.opts.format ?? 'table') } };
    });
  });
}

/** `rows` cut into batches in several ways: all at once, one per batch with empty ones between, uneven pages, none. */
function cuts(rows: Rows): RowBatches[] {
  const uneven: Rows[] = [];
  for (let at = 0, size = 1; at < rows.length; at += size, size = (size * 3) % 7 + 1) uneven.push(rows.slice(at, at + size));
  return [[rows], rows.flatMap((r) => [[], [r]]), uneven, asyncBatches(uneven)];
}

async function* asyncBatches(batches: Rows[]): AsyncGenerator<Rows> {
  for (const b of batches) {
    await new Promise((r) => setImmediate(r));
    yield b;
  }
}

async function chunksOf(columns: readonly string[], batches: RowBatches, opts: FormatOptions<ListFormat>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of renderListChunks(columns, batches, opts)) out.push(chunk);
  return out;
}

/** What renderList gives, or its error's message. */
function whole(columns: readonly string[], rows: Rows, opts: FormatOptions<ListFormat>): { text?: string; error?: string } {
  try {
    return { text: renderList(columns, rows, opts) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

async function assertSameText(name: string, columns: readonly string[], rows: Rows, opts: FormatOptions<ListFormat>): Promise<void> {
  const expected = whole(columns, rows, opts);
  for (const [i, batches] of cuts(rows).entries()) {
    if (expected.error !== undefined) {
      await assert.rejects(chunksOf(columns, batches, opts), (err: Error) => err.message === expected.error, `${name} (cut ${i})`);
    } else {
      assert.equal((await chunksOf(columns, batches, opts)).join(''), expected.text, `${name} (cut ${i})`);
    }
  }
}

describe('streamed rendering: the same bytes as renderList', () => {
  test('every golden list case of fixtures/output, in every format and option it covers, however the rows are batched', async () => {
    const cases = goldenListCases();
    assert.ok(cases.length > 20, `only ${cases.length} list cases`);
    for (const c of cases) {
      await assertSameText(c.name, c.columns, c.rows, c.opts);
      // The same case in every list format, for the formats its fixture did not print.
      for (const format of ['value', 'csv', 'json', 'yaml'] as const) {
        await assertSameText(`${c.name} as ${format}`, c.columns, c.rows, { ...c.opts, format });
      }
    }
  });

  // Names as other tenants may choose them: unicode (wide, combining, astral), escapes, controls, newlines, quotes, commas.
  const NAMES = ['plain', 'δέλτα 画像', 'e\u0301 😀', 'tab\there', 'line\nfeed', 'cr\rx', 'esc\x1b[31m', 'bidi\u202e', 'q"uo\'te', 'a,b', 'back\\slash', '', ' lead', '- dash', 'null', '123', 'yes: no'];
  const COLUMNS = ['ID', 'Name', 'Size', 'Tags', 'Properties', 'Protected'];
  const longRows = (n: number): Rows =>
    Array.from({ length: n }, (_, i) => [
      `id-${i}`, NAMES[i % NAMES.length]!, i % 5 === 0 ? null : i * 1024, listColumn(i % 3 ? ['b', NAMES[i % NAMES.length]!] : []),
      dictColumn(i % 4 ? { k: NAMES[i % NAMES.length]!, n: i, nested: { x: null } } : {}), i % 2 === 0,
    ]);

  test(`a list longer than ${CHUNK_ROWS} rows comes in several chunks, with -c, --quote, --noindent, and as no rows`, async () => {
    const rows = longRows(CHUNK_ROWS * 2 + 17);
    const variants: Partial<FormatOptions<ListFormat>>[] = [
      {}, { columns: ['Name'] }, { columns: ['Tags', 'ID'] }, { noindent: true },
      ...(['all', 'minimal', 'nonnumeric'] as const).map((quote) => ({ quote })),
    ];
    for (const format of ['value', 'csv', 'json', 'yaml'] as const) {
      for (const v of variants) {
        const opts = { ...v, format };
        const chunks = await chunksOf(COLUMNS, [rows.slice(0, 1500), [], rows.slice(1500)], opts);
        assert.equal(chunks.join(''), renderList(COLUMNS, rows, opts), `${format} ${JSON.stringify(v)}`);
        assert.ok(chunks.length >= 3, `${format}: ${chunks.length} chunks`);
        assert.equal(chunks.join(''), await chunksOf(COLUMNS, [rows], opts).then((c) => c.join('')));
        for (const none of [[], [[]]] as RowBatches[]) {
          assert.equal((await chunksOf(COLUMNS, none, opts)).join(''), renderList(COLUMNS, [], opts), `${format} empty`);
        }
      }
    }
  });

  test('table and --sort-column need every row: one chunk, after the last batch', async () => {
    const rows = longRows(40);
    for (const opts of [{ format: 'table' }, { format: 'value', sortColumns: ['Name'], sortDirection: 'desc' }] as FormatOptions<ListFormat>[]) {
      const chunks = await chunksOf(COLUMNS, [rows.slice(0, 10), rows.slice(10)], opts);
      assert.deepEqual(chunks, [renderList(COLUMNS, rows, opts)]);
    }
  });

  test('bad output options fail before the first batch is asked for', async () => {
    let asked = false;
    async function* batches(): AsyncGenerator<Rows> {
      asked = true;
      yield [];
    }
    for (const [opts, message] of [
      [{ format: 'value', columns: ['Nope'] }, "No recognized column names in ['Nope']. Recognized columns are ('ID', 'Name', 'Size', 'Tags', 'Properties', 'Protected')."],
      [{ format: 'csv', quote: 'sometimes' }, "argument --quote: invalid choice: 'sometimes' (choose from 'all', 'minimal', 'none', 'nonnumeric')"],
    ] as [FormatOptions<ListFormat>, string][]) {
      await assert.rejects(chunksOf(COLUMNS, batches(), opts), { message });
    }
    assert.equal(asked, false);
  });
});

/** A stdout that keeps what it got and, while `held`, takes nothing more (its write callback waits). */
class SlowStdout extends Writable {
  text = '';
  held = false;
  private waiting: (() => void) | undefined;
  constructor() {
    super({ highWaterMark: 16 });
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    if (this.held) this.waiting = done;
    else done();
  }
  release(): void {
    this.held = false;
    const done = this.waiting;
    this.waiting = undefined;
    done?.();
  }
}

/** Runs img in this process (as runCliInProcess does) with `stdout` as its stdout; resolves with the exit code and stderr. */
async function runWithStdout(cloud: FakeCloud, args: string[], stdout: Writable, env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  const { env: runEnvVars, tempHome } = await runEnv({ env: { ...cloud.env(), ...env } });
  let stderr = '';
  const stdin = new PassThrough();
  stdin.end();
  const io = {
    stdin,
    stdout,
    stderr: new Writable({ write(c: Buffer, _e, done) { stderr += c.toString(); done(); } }),
    env: runEnvVars,
    cwd: tempHome!,
    homeDir: tempHome!,
  };
  try {
    const code = await runCli(args, io, new AbortController().signal);
    return { code, stderr };
  } finally {
    await rm(tempHome!, { recursive: true, force: true });
  }
}

describe("img list --sort '': page by page", () => {
  const PAGE = 4;
  let cloud: FakeCloud;
  // Glance's order: newest first. Names out of name order, so a sorted list would differ.
  const NAMES = Array.from({ length: 11 }, (_, i) => `img-${String((i * 7) % 11).padStart(2, '0')}`);
  const isPage = (url: URL) => url.pathname.endsWith('/v2/images');

  before(async () => {
    cloud = await FakeCloud.start({ pageLimitMax: PAGE });
    NAMES.forEach((name, i) => cloud.addImage({ name, visibility: 'public', created_at: `2026-01-01T00:00:${String(59 - i).padStart(2, '0')}Z` }));
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });

  for (const format of ['value', 'csv', 'json', 'yaml'] as const) {
    test(`-f ${format}: the first page's rows are on stdout before the second page is asked for; the bytes are the sorted list's rendering of Glance's order`, async () => {
      const stdout = new SlowStdout();
      const seenAtPage: string[] = [];
      const remove = cloud.inject(async (_req, _res, { url }) => {
        if (!isPage(url) || !url.searchParams.has('marker')) return false;
        // Hold the later page until the rows before it were written (or 5 s: the run then fails below).
        for (let i = 0; i < 500 && !NAMES.slice(0, PAGE * seenAtPage.length + PAGE).every((n) => stdout.text.includes(n)); i++) {
          await new Promise((r) => setTimeout(r, 10));
        }
        seenAtPage.push(stdout.text);
        return false;
      });
      try {
        const r = await runWithStdout(cloud, ['list', '--sort', '', '-f', format], stdout);
        assert.equal(r.stderr, '');
        assert.equal(r.code, 0);
        assert.equal(seenAtPage.length, Math.floor(NAMES.length / PAGE));
        seenAtPage.forEach((text, i) => {
          for (const name of NAMES.slice(0, PAGE * (i + 1))) assert.ok(text.includes(name), `page ${i + 2} asked for before ${name} was printed`);
          for (const name of NAMES.slice(PAGE * (i + 1))) assert.ok(!text.includes(name), `${name} printed before its page was asked for`);
        });
        // The same bytes as the one-shot rendering of the same rows (the listing's own order, not name order).
        const rows = (await img(cloud, ['list', '--sort', 'created_at:desc', '-f', format])).stdout;
        assert.equal(stdout.text, rows);
      } finally {
        remove();
      }
    });
  }

  test('stdout that takes nothing more: the next page is not asked for until it drains', async () => {
    const stdout = new SlowStdout();
    stdout.held = true;
    const start = cloud.requests.length;
    const run = runWithStdout(cloud, ['list', '--sort', '', '-f', 'value', '-c', 'Name'], stdout);
    const pages = () => cloud.requests.slice(start).filter((q) => q.service === 'image' && isPage(new URL(q.path, 'http://x'))).length;
    for (let i = 0; i < 500 && pages() === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(pages(), 1, 'one page while stdout is full');
    assert.equal(stdout.text, `${NAMES.slice(0, PAGE).join('\n')}\n`);
    stdout.release();
    const r = await run;
    assert.equal(r.code, 0);
    assert.equal(pages(), Math.ceil((NAMES.length + 1) / PAGE));
    assert.equal(stdout.text, `${NAMES.join('\n')}\n`);
  });

  test('a page that fails after the first: the sorted list\'s line and exit code; value/csv keep the rows printed, json stays an open array', async () => {
    const remove = cloud.inject((_req, res, { url }) => {
      if (!isPage(url) || !url.searchParams.has('marker')) return false;
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 403, title: 'Forbidden', message: 'not for you' } }));
      return true;
    });
    try {
      const sorted = await img(cloud, ['list', '-f', 'value']);
      assert.equal(sorted.stdout, '');
      assert.match(sorted.stderr, /^img: .+\n$/);
      assert.notEqual(sorted.code, 0);
      for (const format of ['value', 'csv', 'json'] as const) {
        const r = await img(cloud, ['list', '--sort', '', '-f', format, '-c', 'Name']);
        assert.equal(r.stderr, sorted.stderr, format);
        assert.equal(r.code, sorted.code, format);
        assert.deepEqual(sent(r).filter((s) => s.startsWith('GET /v2/images?')).length, 2, format);
        const first = NAMES.slice(0, PAGE);
        const expected = {
          value: first.map((n) => `${n}\n`).join(''),
          csv: `"Name"\n${first.map((n) => `"${n}"\n`).join('')}`,
          json: `[\n  ${first.map((n) => `{\n    "Name": "${n}"\n  }`).join(',\n  ')}`,
        }[format];
        assert.equal(r.stdout, expected, format);
      }
    } finally {
      remove();
    }
  });

  test("--sort '' with --limit, filters and -c: Glance's order, one request per page", async () => {
    const r = await img(cloud, ['list', '--sort', '', '--limit', '3', '-f', 'value', '-c', 'Name']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${NAMES.slice(0, 3).join('\n')}\n`);
    assert.deepEqual(sent(r), ['GET /v2/images?limit=3']);
    const globbed = await img(cloud, ['list', '--sort', '', '--name', 'img-0*', '-f', 'value', '-c', 'Name']);
    assert.equal(globbed.stdout, NAMES.filter((n) => n.startsWith('img-0')).map((n) => `${n}\n`).join(''));
    assert.equal(sent(globbed).length, Math.ceil((NAMES.length + 1) / PAGE));
  });

  test("a blank --sort is still refused (exit 2, no request): only '' means Glance's order", async () => {
    const r = await img(cloud, ['list', '--sort', ' ', '-f', 'value']);
    assert.equal(r.stderr, "img: Invalid --sort ' ': empty sort key\n");
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.deepEqual(r.calls, []);
  });
});

describe('writeChunks', () => {
  test('stops asking for chunks once stdout failed, so the generator behind them ends', async () => {
    const out = new Writable({ write(_c, _e, done) { done(new Error('EPIPE')); } });
    out.on('error', () => undefined);
    let asked = 0;
    let finished = false;
    async function* chunks(): AsyncGenerator<string> {
      try {
        for (;;) {
          asked++;
          yield 'x'.repeat(100);
        }
      } finally {
        finished = true;
      }
    }
    await writeChunks(out, chunks(), new AbortController().signal);
    assert.ok(asked <= 2, `${asked} chunks asked for after stdout failed`);
    assert.equal(finished, true);
  });

  test('an abort while stdout is full rejects with the abort reason', async () => {
    const out = new Writable({ highWaterMark: 1, write() { /* never done */ } });
    const controller = new AbortController();
    async function* chunks(): AsyncGenerator<string> {
      yield 'one';
      yield 'two';
    }
    const writing = writeChunks(out, chunks(), controller.signal);
    controller.abort(new Error('interrupted'));
    await assert.rejects(writing, { message: 'interrupted' });
  });
});
