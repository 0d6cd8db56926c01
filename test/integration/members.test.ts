// What a member (demo, non-admin, project demo) may and may not do, name lookup (unique, missing,
// duplicate), and protected images — against the real cloud, checking img's stdout/stderr/exit code and
// the server's state.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  cleanupByPrefix, describeRun, getImage, glance, img, makeTestImage, sha512, tempDir, uniqueName, type TestFile, type User,
} from './cloud.js';

const PREFIX = uniqueName('it-members');
const N = {
  adminPublic: `${PREFIX}-admin-public`,
  adminDeactivated: `${PREFIX}-admin-deactivated`,
  adminPrivate: `${PREFIX}-admin-private`,
  demoOwn: `${PREFIX}-demo-own`,
  dup: `${PREFIX}-dup`,
  missing: `${PREFIX}-missing`,
  protected: `${PREFIX}-protected`,
  other: `${PREFIX}-other`,
};
const REQUEST_ID = String.raw`\(Request-ID: req-[0-9a-f-]+\)`;
const JSON_PATCH = 'application/openstack-images-v2.1-json-patch';

describe('members, name lookup, protected images', { timeout: 180_000 }, () => {
  let dir: string;
  let file: TestFile;
  const ids: Record<string, string> = {};

  async function create(user: User, key: keyof typeof N, args: string[]): Promise<string> {
    const r = await img(user, ['create', N[key], ...args, '-f', 'value', '-c', 'id']);
    assert.equal(r.code, 0, `create ${key}: ${describeRun(r)}`);
    ids[key] = r.stdout.trim();
    return ids[key];
  }

  before(async () => {
    dir = tempDir('img-it-members');
    file = makeTestImage(dir, 'disk.raw', 'raw', 0.5, PREFIX);
    await Promise.all([
      create('admin', 'adminPublic', ['--file', file.path, '--public']),
      create('admin', 'adminDeactivated', ['--file', file.path, '--public']),
      create('admin', 'adminPrivate', ['--disk-format', 'raw', '--private']),
      create('demo', 'demoOwn', ['--file', file.path]),
    ]);
    const r = await img('admin', ['deactivate', ids['adminDeactivated'] as string]);
    assert.equal(r.code, 0, describeRun(r));
  });

  after(async () => {
    await cleanupByPrefix(PREFIX);
  });

  describe('demo (a member) is refused with the server 403 message, and nothing changes', () => {
    test('set --public on its own image: publicize_image is admin-only', async () => {
      const r = await img('demo', ['set', N.demoOwn, '--public']);
      assert.equal(r.code, 1, describeRun(r));
      assert.equal(r.stdout, '');
      assert.match(
        r.stderr,
        new RegExp(`^img: Failed to update image ${ids['demoOwn']}: You are not authorized to complete publicize_image action\\. \\(HTTP 403\\) ${REQUEST_ID}\\n$`),
      );
      // The message is Glance's own: the same request made directly gets it.
      const direct = await glance('demo', 'PATCH', `images/${ids['demoOwn']}`, [{ op: 'replace', path: '/visibility', value: 'public' }], JSON_PATCH);
      assert.equal(direct.status, 403);
      assert.ok(direct.text.includes('You are not authorized to complete publicize_image action.'), direct.text);
      assert.equal((await getImage('demo', ids['demoOwn'] as string))?.['visibility'], 'shared', 'visibility unchanged');
    });

    test("deactivate (and set --deactivate) someone else's image", async () => {
      const [r, s] = await Promise.all([
        img('demo', ['deactivate', N.adminPublic]),
        img('demo', ['set', N.adminPublic, '--deactivate']),
      ]);
      assert.equal(r.code, 1, describeRun(r));
      assert.equal(r.stdout, '');
      assert.match(
        r.stderr,
        new RegExp(`^img: Failed to deactivate image with name or ID '${N.adminPublic}': You do not own this image \\(HTTP 403\\) ${REQUEST_ID}\\n$`),
      );
      // (openstack image set --deactivate exits 0 here: it ignores the 403. img does not.)
      assert.equal(s.code, 1, describeRun(s));
      assert.equal(s.stdout, '');
      // No operation context for the action: img names the request.
      assert.match(s.stderr, new RegExp(`^img: POST /v2/images/${ids['adminPublic']}/actions/deactivate: You do not own this image \\(HTTP 403\\) ${REQUEST_ID}\\n$`));
      const direct = await glance('demo', 'POST', `images/${ids['adminPublic']}/actions/deactivate`);
      assert.equal(direct.status, 403);
      assert.ok(direct.text.includes('You do not own this image'), direct.text);
      assert.equal((await getImage('admin', ids['adminPublic'] as string))?.['status'], 'active', 'still active');
    });

    test("change or delete someone else's image", async () => {
      const [set, del] = await Promise.all([
        img('demo', ['set', N.adminPublic, '--name', `${PREFIX}-renamed`]),
        img('demo', ['delete', N.adminPublic]),
      ]);
      assert.equal(set.code, 1, describeRun(set));
      assert.equal(set.stdout, '');
      assert.match(set.stderr, /^img: .*\(HTTP 403\) \(Request-ID: req-[0-9a-f-]+\)\n$/);
      assert.equal(del.code, 1, describeRun(del));
      assert.equal(del.stdout, '');
      assert.match(
        del.stderr,
        new RegExp(`^img: Failed to delete image with name or ID '${N.adminPublic}': You do not own this image \\(HTTP 403\\) ${REQUEST_ID}\\n$`),
      );
      const server = await getImage('admin', ids['adminPublic'] as string);
      assert.equal(server?.['name'], N.adminPublic, 'not renamed, not deleted');
    });

    test('download a deactivated image: exit 1, the server message, no file and no .partial', async () => {
      const out = path.join(dir, 'demo-download.raw');
      const [toFile, toStdout] = await Promise.all([
        img('demo', ['save', N.adminDeactivated, '--file', out]),
        img('demo', ['save', N.adminDeactivated]),
      ]);
      for (const r of [toFile, toStdout]) {
        assert.equal(r.code, 1, describeRun(r));
        assert.match(
          r.stderr,
          new RegExp(
            `^img: Failed to download image ${ids['adminDeactivated']}: The requested image has been deactivated\\. Image data download is forbidden\\. \\(HTTP 403\\) ${REQUEST_ID}\\n$`,
          ),
        );
      }
      assert.equal(toFile.stdout, '');
      assert.equal(toStdout.stdoutBytes.length, 0, 'no data on stdout');
      assert.equal(existsSync(out), false, 'no destination file');
      assert.equal(existsSync(`${out}.partial`), false, 'no .partial');
      assert.equal((await getImage('admin', ids['adminDeactivated'] as string))?.['status'], 'deactivated');
    });

    test('admin may download the deactivated image (Glance lets admins), bytes equal', async () => {
      const out = path.join(dir, 'admin-download.raw');
      const r = await img('admin', ['save', N.adminDeactivated, '--file', out]);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, '');
      assert.equal(sha512(readFileSync(out)), file.sha512);
    });
  });

  describe('demo manages its own images', () => {
    test('list shows its own and public images, not admin-only ones', async () => {
      const r = await img('demo', ['list', '-f', 'value', '-c', 'Name']);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stderr, '');
      const names = r.stdout.split('\n');
      assert.ok(names.includes(N.demoOwn), 'its own image');
      assert.ok(names.includes(N.adminPublic), 'a public image');
      assert.ok(!names.includes(N.adminPrivate), "not admin's private image");
      // Deactivated public images are listed too (as deactivated).
      const long = await img('demo', ['list', '--name', N.adminDeactivated, '-f', 'value', '-c', 'Status']);
      assert.equal(long.stdout, 'deactivated\n');
    });

    test('show, set and unset on its own image', async () => {
      const s = await img('demo', ['set', N.demoOwn, '--property', 'color=blue', '--tag', 'mine', '--min-ram', '64']);
      assert.equal(s.code, 0, describeRun(s));
      assert.equal(s.stderr, '');
      let server = await getImage('demo', ids['demoOwn'] as string);
      assert.equal(server?.['color'], 'blue');
      assert.deepEqual(server?.['tags'], ['mine']);
      assert.equal(server?.['min_ram'], 64);
      const u = await img('demo', ['unset', N.demoOwn, '--property', 'color', '--tag', 'mine']);
      assert.equal(u.code, 0, describeRun(u));
      server = await getImage('demo', ids['demoOwn'] as string);
      assert.equal('color' in (server ?? {}), false);
      assert.deepEqual(server?.['tags'], []);
      const show = await img('demo', ['show', N.demoOwn, '-f', 'json']);
      assert.equal(show.code, 0, describeRun(show));
      const j = JSON.parse(show.stdout) as Record<string, unknown>;
      assert.equal(j['id'], ids['demoOwn']);
      assert.equal(j['visibility'], 'shared');
      assert.equal(j['min_ram'], 64);
    });

    test('deactivate/reactivate and delete its own image', async () => {
      const d = await img('demo', ['deactivate', N.demoOwn]);
      assert.equal(d.code, 0, describeRun(d));
      assert.equal((await getImage('demo', ids['demoOwn'] as string))?.['status'], 'deactivated');
      const a = await img('demo', ['reactivate', N.demoOwn]);
      assert.equal(a.code, 0, describeRun(a));
      assert.equal((await getImage('demo', ids['demoOwn'] as string))?.['status'], 'active');
      const del = await img('demo', ['delete', N.demoOwn]);
      assert.equal(del.code, 0, describeRun(del));
      assert.equal(del.stdout, '');
      assert.equal(del.stderr, '');
      assert.equal(await getImage('admin', ids['demoOwn'] as string), undefined, 'deleted');
    });
  });

  describe('name lookup', () => {
    test('a missing name: exit 4, "No Image found for X", for show, set, save, delete', async () => {
      const out = path.join(dir, 'missing.raw');
      const [show, set, save, del] = await Promise.all([
        img('demo', ['show', N.missing]),
        img('demo', ['set', N.missing, '--name', 'x']),
        img('demo', ['save', N.missing, '--file', out]),
        img('demo', ['delete', N.missing]),
      ]);
      for (const r of [show, set, save]) {
        assert.equal(r.code, 4, describeRun(r));
        assert.equal(r.stdout, '');
        assert.equal(r.stderr, `img: No Image found for ${N.missing}\n`);
      }
      assert.equal(existsSync(out), false);
      assert.equal(del.code, 4, describeRun(del));
      assert.equal(del.stderr, `img: Failed to delete image with name or ID '${N.missing}': No Image found for ${N.missing}\n`);
      // A private image of another project is "missing" for demo (by name and by ID), not forbidden.
      const [byName, byId] = await Promise.all([
        img('demo', ['show', N.adminPrivate]),
        img('demo', ['show', ids['adminPrivate'] as string]),
      ]);
      assert.equal(byName.code, 4, describeRun(byName));
      assert.equal(byName.stderr, `img: No Image found for ${N.adminPrivate}\n`);
      assert.equal(byId.code, 4, describeRun(byId));
      assert.equal(byId.stderr, `img: No Image found for ${ids['adminPrivate']}\n`);
    });

    test("duplicate names: exit 2, \"More than one Image exists with the name 'X'.\"; IDs still work", async () => {
      const a = await create('demo', 'dup', ['--disk-format', 'raw']);
      const b = await create('demo', 'dup', ['--disk-format', 'raw']);
      assert.notEqual(a, b);
      const [show, del, adminShow, byId] = await Promise.all([
        img('demo', ['show', N.dup]),
        img('demo', ['delete', N.dup]),
        img('admin', ['show', N.dup]),
        img('demo', ['show', a, '-f', 'value', '-c', 'name']),
      ]);
      for (const r of [show, adminShow]) {
        assert.equal(r.code, 2, describeRun(r));
        assert.equal(r.stdout, '');
        assert.equal(r.stderr, `img: More than one Image exists with the name '${N.dup}'.\n`);
      }
      assert.equal(del.code, 2, describeRun(del));
      assert.equal(del.stderr, `img: Failed to delete image with name or ID '${N.dup}': More than one Image exists with the name '${N.dup}'.\n`);
      assert.ok(await getImage('demo', a), 'nothing deleted');
      assert.ok(await getImage('demo', b), 'nothing deleted');
      assert.equal(byId.code, 0, describeRun(byId));
      assert.equal(byId.stdout, `${N.dup}\n`);
      const delIds = await img('demo', ['delete', a, b]);
      assert.equal(delIds.code, 0, describeRun(delIds));
      assert.equal(await getImage('demo', a), undefined);
      assert.equal(await getImage('demo', b), undefined);
    });

    test('a unique name of another project (public) resolves, as its ID does', async () => {
      const [byName, byId] = await Promise.all([
        img('demo', ['show', N.adminPublic, '-f', 'value', '-c', 'id']),
        img('demo', ['show', ids['adminPublic'] as string, '-f', 'value', '-c', 'name']),
      ]);
      assert.equal(byName.stdout, `${ids['adminPublic']}\n`, describeRun(byName));
      assert.equal(byId.stdout, `${N.adminPublic}\n`, describeRun(byId));
    });
  });

  describe('protected images', () => {
    test('delete is refused with exit 1 and the img set --unprotected hint; the other images are still deleted', async () => {
      const prot = await create('demo', 'protected', ['--file', file.path, '--protected']);
      const other = await create('demo', 'other', ['--disk-format', 'raw']);
      const r = await img('demo', ['delete', N.protected, N.other]);
      assert.equal(r.code, 1, describeRun(r));
      assert.equal(r.stdout, '');
      assert.equal(
        r.stderr,
        `img: Failed to delete image with name or ID '${N.protected}': image ${prot} is protected and cannot be deleted; ` +
          `unprotect it first: img set --unprotected ${N.protected}\nimg: Failed to delete 1 of 2 images.\n`,
      );
      const server = await getImage('demo', prot);
      assert.equal(server?.['protected'], true, 'still there, still protected');
      assert.equal(await getImage('demo', other), undefined, 'goes on past the failure');
      // Glance refuses it too (the seed: "protected must be false before it can be deleted").
      const direct = await glance('demo', 'DELETE', `images/${prot}`);
      assert.equal(direct.status, 403);
    });

    test('delete of the protected image alone: exit 1, one line with the hint', async () => {
      const r = await img('demo', ['delete', ids['protected'] as string]);
      assert.equal(r.code, 1, describeRun(r));
      assert.equal(r.stdout, '');
      assert.equal(
        r.stderr,
        `img: Failed to delete image with name or ID '${ids['protected']}': image ${ids['protected']} is protected and cannot be deleted; ` +
          `unprotect it first: img set --unprotected ${ids['protected']}\n`,
      );
      assert.equal((await getImage('demo', ids['protected'] as string))?.['protected'], true);
    });

    test('after set --unprotected, delete works', async () => {
      const u = await img('demo', ['set', '--unprotected', N.protected, '-f', 'value', '-c', 'protected']);
      assert.equal(u.code, 0, describeRun(u));
      assert.equal(u.stdout, 'False\n');
      assert.equal((await getImage('demo', ids['protected'] as string))?.['protected'], false);
      const d = await img('demo', ['delete', N.protected]);
      assert.equal(d.code, 0, describeRun(d));
      assert.equal(d.stderr, '');
      assert.equal(await getImage('admin', ids['protected'] as string), undefined);
    });
  });
});
