// Parity with the reference client (python-openstackclient 6.0, /usr/bin/openstack) on the real cloud:
// for the same images, `img list …` prints exactly the bytes `openstack image list …` prints, in every
// output format and with the listing options; `img show` matches `openstack image show` (see the show
// section for what is compared and why).
//
// The many `openstack` commands run through openstackBatch() (cloud.ts): the client's own shell, in
// one Python process. The first tests check that this prints what /usr/bin/openstack prints.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SEED_FIELDS } from '../helpers/tables.js';
import {
  cleanupByPrefix, describeRun, getImage, img, makeTestImage, mapLimit, openstackBatch, openstackRun, tempDir, uniqueName,
  type Json, type OscResult, type TestFile, type User,
} from './cloud.js';
import type { ImgResult } from '../helpers/run-img.js';

const PREFIX = uniqueName('it-parity');
const TAG = `${PREFIX}-tag`;
const NO_SUCH_TAG = `${PREFIX}-no-such-tag`;

const N = {
  alpha: `${PREFIX}-alpha`,
  beta: `${PREFIX}-beta`,
  gamma: `${PREFIX}-gamma`,
  // Wide (CJK) and combining-free accented characters: column widths must be counted as prettytable does.
  delta: `${PREFIX}-δέλτα ảnh 画像`,
  hidden: `${PREFIX}-hidden`,
  demo: `${PREFIX}-demo`,
  osc: `${PREFIX}-osc`,
};

/** `list` arguments compared as admin (img list ARGS vs openstack image list ARGS). */
function adminListCases(ids: Record<string, string>): string[][] {
  const t = ['--tag', TAG];
  return [
    [...t],
    [...t, '--long'],
    ...['json', 'csv', 'value', 'yaml'].flatMap((f) => [[...t, '-f', f], [...t, '--long', '-f', f]]),
    [...t, '-c', 'Name', '-c', 'Status'],
    [...t, '--long', '-c', 'Tags', '-c', 'Size', '-c', 'Protected', '-f', 'json'],
    [...t, '--sort', 'name:desc'],
    [...t, '--long', '--sort', 'size:asc'],
    [...t, '--long', '--sort', 'status:asc,name:desc'],
    [...t, '--long', '--public'],
    [...t, '--long', '--private'],
    [...t, '--long', '--community'],
    [...t, '--long', '--shared'],
    [...t, '--long', '--all'],
    [...t, '--long', '--hidden'],
    [...t, '--status', 'queued'],
    [...t, '--name', N.delta],
    [...t, '--long', '--property', 'os_distro=ubuntu'],
    [...t, '--tag', 'zeta'],
    [...t, '--limit', '2'],
    [...t, '--marker', ids['alpha'] as string],
    [...t, '--marker', N.beta, '--limit', '1'],
    [...t, '--member-status', 'all'],
    [...t, '-f', 'json', '--noindent'],
    ...['all', 'minimal', 'none', 'nonnumeric'].map((q) => [...t, '--long', '-f', 'csv', '--quote', q]),
    [...t, '--long', '--sort-column', 'Size', '--sort-descending'],
    [...t, '--sort-column', 'Status', '--sort-column', 'Name', '--sort-ascending'],
    [...t, '--long', '--max-width', '100'],
    [...t, '--long', '--fit-width'],
    ['--tag', NO_SUCH_TAG],
    ['--tag', NO_SUCH_TAG, '--print-empty'],
    ['--tag', NO_SUCH_TAG, '--long', '--print-empty'],
    ['--tag', NO_SUCH_TAG, '-f', 'json'],
    ['--tag', NO_SUCH_TAG, '--long', '-f', 'csv'],
  ];
}

/** `list` arguments compared as demo (a member: sees public images, its own, not admin's private ones). */
const DEMO_LIST_CASES: string[][] = [
  ['--tag', TAG],
  ['--tag', TAG, '--long'],
  ['--tag', TAG, '--long', '-f', 'json'],
  ['--tag', TAG, '--community', '--long'],
];

/** `show ID -f F` run for each image (img and openstack). */
const SHOW_FORMATS: Record<string, string[]> = {
  alpha: ['table', 'json', 'yaml', 'value', 'shell'],
  beta: ['table', 'json', 'yaml'],
  gamma: ['table', 'json'],
  delta: ['table', 'json'],
  osc: ['table', 'json'],
};

/**
 * `img show ID -f F` output that must be identical, per image. Not the queued image (gamma: null
 * attributes, see its test), and not json/value/shell of images with user properties (beta, osc):
 * openstacksdk reorders `properties`, img keeps Glance's order (reported, see the json test).
 */
const SHOW_SAME_BYTES: Record<string, string[]> = {
  alpha: ['table', 'json', 'yaml', 'value', 'shell'],
  delta: ['table', 'json'],
  beta: ['table', 'yaml'],
  osc: ['table', 'yaml'],
};

/** cliff's `-f shell` lines (`k="v"`, only `"` escaped) as img writes them: `k='v'`, `'` as `'\\''`. */
function oscShellAsImg(text: string): string {
  return text.replace(/^([a-z0-9_]+)="(.*)"$/gm, (_m, k: string, v: string) => `${k}='${v.replace(/\\"/g, '"').replace(/'/g, "'\\''")}'`);
}

interface Pair {
  img: ImgResult;
  osc: OscResult;
}

/**
 * Output with every list of two or more strings sorted, whatever the format:
 * JSON arrays, Python list reprs (value/csv/shell) and YAML block lists.
 * Applied to both sides of a comparison, it only forgives the order of tags,
 * which Glance keeps as a set and returns in no fixed order.
 */
function canonLists(text: string): string {
  const sortJoin = (items: string[], sep: string) => [...items].sort().join(sep);
  return text
    .replace(/\[\s*("(?:[^"\\]|\\.)*"(?:,\s*"(?:[^"\\]|\\.)*")+)\s*\]/g, (_m, inner: string) =>
      `[${sortJoin(inner.split(/,\s*/), ', ')}]`)
    .replace(/\[('(?:[^'\\]|\\.)*'(?:, '(?:[^'\\]|\\.)*')+)\]/g, (_m, inner: string) => `[${sortJoin(inner.split(', '), ', ')}]`)
    .replace(/((?:^[ ]+- [^\n]*\n){2,})/gm, (block: string) => `${sortJoin(block.split('\n').filter(Boolean), '\n')}\n`);
}

/** `-f json` output with its tags sorted (Glance lists an image's tags in no fixed order). */
function sortedTags(json: string): string {
  try {
    const o = JSON.parse(json) as { tags?: string[] };
    if (Array.isArray(o.tags)) o.tags.sort();
    return JSON.stringify(o, null, 2);
  } catch {
    return json;
  }
}

describe('parity with openstack image list/show', { timeout: 300_000 }, () => {
  let dir: string;
  let files: Record<'alpha' | 'beta' | 'delta' | 'small', TestFile>;
  const ids: Record<string, string> = {};
  const listPairs = new Map<string, Pair>();
  const demoPairs = new Map<string, Pair>();
  const showPairs = new Map<string, Pair>();
  /** How many tags img's own `show -f json` saw on the image with this ID. */
  const tagCount = (id: string): number => {
    try {
      return (JSON.parse(showPairs.get([id, '-f', 'json'].join(' '))?.img.stdout ?? '{}') as { tags?: string[] }).tags?.length ?? 0;
    } catch {
      return 0;
    }
  };
  let oscBinaryLong: OscResult;
  let oscBatchLong: OscResult;

  async function create(user: User, key: keyof typeof N, args: string[]): Promise<void> {
    const r = await img(user, ['create', N[key], ...args, '-f', 'value', '-c', 'id']);
    assert.equal(r.code, 0, `create ${key}: ${describeRun(r)}`);
    ids[key] = r.stdout.trim();
  }

  before(async () => {
    dir = tempDir('img-it-parity');
    files = {
      alpha: makeTestImage(dir, 'alpha.qcow2', 'qcow2', 1, `${PREFIX}a`),
      beta: makeTestImage(dir, 'beta.raw', 'raw', 2, `${PREFIX}b`),
      delta: makeTestImage(dir, 'delta.raw', 'raw', 0.5, `${PREFIX}d`),
      small: makeTestImage(dir, 'small.raw', 'raw', 0.25, `${PREFIX}s`),
    };

    const t = ['--tag', TAG];
    await Promise.all([
      create('admin', 'alpha', ['--file', files.alpha.path, '--disk-format', 'qcow2', '--public', ...t, '--tag', 'zeta', '--tag', 'alpha-tag']),
      create('admin', 'beta', [
        '--file', files.beta.path, '--private', '--protected', '--property', 'os_distro=ubuntu', '--property', 'custom_key=hello',
        '--min-disk', '2', '--min-ram', '512', ...t,
      ]),
      create('admin', 'gamma', ['--disk-format', 'raw', '--community', ...t]),
      create('admin', 'delta', ['--file', files.delta.path, '--shared', ...t]),
      create('admin', 'hidden', ['--file', files.small.path, '--hidden', ...t]),
      create('demo', 'demo', ['--file', files.small.path, ...t]),
      (async () => {
        // An image created by the reference client itself (it adds owner_specified.openstack.* properties).
        const r = await openstackRun('admin', ['image', 'create', N.osc, '--file', files.small.path, '--disk-format', 'raw', ...t, '-f', 'value', '-c', 'id']);
        assert.equal(r.code, 0, `openstack image create: ${r.stderr}`);
        ids['osc'] = r.stdout.trim();
      })(),
    ]);

    const adminCases = adminListCases(ids);
    const showCases: string[][] = [];
    for (const [key, formats] of Object.entries(SHOW_FORMATS)) {
      for (const f of formats) showCases.push([ids[key] as string, '-f', f]);
    }
    showCases.push([N.alpha, '--human-readable'], [N.delta, '--human-readable', '-f', 'json'], [N.alpha, '-f', 'shell', '--prefix', 'img_', '-c', 'id', '-c', 'status']);
    showCases.push([N.delta, '-c', 'name', '-c', 'size', '-c', 'tags'], [N.alpha, '--max-width', '60']);

    // The reference client (two batches, admin and demo, and one real /usr/bin/openstack run) while img runs.
    const oscAdmin = openstackBatch('admin', [
      ['image', 'list', '--tag', TAG, '--long'],
      ...adminCases.map((a) => ['image', 'list', ...a]),
      ...showCases.map((a) => ['image', 'show', ...a]),
    ]);
    const oscDemo = openstackBatch('demo', DEMO_LIST_CASES.map((a) => ['image', 'list', ...a]));
    const oscBinary = openstackRun('admin', ['image', 'list', '--tag', TAG, '--long']);
    const imgRuns = mapLimit(
      [
        ...adminCases.map((a) => ['admin', 'list', ...a]),
        ...DEMO_LIST_CASES.map((a) => ['demo', 'list', ...a]),
        ...showCases.map((a) => ['admin', 'show', ...a]),
      ],
      3,
      ([user, ...args]) => img(user as User, args),
    );
    const [adminOut, demoOut, binary, imgOut] = await Promise.all([oscAdmin, oscDemo, oscBinary, imgRuns]);
    oscBinaryLong = binary;
    oscBatchLong = adminOut[0] as OscResult;
    let i = 0;
    for (const [k, a] of adminCases.entries()) listPairs.set(a.join(' '), { img: imgOut[i++] as ImgResult, osc: adminOut[1 + k] as OscResult });
    for (const [k, a] of DEMO_LIST_CASES.entries()) demoPairs.set(a.join(' '), { img: imgOut[i++] as ImgResult, osc: demoOut[k] as OscResult });
    for (const [k, a] of showCases.entries()) {
      showPairs.set(a.join(' '), { img: imgOut[i++] as ImgResult, osc: adminOut[1 + adminCases.length + k] as OscResult });
    }
  });

  after(async () => {
    await cleanupByPrefix(PREFIX);
  });

  test('the batch runner of the reference client prints what /usr/bin/openstack prints', () => {
    assert.equal(oscBinaryLong.code, 0, oscBinaryLong.stderr);
    assert.ok(oscBinaryLong.stdout.includes(ids['alpha'] as string));
    assert.equal(oscBatchLong.code, 0, oscBatchLong.stderr);
    assert.equal(oscBatchLong.stdout, oscBinaryLong.stdout, 'openstack image list --tag T --long: batch = /usr/bin/openstack');
  });

  describe('img list … = openstack image list … (byte for byte, admin)', () => {
    // The cases need the IDs created in before(): one test walks them all and reports every mismatch.
    test('every listing option and format', () => {
      assert.equal(listPairs.size, adminListCases(ids).length);
      const failures: string[] = [];
      for (const [args, { img: i, osc: o }] of listPairs) {
        if (i.code !== o.code || canonLists(i.stdout) !== canonLists(o.stdout)) {
          failures.push(`img list ${args}\n  exit img=${i.code} osc=${o.code}\n--- img ---\n${i.stdout}${i.stderr}\n--- openstack ---\n${o.stdout}${o.stderr}`);
        } else if (i.stderr !== '') {
          failures.push(`img list ${args}: unexpected stderr ${JSON.stringify(i.stderr)}`);
        }
      }
      assert.deepEqual(failures, [], failures.join('\n\n'));
    });

    test('the listings hold the expected images', () => {
      const long = listPairs.get(['--tag', TAG, '--long', '-f', 'json'].join(' '))?.img;
      assert.ok(long);
      const rows = JSON.parse(long.stdout) as Json[];
      const byName = new Map(rows.map((r) => [r.Name as string, r]));
      // Admin sees its own images of every visibility and demo's (shared) image; not the hidden one.
      assert.deepEqual([...byName.keys()].sort(), [N.alpha, N.beta, N.delta, N.demo, N.gamma, N.osc].sort());
      assert.equal(byName.get(N.alpha).Size, files.alpha.size);
      assert.equal(byName.get(N.alpha).Checksum, files.alpha.md5);
      assert.equal(byName.get(N.beta).Protected, true);
      assert.equal(byName.get(N.gamma).Status, 'queued');
      assert.equal(byName.get(N.gamma).Size, null);
      assert.equal(byName.get(N.gamma).Visibility, 'community');
      assert.deepEqual([...byName.get(N.alpha).Tags].sort(), ['alpha-tag', TAG, 'zeta'].sort());
      const hidden = listPairs.get(['--tag', TAG, '--long', '--hidden'].join(' '))?.img.stdout ?? '';
      assert.ok(hidden.includes(N.hidden), '--hidden lists the hidden image');
      const sorted = listPairs.get(['--tag', TAG, '--sort', 'name:desc'].join(' '))?.img.stdout ?? '';
      assert.ok(sorted.indexOf(N.osc) < sorted.indexOf(N.alpha), 'name:desc');
    });
  });

  test('img list … = openstack image list … as demo (byte for byte)', () => {
    const failures: string[] = [];
    for (const [args, { img: i, osc: o }] of demoPairs) {
      if (i.code !== o.code || i.stdout !== o.stdout || i.stderr !== '') {
        failures.push(`img list ${args} (demo)\n--- img (exit ${i.code}) ---\n${i.stdout}${i.stderr}\n--- openstack (exit ${o.code}) ---\n${o.stdout}${o.stderr}`);
      }
    }
    assert.deepEqual(failures, [], failures.join('\n\n'));
    const names = demoPairs.get(['--tag', TAG].join(' '))?.img.stdout ?? '';
    assert.ok(names.includes(N.alpha) && names.includes(N.demo), 'demo sees the public image and its own');
    assert.ok(!names.includes(N.beta) && !names.includes(N.delta), "demo does not see admin's private/shared images");
  });

  test('the whole listing: img list [--long] = openstack image list [--long], admin and demo', async () => {
    // Compares everything each user can list (not only this file's images). Integration files run one
    // at a time, but so that a change made meanwhile by someone else cannot fail the test, img runs
    // before and after the reference client, and the comparison is repeated when the two img runs differ.
    // The plain admin listing is compared with a real /usr/bin/openstack process.
    const cases: [User, string[]][] = [['admin', []], ['admin', ['--long']], ['demo', []], ['demo', ['--long']]];
    const imgAll = () => mapLimit(cases, 2, ([user, a]) => img(user, ['list', ...a]));
    for (let attempt = 1; ; attempt++) {
      const first = await imgAll();
      const [binary, adminBatch, demoBatch] = await Promise.all([
        openstackRun('admin', ['image', 'list']),
        openstackBatch('admin', [['image', 'list', '--long']]),
        openstackBatch('demo', [['image', 'list'], ['image', 'list', '--long']]),
      ]);
      const second = await imgAll();
      const refs = [binary, ...adminBatch, ...demoBatch];
      if (first.every((r, k) => r.stdout === second[k]?.stdout)) {
        for (const [k, [user, a]] of cases.entries()) {
          const mine = first[k] as ImgResult;
          const ref = refs[k] as OscResult;
          assert.equal(ref.code, 0, ref.stderr);
          assert.equal(mine.code, 0, describeRun(mine));
          assert.equal(mine.stderr, '');
          assert.equal(mine.stdout, ref.stdout, `img list ${a.join(' ')} as ${user}`);
        }
        assert.ok((first[0] as ImgResult).stdout.includes(ids['alpha'] as string));
        return;
      }
      assert.ok(attempt < 3, 'the cloud kept changing during the comparison');
    }
  });

  describe('img show … vs openstack image show …', () => {
    test('identical output: every format of images without user properties, table/yaml of the others, -c/--max-width/--human-readable/--prefix', () => {
      const failures: string[] = [];
      for (const [args, { img: i, osc: o }] of showPairs) {
        const [ref, ...rest] = args.split(' ');
        const key = Object.entries(ids).find(([, id]) => id === ref)?.[0];
        const format = rest[1];
        // The option cases name images by name (key undefined): compared too.
        const sameBytes = key === undefined || (SHOW_SAME_BYTES[key]?.includes(format ?? '') ?? false);
        if (!sameBytes) continue;
        // Glance keeps tags as a set and lists them in no fixed order (two GETs of one image can
        // differ): machine-readable formats are compared with the tags sorted, or not at all when
        // the tags sit inside a Python list repr (value, shell) or a YAML list.
        const manyTags = key !== undefined && tagCount(ids[key] as string) > 1;
        if (manyTags && format !== 'json' && format !== 'table' && format !== undefined) continue;
        // -f shell: img single-quotes values (safe to eval), cliff double-quotes them; same values.
        const want = format === 'shell' ? oscShellAsImg(o.stdout) : o.stdout;
        const same = manyTags && format === 'json' ? sortedTags(i.stdout) === sortedTags(o.stdout) : i.stdout === want;
        if (i.code !== 0 || o.code !== 0 || !same || i.stderr !== '') {
          failures.push(`img show ${args}\n--- img (exit ${i.code}) ---\n${i.stdout}${i.stderr}\n--- openstack (exit ${o.code}) ---\n${o.stdout}${o.stderr}`);
        }
      }
      assert.deepEqual(failures, [], failures.join('\n\n'));
    });

    test('-f json: the seed fields, and the same keys and values as openstack image show (nulls aside)', async () => {
      // What is compared, and why:
      // - img prints every field of the seed's table (SEED_FIELDS), a null one as null (the seed shows
      //   `virtual_size | None`). openstack 6.0 drops null attributes (openstacksdk to_dict(ignore_none=True)),
      //   so a key img has and openstack lacks must be null in img; every key openstack prints must be in img
      //   with the same value.
      // - `properties` the same way: openstack's must all be in img's with the same value; img's extra ones
      //   must be null (os_hash_algo/os_hash_value of a queued image).
      // - The image created by openstack itself carries owner_specified.openstack.* properties: they are
      //   real Glance properties, so img shows them as well, with the same values.
      // - Key order inside `properties` is not compared (see the report: openstacksdk reorders them).
      // - Every value is also checked against Glance's own JSON for the image.
      const failures: string[] = [];
      for (const key of ['alpha', 'beta', 'gamma', 'delta', 'osc'] as const) {
        const id = ids[key] as string;
        const p = showPairs.get([id, '-f', 'json'].join(' '));
        assert.ok(p);
        assert.equal(p.img.code, 0, describeRun(p.img));
        assert.equal(p.osc.code, 0, p.osc.stderr);
        const mine = JSON.parse(p.img.stdout) as Json;
        const ref = JSON.parse(p.osc.stdout) as Json;
        const where = `img show ${key} -f json`;
        assert.deepEqual(Object.keys(mine), [...SEED_FIELDS].sort(), `${where}: the seed's fields, sorted`);
        for (const [k, v] of Object.entries(ref)) {
          if (k === 'properties') continue;
          if (!(k in mine)) failures.push(`${where}: missing ${k}`);
          else if (k === 'tags' ? JSON.stringify([...(mine[k] as string[])].sort()) !== JSON.stringify([...(v as string[])].sort()) : JSON.stringify(mine[k]) !== JSON.stringify(v)) failures.push(`${where}: ${k} img=${JSON.stringify(mine[k])} openstack=${JSON.stringify(v)}`);
        }
        for (const k of Object.keys(mine)) {
          if (!(k in ref) && mine[k] !== null) failures.push(`${where}: ${k}=${JSON.stringify(mine[k])} not printed by openstack`);
        }
        for (const [k, v] of Object.entries(ref.properties ?? {})) {
          if (JSON.stringify(mine.properties?.[k]) !== JSON.stringify(v)) {
            failures.push(`${where}: properties.${k} img=${JSON.stringify(mine.properties?.[k])} openstack=${JSON.stringify(v)}`);
          }
        }
        for (const [k, v] of Object.entries(mine.properties ?? {})) {
          if (!(k in (ref.properties ?? {})) && v !== null) failures.push(`${where}: properties.${k} not printed by openstack`);
        }
        // Against the server.
        const server = await getImage('admin', id);
        assert.ok(server);
        for (const k of SEED_FIELDS) {
          if (k === 'properties' || k === 'tags') continue;
          assert.deepEqual(mine[k], server[k] ?? null, `${where}: ${k} as Glance has it`);
        }
        assert.deepEqual([...mine.tags].sort(), [...server['tags']].sort());
        for (const [k, v] of Object.entries(mine.properties)) assert.deepEqual(v, server[k], `${where}: property ${k}`);
      }
      assert.deepEqual(failures, [], failures.join('\n'));
    });

    test('a queued image: img prints the null fields as None (the seed), openstack 6.0 leaves them out', () => {
      const id = ids['gamma'] as string;
      const p = showPairs.get([id, '-f', 'table'].join(' '));
      assert.ok(p);
      const rows = (s: string) => s.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.split('|').map((c) => c.trim()).slice(1, 3));
      const mine = new Map(rows(p.img.stdout).map(([k, v]) => [k, v]));
      const ref = new Map(rows(p.osc.stdout).map(([k, v]) => [k, v]));
      assert.deepEqual([...mine.keys()].slice(1), SEED_FIELDS);
      for (const k of ['checksum', 'size', 'virtual_size']) {
        assert.equal(mine.get(k), 'None');
        assert.equal(ref.has(k), false, `openstack 6.0 drops ${k}`);
      }
      for (const [k, v] of ref) {
        if (k !== 'properties') assert.equal(mine.get(k), v, k);
      }
      assert.equal(mine.get('properties'), 'os_hash_algo=, os_hash_value=, os_hidden=\'False\'');
      assert.equal(ref.get('properties'), "os_hidden='False'");
    });

    test('the seed properties are there: os_hash_algo, os_hash_value (= sha512 of the data), os_hidden', () => {
      const p = showPairs.get([ids['alpha'] as string, '-f', 'json'].join(' '));
      assert.ok(p);
      const mine = JSON.parse(p.img.stdout) as Json;
      assert.equal(mine.properties.os_hash_algo, 'sha512');
      assert.equal(mine.properties.os_hash_value, files.alpha.sha512);
      assert.equal(mine.properties.os_hidden, false);
      assert.equal(mine.checksum, files.alpha.md5);
      const osc = JSON.parse(showPairs.get([ids['osc'] as string, '-f', 'json'].join(' '))?.img.stdout ?? '{}') as Json;
      assert.ok(Object.keys(osc.properties).some((k) => k.startsWith('owner_specified.openstack.')), 'owner_specified.* of an openstack-created image');
    });
  });
});
