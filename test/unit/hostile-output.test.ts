// Server strings on screens and in shells (issue #10, rule 4): another tenant's public image whose
// name and properties carry terminal control sequences (ESC/CSI, OSC 0 title and OSC 52 clipboard
// writes, C1 CSI, CR, LF, bidi override and isolate) and shell code ($(…), backquotes, quotes, ';').
// Every output format and every stderr path (error lines, progress, --debug) is scanned for raw
// controls; json and yaml must give the exact strings back; `eval` of -f shell and a pasted --debug
// curl line must run nothing. Plus the guards against quadratic work on server strings.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { oneLine } from '../helpers/assertions.js';
import { TempDirs } from '../helpers/files.js';
import { img, type ImgRun } from '../helpers/run-against-fake.js';
import { DEMO_PROJECT_ID, FakeCloud, type InjectHandler } from '../helpers/fake-cloud.js';

const run = promisify(execFile);
// js-yaml comes with cosmiconfig; only its load() is needed, to read -f yaml back.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

/**
 * What may never reach a terminal raw: C0 controls but TAB and LF, DEL, C1, the line/paragraph
 * separators and every format character (bidi embeddings/overrides/isolates, zero-width, BOM).
 */
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\p{Cf}]/u;

function assertNoRawControl(text: string, where: string): void {
  const m = RAW_CONTROL.exec(text);
  assert.equal(m, null, `${where}: raw U+${m?.[0].codePointAt(0)?.toString(16).padStart(4, '0')} at ${m?.index}: ${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 20), (m?.index ?? 0) + 20))}`);
}

const ID = '6f3c2a1e-9b8d-4c7e-a5f4-3e2d1c0b9a87';
const PLAIN_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

describe('hostile names and properties from another tenant', () => {
  const temp = new TempDirs();
  let cloud: FakeCloud;
  let dir: string;
  let canary: string;
  /** The hostile name: terminal sequences, then shell code that would touch the canary. */
  let name: string;
  /** `name` as img shows it in line formats: every control escaped, LF as \n. */
  let shown: string;

  before(async () => {
    cloud = await FakeCloud.start();
    dir = await temp.make('img-hostile-');
    canary = path.join(dir, 'CANARY');
    name =
      'evil\x1b[2J\x1b]0;pwned-title\x07\x1b]52;c;cm0gLXJmIH4=\x07\u202eexe.txt\r\n' +
      `forged-row\x9b31m\u2066 $(touch ${canary}) \`touch ${canary}\` ' " ; end`;
    shown =
      'evil\\x1b[2J\\x1b]0;pwned-title\\x07\\x1b]52;c;cm0gLXJmIH4=\\x07\\u202eexe.txt\\r\\n' +
      `forged-row\\x9b31m\\u2066 $(touch ${canary}) \`touch ${canary}\` ' " ; end`;
    cloud.addImage({
      id: ID,
      name,
      owner: DEMO_PROJECT_ID,
      visibility: 'public',
      properties: { description: name, 'note\x1b[8m': 'hidden\x1b[28m', os_distro: 'ubuntu' },
    }, Buffer.from('hostile image data\n'));
    cloud.addImage({ id: PLAIN_ID, name: 'plain', visibility: 'public', status: 'active' });
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
    await temp.removeAll();
  });

  const ok = (r: ImgRun, what: string): void => {
    assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
    assert.equal(r.stderr, '', what);
    assert.ok(!existsSync(canary), `${what}: the canary was created`);
  };

  test('no format of list or show prints a raw control; json and yaml give the exact strings back', async () => {
    for (const [args, format] of [
      ...['table', 'value', 'csv', 'yaml', 'json'].map((f) => [['list', '--long'], f] as const),
      ...['table', 'value', 'yaml', 'shell', 'json'].map((f) => [['show', ID], f] as const),
    ]) {
      const what = `${args.join(' ')} -f ${format}`;
      const r = await img(cloud, [...args, '-f', format]);
      ok(r, what);
      assertNoRawControl(r.stdout, what);
      if (format === 'json' || format === 'yaml') {
        const data = format === 'json' ? JSON.parse(r.stdout) as unknown : yaml.load(r.stdout);
        const item = (Array.isArray(data) ? data.find((x: { ID?: string }) => x.ID === ID) : data) as Record<string, unknown>;
        assert.equal(item['name'] ?? item['Name'], name, what);
        if (args[0] === 'show') {
          assert.deepEqual(item['properties'], {
            description: name, 'note\x1b[8m': 'hidden\x1b[28m', os_distro: 'ubuntu',
            os_hash_algo: 'sha512', os_hash_value: cloud.images.get(ID)!.os_hash_value, os_hidden: false,
          }, what);
        }
      } else {
        // What the server sent is still there to see, escaped (csv doubles the escapes' backslashes).
        const seen = 'evil\\x1b[2J\\x1b]0;pwned-title\\x07\\x1b]52;c;cm0gLXJmIH4=\\x07\\u202eexe.txt';
        assert.ok(r.stdout.includes(format === 'csv' ? seen.replace(/\\/g, '\\\\') : seen), what);
      }
    }
  });

  test('a line feed in a name forges no row: -f value escapes it, -f csv quotes it', async () => {
    const value = await img(cloud, ['list', '-f', 'value', '-c', 'ID', '-c', 'Name', '--sort-column', 'Name']);
    ok(value, 'list -f value');
    assert.equal(value.stdout, `${ID} ${shown}\n${PLAIN_ID} plain\n`);

    const show = await img(cloud, ['show', ID, '-f', 'value', '-c', 'name', '-c', 'owner']);
    ok(show, 'show -f value');
    assert.equal(show.stdout, `${shown}\n${DEMO_PROJECT_ID}\n`);

    const csv = await img(cloud, ['list', '-f', 'csv', '-c', 'ID', '-c', 'Name', '--sort-column', 'Name']);
    ok(csv, 'list -f csv');
    // The field keeps its line feed inside quotes (CSV's own way, read back as one record); CR and
    // the other controls are escaped, and csv's escapechar doubles the escapes' backslashes.
    const cell = shown.replace('\\r\\n', '\\r\n').replace(/\\/g, '\\\\').replace(/"/g, '""');
    assert.equal(csv.stdout, `"ID","Name"\n"${ID}","${cell}"\n"${PLAIN_ID}","plain"\n`);
  });

  test('table: the cell keeps its two lines inside the frame, every control escaped', async () => {
    const r = await img(cloud, ['list', '-c', 'ID', '-c', 'Name', '--sort-column', 'Name']);
    ok(r, 'list');
    const [first, second] = shown.split('\\r\\n') as [string, string];
    const width = second.length;
    assert.equal(r.stdout, [
      `+--------------------------------------+-${'-'.repeat(width)}-+`,
      `| ID                                   | ${'Name'.padEnd(width)} |`,
      `+--------------------------------------+-${'-'.repeat(width)}-+`,
      `| ${ID} | ${first.padEnd(width)} |`,
      `|                                      | ${second} |`,
      `| ${PLAIN_ID} | ${'plain'.padEnd(width)} |`,
      `+--------------------------------------+-${'-'.repeat(width)}-+`,
      '',
    ].join('\n'));
  });

  test('eval of -f shell runs nothing and sets the exact (escaped) values', async () => {
    for (const prefix of [[], ['--prefix', 'img_']]) {
      const p = prefix.length ? 'img_' : '';
      const r = await img(cloud, ['show', ID, '-f', 'shell', ...prefix]);
      ok(r, `show -f shell ${prefix.join(' ')}`);
      assertNoRawControl(r.stdout, 'shell');
      const out = await run('bash', ['-c', `set -eu; eval "$IMG_OUT"; printf '%s\\0' "$${p}name" "$${p}id" "$${p}properties" "$${p}owner"`], {
        cwd: dir,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', IMG_OUT: r.stdout },
      });
      assert.ok(!existsSync(canary), 'eval ran the name as code');
      const [gotName, gotId, props, owner] = out.stdout.split('\0');
      assert.equal(gotName, shown);
      assert.equal(gotId, ID);
      assert.equal(owner, DEMO_PROJECT_ID);
      // properties is cliff's str() of the dict: Python's repr already escapes controls.
      assert.ok(props!.includes("'note\\x1b[8m': 'hidden\\x1b[28m'"), props);
      assert.ok(props!.includes(`\\u202eexe.txt\\r\\nforged-row\\x9b31m\\u2066 $(touch ${canary}) \`touch ${canary}\` \\' " ; end'`), props);
    }
  });

  test('error lines: a server message with controls and line breaks is one line, escaped', async () => {
    const remove = cloud.inject((req, res, ctx) => {
      if (ctx.service !== 'image' || req.method !== 'DELETE') return false;
      const body = JSON.stringify({
        message: `Access was denied.<br /><br />\nImage ${name} is \x1b]52;c;ZXZpbA==\x07 protected\u202e\r\n\x9b2J`,
        code: '403 Forbidden', title: 'Forbidden',
      });
      res.writeHead(403, { 'Content-Type': 'application/json', 'x-openstack-request-id': 'req-hostile' });
      res.end(body);
      return true;
    });
    try {
      const r = await img(cloud, ['delete', ID]);
      assert.equal(r.code, 1, r.stderr);
      assertNoRawControl(r.stderr, 'delete stderr');
      for (const line of r.stderr.split('\n').filter(Boolean)) assert.match(line, /^img: /);
      assert.ok(r.stderr.includes('is \\x1b]52;c;ZXZpbA==\\x07 protected\\u202e \\x9b2J (HTTP 403) (Request-ID: req-hostile)'), r.stderr);
      assert.ok(r.stderr.includes('Image evil\\x1b[2J\\x1b]0;pwned-title\\x07'), r.stderr);
      assert.ok(cloud.images.has(ID));
    } finally {
      remove();
    }

    // Keystone's error bodies take the same path.
    const refuse = cloud.inject((req, res, ctx) => {
      if (ctx.service !== 'identity' || req.method !== 'POST') return false;
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 401, title: 'Unauthorized', message: 'The request\x1b[8m you\r\nhave made\u202e requires authentication.' } }));
      return true;
    });
    try {
      const r = await img(cloud, ['list']);
      assert.equal(r.code, 3, r.stderr);
      const line = oneLine(r);
      assertNoRawControl(line, 'keystone error line');
      assert.ok(line.includes('The request\\x1b[8m you have made\\u202e requires authentication.'), line);
    } finally {
      refuse();
    }
  });

  test('--progress: the label holds the escaped name, one line per update', async () => {
    const r = await img(cloud, ['save', ID, '--progress']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hostile image data\n');
    assertNoRawControl(r.stderr, 'progress');
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.ok(lines.length > 0);
    for (const line of lines) assert.ok(line.startsWith(`Downloading ${shown}: `), line);
  });

  test('--debug: bodies and headers escaped; the curl line pasted into a shell runs only curl', async () => {
    const remove = cloud.inject((_req, res, ctx) => {
      // A header value may carry C1 bytes (HTTP allows obs-text); the fake routes the request after.
      if (ctx.service === 'image') res.setHeader('x-hostile', '\x9b31mred');
      return false;
    });
    try {
      const r = await img(cloud, ['--debug', 'show', ID, '-f', 'json']);
      assert.equal(r.code, 0, r.stderr);
      assertNoRawControl(r.stderr, '--debug stderr');
      assert.equal((JSON.parse(r.stdout) as { name: string }).name, name);
      assert.ok(r.stderr.includes('x-hostile: \\x9b31mred'), r.stderr);
      assert.ok(r.stderr.includes('\\u001b]0;pwned-title\\u0007'), 'JSON keeps its own escape of ESC');
      assert.ok(r.stderr.includes('\\u202eexe.txt'), 'bidi override escaped in the body');
    } finally {
      remove();
    }

    // A name that would break out of the old `-d '…'` and run code when the line is pasted.
    const created = `it's $(touch ${canary}) \`touch ${canary}\`; "x" \x1b[31m`;
    const c = await img(cloud, ['--debug', 'create', created, '--disk-format', 'raw', '--container-format', 'bare', '-f', 'value', '-c', 'id']);
    assert.equal(c.code, 0, c.stderr);
    assertNoRawControl(c.stderr, 'create --debug');
    const post = c.stderr.split('\n').find((l) => l.startsWith('REQ: curl ') && l.includes("-X 'POST'") && l.includes('/v2/images'));
    assert.ok(post, c.stderr);
    // A stand-in curl on PATH records the arguments it got, one per line of its output file.
    const bin = await temp.make('img-fake-curl-');
    const argsFile = path.join(dir, 'curl-args');
    await writeFile(path.join(bin, 'curl'), `#!/bin/sh\nprintf '%s\\0' "$@" > '${argsFile}'\n`);
    await chmod(path.join(bin, 'curl'), 0o755);
    await run('bash', ['-c', post.slice('REQ: '.length)], { cwd: dir, env: { PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}` } });
    assert.ok(!existsSync(canary), 'pasting the curl line ran code');
    const args = (await readFile(argsFile, 'utf8')).split('\0').slice(0, -1);
    assert.deepEqual(args.slice(0, 5), ['-g', '-i', '-X', 'POST', `${cloud.imageEndpoint('public')}/v2/images`]);
    const data = args[args.indexOf('-d') + 1]!;
    assert.equal((JSON.parse(data) as { name: string }).name, created);
  });
});

describe('no quadratic work on server strings', () => {
  let cloud: FakeCloud;
  const big = 'y'.repeat(1024 * 1024);
  before(async () => {
    cloud = await FakeCloud.start();
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });

  /** Runs img and returns its result with how long it took, in ms. */
  async function timed(args: string[]): Promise<ImgRun & { ms: number }> {
    const started = Date.now();
    const r = await img(cloud, args);
    return { ...r, ms: Date.now() - started };
  }
  // A guard against quadratic blow-up only (seconds to minutes), not a benchmark: generous on a
  // busy 2-core machine, where one run of img takes a few hundred ms.
  const BOUND_MS = 5000;

  test('a 1 MB property renders as a table in time, wrapped or not, and nothing is lost', async () => {
    const id = randomUUID();
    cloud.addImage({ id, name: 'big', properties: { big } });
    const plain = await timed(['show', id, '-c', 'properties']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.ok(plain.ms < BOUND_MS, `${plain.ms} ms`);
    const text = `big='${big}', os_hash_algo=, os_hash_value=, os_hidden='False'`;
    assert.ok(plain.stdout.includes(`| properties | ${text} |\n`));

    const wrapped = await timed(['show', id, '-c', 'properties', '--max-width', '80']);
    assert.equal(wrapped.code, 0, wrapped.stderr);
    assert.ok(wrapped.ms < BOUND_MS, `${wrapped.ms} ms`);
    const lines = wrapped.stdout.split('\n').filter(Boolean);
    assert.ok(lines.every((l) => l.length <= 80), 'every line within --max-width');
    // The value column, read top to bottom, is the property text again (less the spaces wrapped on).
    const cells = lines.slice(3, -1).map((l) => l.split('|')[2]!.trim()).join('');
    assert.equal(cells.replace(/ /g, ''), text.replace(/ /g, ''));
  });

  test('a 64 KiB error body that never closes its tags becomes one line in time', async () => {
    const id = randomUUID();
    cloud.addImage({ id, name: 'victim' });
    const bodies: [string, string][] = [
      ['text/html', '<h1>'.repeat(16 * 1024)],
      ['text/html', `<html><body>${'<'.repeat(64 * 1024 - 12)}`],
      ['application/json', JSON.stringify({ message: `\x1b[2J${'<title>'.repeat(9000)}` })],
    ];
    for (const [type, body] of bodies) {
      const answer: InjectHandler = (req, res, ctx) => {
        if (ctx.service !== 'image' || req.method !== 'GET' || !ctx.url.pathname.endsWith(id)) return false;
        res.writeHead(400, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)) });
        res.end(body);
        return true;
      };
      const remove = cloud.inject(answer);
      try {
        const r = await timed(['show', id]);
        assert.equal(r.code, 1, r.stderr);
        assert.ok(r.ms < BOUND_MS, `${type} ${body.slice(0, 12)}…: ${r.ms} ms`);
        const line = oneLine(r);
        assertNoRawControl(line, 'error line');
        assert.match(line, / \(HTTP 400\)/);
      } finally {
        remove();
      }
    }
  });
});
