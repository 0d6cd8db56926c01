// Image sharing and ownership on the real cloud (Keystone 22 + Glance 25), with both users:
// admin shares with demo by project name and by ID; demo finds the pending image, accepts,
// rejects and resets it; members are listed (bytes compared with /usr/bin/openstack) and removed;
// images are created for and moved between projects; `list --project` filters; `--accept` never
// changes the owner; `add project --accept` works as admin and fails clearly as demo.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { authenticate, cleanupByPrefix, describeRun, getImage, glance, img, keystone, openstackBatch, uniqueName, type User } from './cloud.js';
import type { ImgResult } from '../helpers/run-img.js';

const PREFIX = uniqueName('it-share');
const N = { golden: `${PREFIX}-golden`, second: `${PREFIX}-second`, moved: `${PREFIX}-moved`, demoOwn: `${PREFIX}-demo-own`, priv: `${PREFIX}-private` };

function ok(r: ImgResult, what: string): string {
  assert.equal(r.code, 0, `${what}: ${describeRun(r)}`);
  assert.equal(r.stderr, '', `${what}: ${describeRun(r)}`);
  return r.stdout;
}

/** Names of the images of this file that `user` lists with `args`. */
async function names(user: User, args: string[]): Promise<string[]> {
  const out = ok(await img(user, ['list', ...args, '-f', 'value', '-c', 'Name']), `list ${args.join(' ')}`);
  return out.split('\n').filter((n) => n.startsWith(PREFIX)).sort();
}

/** The members of an image straight from Glance, as admin: [member_id, status]. */
async function membersOf(id: string): Promise<[string, string][]> {
  const r = await glance('admin', 'GET', `images/${id}/members`);
  assert.equal(r.status, 200, r.text);
  return (r.json.members as { member_id: string; status: string }[]).map((m) => [m.member_id, m.status]);
}

describe('sharing and ownership on the real cloud', { timeout: 300_000 }, () => {
  let adminId: string;
  let demoId: string;
  const ids: Record<string, string> = {};

  before(async () => {
    adminId = (await authenticate('admin')).projectId;
    demoId = (await authenticate('demo')).projectId;
    for (const key of ['golden', 'second'] as const) {
      ids[key] = ok(await img('admin', ['create', N[key], '--shared', '-f', 'value', '-c', 'id']), `create ${key}`).trim();
    }
  });
  after(async () => {
    await cleanupByPrefix(PREFIX);
  });

  test('admin shares by project name and by ID; the member is printed as openstack prints it', async () => {
    const byName = ok(await img('admin', ['add', 'project', N.golden, 'demo', '-f', 'json']), 'add by name');
    const m = JSON.parse(byName) as Record<string, string>;
    assert.deepEqual(Object.keys(m), ['created_at', 'image_id', 'member_id', 'schema', 'status', 'updated_at']);
    assert.deepEqual([m['image_id'], m['member_id'], m['status'], m['schema']], [ids['golden'], demoId, 'pending', '/v2/schemas/member']);
    const byId = ok(await img('admin', ['image', 'add', 'project', ids['second']!, demoId, '-f', 'value', '-c', 'member_id', '-c', 'status']), 'add by ID');
    assert.equal(byId, `${demoId}\npending\n`);
    assert.deepEqual(await membersOf(ids['golden']!), [[demoId, 'pending']]);
    const unknown = await img('admin', ['add', 'project', N.golden, `${PREFIX}-no-such-project`]);
    assert.equal(unknown.stderr, `img: No project found for ${PREFIX}-no-such-project\n`);
    assert.equal(unknown.code, 4);
    const priv = ok(await img('admin', ['create', N.priv, '--private', '-f', 'value', '-c', 'id']), 'create private').trim();
    const refused = await img('admin', ['add', 'project', priv, 'demo']);
    assert.equal(refused.code, 1, describeRun(refused));
    assert.match(refused.stderr, new RegExp(`^img: image ${priv} is private: only shared images have members \\(make it shared first: img set ${priv} --shared\\) \\(.*\\(HTTP 403\\).*\\)\\n$`));
  });

  test('a project name in two domains: exit 2 naming them; --project-domain by name picks one', async () => {
    // Made and removed within this test: other tests share with `demo` by name.
    const twin = `${PREFIX}-twin`;
    const made: { projects: string[]; domain?: string } = { projects: [] };
    try {
      const dom = await keystone('admin', 'POST', 'domains', { domain: { name: `${PREFIX}-dom`, enabled: true } });
      assert.equal(dom.status, 201, dom.text);
      made.domain = dom.json.domain.id as string;
      for (const domainId of ['default', made.domain]) {
        const p = await keystone('admin', 'POST', 'projects', { project: { name: twin, domain_id: domainId } });
        assert.equal(p.status, 201, p.text);
        made.projects.push(p.json.project.id as string);
      }
      const amb = await img('admin', ['add', 'project', N.golden, twin]);
      assert.equal(amb.code, 2, describeRun(amb));
      assert.match(amb.stderr, new RegExp(`^img: 2 projects are named '${twin}' \\(in domains (default, ${made.domain}|${made.domain}, default)\\): give --project-domain, or the ID\\n$`));
      const picked = ok(await img('admin', ['add', 'project', N.golden, twin, '--project-domain', `${PREFIX}-dom`, '-f', 'value', '-c', 'member_id']), 'picked');
      assert.equal(picked, `${made.projects[1]}\n`);
      ok(await img('admin', ['remove', 'project', N.golden, twin, '--project-domain', made.domain]), 'remove by domain ID');
      assert.deepEqual(await membersOf(ids['golden']!), [[demoId, 'pending']]);
    } finally {
      for (const id of made.projects) await keystone('admin', 'DELETE', `projects/${id}`);
      if (made.domain) {
        await keystone('admin', 'PATCH', `domains/${made.domain}`, { domain: { enabled: false } });
        await keystone('admin', 'DELETE', `domains/${made.domain}`);
      }
    }
  });

  test('add project prints the bytes openstack image add project prints (table, json, value, yaml)', async () => {
    // The same member data on both sides: openstack adds it, then img prints it with `member get`,
    // whose fields and formatter are add project's own (checked against add project itself below).
    const formats = [[], ['-f', 'json'], ['-f', 'value'], ['-f', 'yaml']];
    for (const f of formats) {
      ok(await img('admin', ['remove', 'project', N.second, 'demo']), 'remove before openstack add');
      const [osc] = await openstackBatch('admin', [['image', 'add', 'project', ids['second']!, demoId, ...f]]);
      assert.equal(osc?.code, 0, osc?.stderr);
      const mine = ok(await img('admin', ['member', 'get', N.second, 'demo', ...f]), 'member get');
      assert.equal(mine, osc?.stdout, `format ${f.join(' ') || 'table'}`);
    }
    ok(await img('admin', ['remove', 'project', N.second, demoId]), 'remove');
    const added = ok(await img('admin', ['add', 'project', N.second, 'demo']), 'img add project');
    assert.equal(added, ok(await img('admin', ['member', 'get', N.second, 'demo']), 'member get after add'));
  });

  test('member list prints the bytes openstack image member list prints', async () => {
    const formats = [[], ['-f', 'json'], ['-f', 'value'], ['-f', 'csv'], ['-f', 'yaml'], ['-c', 'Status']];
    const osc = await openstackBatch('admin', formats.map((f) => ['image', 'member', 'list', ids['golden']!, ...f]));
    for (const [i, f] of formats.entries()) {
      assert.equal(osc[i]?.code, 0, osc[i]?.stderr);
      assert.equal(ok(await img('admin', ['member', 'list', N.golden, ...f]), 'member list'), osc[i]?.stdout, `format ${f.join(' ') || 'table'}`);
    }
  });

  test('demo: the pending image is not in its default list, but in --member-status pending; member list by name', async () => {
    assert.deepEqual(await names('demo', []), []);
    assert.deepEqual(await names('demo', ['--member-status', 'pending', '--shared']), [N.golden, N.second].sort());
    assert.equal(ok(await img('demo', ['member', 'list', N.golden, '-f', 'value']), 'member list'), `${ids['golden']} ${demoId} pending\n`);
  });

  test('demo accepts, rejects and resets; the owner never changes', async () => {
    assert.equal(ok(await img('demo', ['set', N.golden, '--accept', '-f', 'value', '-c', 'owner']), 'accept'), `${adminId}\n`);
    assert.deepEqual(await names('demo', []), [N.golden]);
    ok(await img('demo', ['set', N.golden, '--reject']), 'reject');
    assert.deepEqual(await names('demo', []), []);
    assert.deepEqual(await names('demo', ['--member-status', 'rejected']), [N.golden]);
    ok(await img('demo', ['image', 'set', ids['golden']!, '--pending']), 'pending');
    assert.deepEqual(await membersOf(ids['golden']!), [[demoId, 'pending']]);
    assert.equal((await getImage('admin', ids['golden']!))?.['owner'], adminId);
  });

  test('admin: set --accept --project demo accepts for demo and leaves the owner alone (Launchpad bug 2136795)', async () => {
    const r = ok(await img('admin', ['set', N.golden, '--accept', '--project', 'demo', '-f', 'value', '-c', 'owner']), 'accept for demo');
    assert.equal(r, `${adminId}\n`);
    assert.equal((await getImage('admin', ids['golden']!))?.['owner'], adminId);
    assert.deepEqual(await membersOf(ids['golden']!), [[demoId, 'accepted']]);
    assert.deepEqual(await names('demo', []), [N.golden]);
  });

  test('remove project: the member is gone and demo no longer sees the image', async () => {
    ok(await img('admin', ['remove', 'project', N.golden, 'demo']), 'remove');
    assert.deepEqual(await membersOf(ids['golden']!), []);
    assert.equal(await getImage('demo', ids['golden']!), undefined);
    assert.equal(ok(await img('admin', ['member', 'list', N.golden, '--print-empty', '-f', 'value']), 'empty list'), '');
  });

  test('one-step share and accept: works as admin; as demo (owner, not admin) it keeps the share and says who must accept', async () => {
    ok(await img('admin', ['remove', 'project', N.second, 'demo']), 'remove first');
    const r = ok(await img('admin', ['add', 'project', N.second, 'demo', '--accept', '-f', 'value', '-c', 'status']), 'add --accept');
    assert.equal(r, 'accepted\n');
    assert.deepEqual(await names('demo', []), [N.second]);

    const demoOwn = ok(await img('demo', ['create', N.demoOwn, '--shared', '-f', 'value', '-c', 'id']), 'demo create').trim();
    const refused = await img('demo', ['add', 'project', N.demoOwn, adminId, '--accept']);
    assert.equal(refused.code, 1, describeRun(refused));
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, new RegExp(`^img: image ${demoOwn} is shared with project ${adminId} \\(kept, status pending\\), but this account may not accept it: ` +
      `a member of that project must run 'img set ${demoOwn} --accept' \\(Not allowed to update members for image ${demoOwn}\\. \\(HTTP 403\\).*\\)\\n$`));
    assert.deepEqual(await membersOf(demoOwn), [[adminId, 'pending']]);
    // The line's advice works: admin (a member of the admin project) accepts.
    ok(await img('admin', ['set', demoOwn, '--accept']), 'admin accepts');
    assert.deepEqual(await membersOf(demoOwn), [[adminId, 'accepted']]);
    assert.equal((await getImage('admin', demoOwn))?.['owner'], demoId);
  });

  test('create --project, set --project (name and ID), list --project', async () => {
    const id = ok(await img('admin', ['create', N.moved, '--project', 'demo', '-f', 'value', '-c', 'id']), 'create for demo').trim();
    ids['moved'] = id;
    assert.equal((await getImage('admin', id))?.['owner'], demoId);
    assert.deepEqual(await names('admin', ['--project', 'demo']), [N.demoOwn, N.moved].sort());
    // demo may not list projects: its own project's name still works (the token names it).
    assert.deepEqual(await names('demo', ['--project', 'demo']), [N.demoOwn, N.moved].sort());
    assert.deepEqual(await names('demo', ['--project', 'demo', '--project-domain', 'Default']), [N.demoOwn, N.moved].sort());
    assert.equal(ok(await img('admin', ['set', N.moved, '--project', 'admin', '-f', 'value', '-c', 'owner']), 'move to admin'), `${adminId}\n`);
    assert.deepEqual(await names('admin', ['--project', 'demo']), [N.demoOwn]);
    assert.deepEqual(await names('admin', ['--project', adminId]), [N.golden, N.moved, N.priv, N.second].sort());
    ok(await img('admin', ['set', id, '--project', demoId]), 'move back by ID');
    assert.equal((await getImage('admin', id))?.['owner'], demoId);
  });

  test('list --project prints the bytes openstack image list --project prints', async () => {
    const cases = [['--project', 'demo', '--name', N.moved], ['--project', demoId, '--long', '--name', N.moved, '-f', 'json']];
    const osc = await openstackBatch('admin', cases.map((c) => ['image', 'list', ...c]));
    for (const [i, c] of cases.entries()) {
      assert.equal(osc[i]?.code, 0, osc[i]?.stderr);
      assert.equal(ok(await img('admin', ['list', ...c]), c.join(' ')), osc[i]?.stdout);
    }
  });
});
