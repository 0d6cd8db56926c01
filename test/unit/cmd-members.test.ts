// Image sharing against the fake cloud: `add project`, `remove project`, `member list|get`,
// `set --accept|--reject|--pending [--project]`, `--project [--project-domain]` on create, set
// and list; project names resolved through Keystone (name, ID, unknown, ambiguous, 403 as a
// non-admin), what Glance and Keystone received, and bad input that sends nothing.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertOk, oneLine } from '../helpers/assertions.js';
import { ADMIN_PROJECT_ID, DEMO_PROJECT_ID, FakeCloud } from '../helpers/fake-cloud.js';
import { jsonBody, sent } from '../helpers/requests.js';
import { img, type ImgRun } from '../helpers/run-against-fake.js';

const SHARED_ID = '1b6b5a3c-0000-4000-8000-00000000aaaa';
const PRIVATE_ID = '1b6b5a3c-0000-4000-8000-00000000bbbb';
const DEMO_OWN_ID = '1b6b5a3c-0000-4000-8000-00000000cccc';
const OTHER_DUP_ID = 'a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0';
const DEFAULT_DUP_ID = 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0';

/** Keystone requests of a run (project and domain lookups), as `GET /v3/…` lines. */
const keystoneLookups = (r: ImgRun): string[] =>
  r.all.filter((q) => q.service === 'identity' && !q.path.endsWith('/auth/tokens')).map((q) => `${q.method} ${q.path.replace('/identity', '')}`);

/** The member table `openstack image add project` prints for a member. */
function memberTable(m: { created_at: string; image_id: string; member_id: string; status: string; updated_at: string }): string {
  const rows: [string, string][] = [
    ['created_at', m.created_at], ['image_id', m.image_id], ['member_id', m.member_id],
    ['schema', '/v2/schemas/member'], ['status', m.status], ['updated_at', m.updated_at],
  ];
  const w = Math.max(...rows.map(([, v]) => v.length), 'Value'.length);
  const line = `+------------+${'-'.repeat(w + 2)}+\n`;
  return line + `| Field      | ${'Value'.padEnd(w)} |\n` + line + rows.map(([f, v]) => `| ${f.padEnd(10)} | ${v.padEnd(w)} |\n`).join('') + line;
}

describe('image sharing against the fake cloud', () => {
  let cloud: FakeCloud;
  const members = () => cloud.glance.members.byImage;
  const owner = (id: string) => cloud.images.get(id)?.owner;

  before(async () => {
    cloud = await FakeCloud.start({
      domains: [{ id: 'default', name: 'Default' }, { id: 'other', name: 'Other' }],
      projects: [
        { name: 'admin', id: ADMIN_PROJECT_ID }, { name: 'demo', id: DEMO_PROJECT_ID },
        { name: 'dup', id: DEFAULT_DUP_ID, domain: 'default' }, { name: 'dup', id: OTHER_DUP_ID, domain: 'other' },
      ],
    });
  });
  beforeEach(() => {
    cloud.images.clear();
    members().clear();
    cloud.addImage({ id: SHARED_ID, name: 'golden', visibility: 'shared', owner: ADMIN_PROJECT_ID });
    cloud.addImage({ id: PRIVATE_ID, name: 'secret', visibility: 'private', owner: ADMIN_PROJECT_ID });
    cloud.addImage({ id: DEMO_OWN_ID, name: 'demo-own', visibility: 'shared', owner: DEMO_PROJECT_ID });
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });

  describe('add project / remove project', () => {
    test('by project name: one Keystone lookup, one POST, the member printed as the openstack client does', async () => {
      const r = await img(cloud, ['add', 'project', 'golden', 'demo']);
      assertOk(r);
      assert.deepEqual(keystoneLookups(r), ['GET /v3/projects?name=demo']);
      assert.deepEqual(sent(r), ['GET /v2/images?name=golden&limit=1000', `POST /v2/images/${SHARED_ID}/members`]);
      assert.deepEqual(jsonBody(r.calls[1]!), { member: DEMO_PROJECT_ID });
      const m = members().get(SHARED_ID)?.[0];
      assert.ok(m);
      assert.equal(m.status, 'pending');
      assert.equal(r.stdout, memberTable(m));
    });

    test('by project ID (no project has it as a name: read by ID), as `img image add project`, -f json', async () => {
      const r = await img(cloud, ['image', 'add', 'project', SHARED_ID, DEMO_PROJECT_ID, '-f', 'json']);
      assertOk(r);
      assert.deepEqual(keystoneLookups(r), [`GET /v3/projects?name=${DEMO_PROJECT_ID}`, `GET /v3/projects/${DEMO_PROJECT_ID}`]);
      const m = members().get(SHARED_ID)?.[0];
      assert.deepEqual(JSON.parse(r.stdout), { ...m, schema: '/v2/schemas/member' });
      assert.deepEqual(Object.keys(JSON.parse(r.stdout) as object), ['created_at', 'image_id', 'member_id', 'schema', 'status', 'updated_at']);
    });

    test('unknown project → exit 4, nothing sent to Glance', async () => {
      const r = await img(cloud, ['add', 'project', 'golden', 'nosuch']);
      assert.equal(oneLine(r), 'No project found for nosuch');
      assert.equal(r.code, 4);
      assert.equal(r.stdout, '');
      assert.deepEqual(sent(r), []);
      assert.deepEqual(keystoneLookups(r), ['GET /v3/projects?name=nosuch', 'GET /v3/projects/nosuch']);
    });

    test('a name in two domains → exit 2 naming them; --project-domain (name or ID) picks one', async () => {
      const amb = await img(cloud, ['add', 'project', 'golden', 'dup']);
      assert.equal(oneLine(amb), "2 projects are named 'dup' (in domains default, other): give --project-domain, or the ID");
      assert.equal(amb.code, 2);
      assert.deepEqual(sent(amb), []);
      const byName = await img(cloud, ['add', 'project', 'golden', 'dup', '--project-domain', 'Other', '-f', 'value', '-c', 'member_id']);
      assertOk(byName);
      assert.equal(byName.stdout, `${OTHER_DUP_ID}\n`);
      assert.deepEqual(keystoneLookups(byName), ['GET /v3/domains?name=Other', 'GET /v3/projects?name=dup&domain_id=other']);
      const byId = await img(cloud, ['add', 'project', 'golden', 'dup', '--project-domain', 'default', '-f', 'value', '-c', 'member_id']);
      assertOk(byId);
      assert.equal(byId.stdout, `${DEFAULT_DUP_ID}\n`);
      const noDomain = await img(cloud, ['add', 'project', 'golden', 'dup', '--project-domain', 'nowhere']);
      assert.equal(oneLine(noDomain), 'No domain found for nowhere');
      assert.equal(noDomain.code, 4);
    });

    test('a non-admin may not list projects (403): the string is used as an ID, its own project name as its token says', async () => {
      const r = await img(cloud, ['add', 'project', 'demo-own', 'someone-else', '-f', 'value', '-c', 'member_id'], { user: 'demo' });
      assertOk(r);
      assert.equal(r.stdout, 'someone-else\n');
      assert.deepEqual(keystoneLookups(r), ['GET /v3/projects?name=someone-else']);
      const own = await img(cloud, ['list', '--project', 'demo', '-f', 'value', '-c', 'Name'], { user: 'demo' });
      assertOk(own);
      assert.equal(own.stdout, 'demo-own\n');
      assert.deepEqual(sent(own), [`GET /v2/images?owner=${DEMO_PROJECT_ID}&limit=1000`]);
    });

    test('remove project: DELETE of the member; the share is gone', async () => {
      cloud.glance.members.add(SHARED_ID, DEMO_PROJECT_ID);
      const r = await img(cloud, ['remove', 'project', 'golden', 'demo']);
      assertOk(r);
      assert.equal(r.stdout, '');
      assert.deepEqual(sent(r), ['GET /v2/images?name=golden&limit=1000', `DELETE /v2/images/${SHARED_ID}/members/${DEMO_PROJECT_ID}`]);
      assert.deepEqual(members().get(SHARED_ID), []);
      const again = await img(cloud, ['image', 'remove', 'project', 'golden', 'demo']);
      assert.match(oneLine(again), new RegExp(`^Failed to remove project ${DEMO_PROJECT_ID} from image ${SHARED_ID}: ${DEMO_PROJECT_ID} not found in the member list`));
      assert.equal(again.code, 4);
    });

    test('a private image cannot be shared: one line saying to make it shared, with Glance\'s 403, exit 1, no member', async () => {
      const r = await img(cloud, ['add', 'project', 'secret', 'demo']);
      assert.match(oneLine(r), new RegExp(`^image ${PRIVATE_ID} is private: only shared images have members \\(make it shared first: img set ${PRIVATE_ID} --shared\\) \\(Not allowed to create members for image ${PRIVATE_ID}\\. \\(HTTP 403\\)`));
      assert.equal(r.code, 1);
      assert.equal(members().get(PRIVATE_ID), undefined);
    });

    test('--accept as admin: shared and accepted in one command (POST then PUT), shown in demo\'s default list', async () => {
      const r = await img(cloud, ['add', 'project', 'golden', 'demo', '--accept', '-f', 'value', '-c', 'status']);
      assertOk(r);
      assert.equal(r.stdout, 'accepted\n');
      assert.deepEqual(sent(r).slice(1), [`POST /v2/images/${SHARED_ID}/members`, `PUT /v2/images/${SHARED_ID}/members/${DEMO_PROJECT_ID}`]);
      assert.deepEqual(jsonBody(r.calls[2]!), { status: 'accepted' });
      const list = await img(cloud, ['list', '-f', 'value', '-c', 'Name'], { user: 'demo' });
      assert.equal(list.stdout, 'demo-own\ngolden\n');
    });

    test('--accept on a project that is already a member accepts it (no 409); without --accept the 409 is an error', async () => {
      cloud.glance.members.add(SHARED_ID, DEMO_PROJECT_ID);
      const dup = await img(cloud, ['add', 'project', 'golden', 'demo']);
      assert.match(oneLine(dup), new RegExp(`^Failed to share image ${SHARED_ID} with project ${DEMO_PROJECT_ID}: Member ${DEMO_PROJECT_ID} is duplicated for image ${SHARED_ID} \\(HTTP 409\\)`));
      assert.equal(dup.code, 1);
      const r = await img(cloud, ['add', 'project', 'golden', 'demo', '--accept', '-f', 'value', '-c', 'status']);
      assertOk(r);
      assert.equal(r.stdout, 'accepted\n');
      assert.deepEqual(sent(r).slice(1), [`POST /v2/images/${SHARED_ID}/members`, `PUT /v2/images/${SHARED_ID}/members/${DEMO_PROJECT_ID}`]);
      assert.deepEqual(members().get(SHARED_ID)?.map((m) => m.status), ['accepted']);
    });

    test('--accept as the (non-admin) owner: the share is kept pending and one line says who must accept, exit 1', async () => {
      const r = await img(cloud, ['add', 'project', 'demo-own', ADMIN_PROJECT_ID, '--accept'], { user: 'demo' });
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      const line = oneLine(r);
      assert.ok(line.startsWith(`image ${DEMO_OWN_ID} is shared with project ${ADMIN_PROJECT_ID} (kept, status pending), but this account may not accept it: ` +
        `a member of that project must run 'img set ${DEMO_OWN_ID} --accept' (Not allowed to update members for image ${DEMO_OWN_ID}. (HTTP 403)`), line);
      assert.deepEqual(members().get(DEMO_OWN_ID)?.map((m) => [m.member_id, m.status]), [[ADMIN_PROJECT_ID, 'pending']]);
    });
  });

  describe('member list / member get', () => {
    test('the owner sees every member: Image ID / Member ID / Status, table, json and value', async () => {
      cloud.glance.members.add(SHARED_ID, DEMO_PROJECT_ID, 'accepted');
      cloud.glance.members.add(SHARED_ID, OTHER_DUP_ID);
      const table = await img(cloud, ['member', 'list', 'golden']);
      assertOk(table);
      assert.equal(table.stdout, [
        '+--------------------------------------+----------------------------------+----------+',
        '| Image ID                             | Member ID                        | Status   |',
        '+--------------------------------------+----------------------------------+----------+',
        `| ${SHARED_ID} | ${DEMO_PROJECT_ID} | accepted |`,
        `| ${SHARED_ID} | ${OTHER_DUP_ID} | pending  |`,
        '+--------------------------------------+----------------------------------+----------+',
        '',
      ].join('\n'));
      assert.deepEqual(sent(table), ['GET /v2/images?name=golden&member_status=all&limit=1000', `GET /v2/images/${SHARED_ID}/members`]);
      const json = await img(cloud, ['image', 'member', 'list', SHARED_ID, '-f', 'json']);
      assert.deepEqual(JSON.parse(json.stdout), [
        { 'Image ID': SHARED_ID, 'Member ID': DEMO_PROJECT_ID, Status: 'accepted' },
        { 'Image ID': SHARED_ID, 'Member ID': OTHER_DUP_ID, Status: 'pending' },
      ]);
      const value = await img(cloud, ['member', 'list', 'golden', '-f', 'value']);
      assert.equal(value.stdout, `${SHARED_ID} ${DEMO_PROJECT_ID} accepted\n${SHARED_ID} ${OTHER_DUP_ID} pending\n`);
    });

    test('a member sees only its own membership, and finds a pending image by name', async () => {
      cloud.glance.members.add(SHARED_ID, DEMO_PROJECT_ID);
      cloud.glance.members.add(SHARED_ID, OTHER_DUP_ID);
      const r = await img(cloud, ['member', 'list', 'golden', '-f', 'value'], { user: 'demo' });
      assertOk(r);
      assert.equal(r.stdout, `${SHARED_ID} ${DEMO_PROJECT_ID} pending\n`);
      const get = await img(cloud, ['member', 'get', 'golden', 'demo', '-f', 'value', '-c', 'status'], { user: 'demo' });
      assertOk(get);
      assert.equal(get.stdout, 'pending\n');
      assert.deepEqual(sent(get), ['GET /v2/images?name=golden&member_status=all&limit=1000', `GET /v2/images/${SHARED_ID}/members/${DEMO_PROJECT_ID}`]);
    });

    test('member get of a project that is not a member → exit 4', async () => {
      const r = await img(cloud, ['member', 'get', 'golden', 'demo']);
      assert.match(oneLine(r), new RegExp(`${DEMO_PROJECT_ID} not found in the member list of the image ${SHARED_ID}`));
      assert.equal(r.code, 4);
    });
  });

  describe('set --accept | --reject | --pending', () => {
    test('demo accepts a pending image by name: a PUT of its own member, no PATCH; then it is in demo\'s default list', async () => {
      cloud.glance.members.add(SHARED_ID, DEMO_PROJECT_ID);
      const before = await img(cloud, ['list', '-f', 'value', '-c', 'Name'], { user: 'demo' });
      assert.equal(before.stdout, 'demo-own\n');
      // As in Glance, the caller's own shared images come too (owner ∪ members with that status).
      const pending = await img(cloud, ['list', '--member-status', 'pending', '--shared', '-f', 'value', '-c', 'Name'], { user: 'demo' });
      assert.equal(pending.stdout, 'demo-own\ngolden\n');
      const accepted = await img(cloud, ['list', '--member-status', 'accepted', '--shared', '-f', 'value', '-c', 'Name'], { user: 'demo' });
      assert.equal(accepted.stdout, 'demo-own\n');
      const r = await img(cloud, ['set', 'golden', '--accept', '-f', 'value', '-c', 'owner'], { user: 'demo' });
      assertOk(r);
      assert.equal(r.stdout, `${ADMIN_PROJECT_ID}\n`);
      assert.deepEqual(sent(r), [
        'GET /v2/images?name=golden&member_status=all&limit=1000',
        `PUT /v2/images/${SHARED_ID}/members/${DEMO_PROJECT_ID}`,
        `GET /v2/images/${SHARED_ID}`,
      ]);
      assert.deepEqual(jsonBody(r.calls[1]!), { status: 'accepted' });
      assert.equal(members().get(SHARED_ID)?.[0]?.status, 'accepted');
      const after = await img(cloud, ['list', '-f', 'value', '-c', 'Name'], { user: 'demo' });
      assert.equal(after.stdout, 'demo-own\ngolden\n');
    });

    test('--reject, then --pending', async () => {
      cloud.glance.members.add(SHARED_ID, DEMO_PROJECT_ID, 'accepted');
      assertOk(await img(cloud, ['set', SHARED_ID, '--reject'], { user: 'demo' }));
      assert.equal(members().get(SHARED_ID)?.[0]?.status, 'rejected');
      const list = await img(cloud, ['list', '-f', 'value', '-c', 'Name'], { user: 'demo' });
      assert.equal(list.stdout, 'demo-own\n');
      assertOk(await img(cloud, ['image', 'set', 'golden', '--pending'], { user: 'demo' }));
      assert.equal(members().get(SHARED_ID)?.[0]?.status, 'pending');
    });

    test('admin: --accept --project demo sets demo\'s membership and NEVER the owner (Launchpad bug 2136795)', async () => {
      cloud.glance.members.add(SHARED_ID, DEMO_PROJECT_ID);
      const r = await img(cloud, ['set', 'golden', '--accept', '--project', 'demo', '-f', 'value', '-c', 'owner']);
      assertOk(r);
      assert.equal(r.stdout, `${ADMIN_PROJECT_ID}\n`);
      assert.equal(owner(SHARED_ID), ADMIN_PROJECT_ID);
      assert.ok(!sent(r).some((l) => l.startsWith('PATCH')), sent(r).join('\n'));
      assert.ok(sent(r).includes(`PUT /v2/images/${SHARED_ID}/members/${DEMO_PROJECT_ID}`));
      assert.equal(members().get(SHARED_ID)?.[0]?.status, 'accepted');
    });

    test('the owner (non-admin) may not set a member\'s status: Glance\'s 403, exit 1, status unchanged', async () => {
      cloud.glance.members.add(DEMO_OWN_ID, ADMIN_PROJECT_ID);
      const r = await img(cloud, ['set', 'demo-own', '--accept', '--project', ADMIN_PROJECT_ID], { user: 'demo' });
      assert.match(oneLine(r), /Not allowed to update members for image .* \(HTTP 403\)/);
      assert.equal(r.code, 1);
      assert.equal(members().get(DEMO_OWN_ID)?.[0]?.status, 'pending');
    });
  });

  describe('--project on create, set and list', () => {
    test('create --project: the owner in the POST body (resolved first)', async () => {
      const r = await img(cloud, ['create', 'for-demo', '--project', 'demo', '-f', 'value', '-c', 'owner']);
      assertOk(r);
      assert.equal(r.stdout, `${DEMO_PROJECT_ID}\n`);
      const post = r.calls.find((c) => c.method === 'POST');
      assert.equal((jsonBody(post!) as Record<string, unknown>)['owner'], DEMO_PROJECT_ID);
      const unknown = await img(cloud, ['create', 'for-nobody', '--project', 'nosuch']);
      assert.equal(oneLine(unknown), 'No project found for nosuch');
      assert.equal(unknown.code, 4);
      assert.deepEqual(sent(unknown), []);
    });

    test('set --project: one PATCH replacing /owner', async () => {
      const r = await img(cloud, ['set', 'golden', '--project', 'demo', '-f', 'value', '-c', 'owner']);
      assertOk(r);
      assert.equal(r.stdout, `${DEMO_PROJECT_ID}\n`);
      const patch = r.calls.filter((c) => c.method === 'PATCH');
      assert.equal(patch.length, 1);
      assert.deepEqual(jsonBody(patch[0]!), [{ op: 'replace', path: '/owner', value: DEMO_PROJECT_ID }]);
      assert.equal(owner(SHARED_ID), DEMO_PROJECT_ID);
    });

    test('list --project: the owner filter, by name or ID', async () => {
      const byName = await img(cloud, ['list', '--project', 'demo', '-f', 'value', '-c', 'Name']);
      assertOk(byName);
      assert.equal(byName.stdout, 'demo-own\n');
      assert.deepEqual(sent(byName), [`GET /v2/images?owner=${DEMO_PROJECT_ID}&limit=1000`]);
      const byId = await img(cloud, ['image', 'list', '--project', ADMIN_PROJECT_ID, '-f', 'value', '-c', 'Name']);
      assert.equal(byId.stdout, 'golden\nsecret\n');
    });
  });

  describe('bad input: one line, the documented exit code, nothing sent', () => {
    const cases: { args: string[]; line: string; code: number }[] = [
      { args: ['set', 'golden', '--accept', '--reject'], line: 'Options --accept and --reject cannot be used together', code: 2 },
      { args: ['set', 'golden', '--pending', '--reject'], line: 'Options --reject and --pending cannot be used together', code: 2 },
      { args: ['set', 'golden', '--project-domain', 'Default', '--name', 'x'], line: '--project-domain needs --project (the domain of that project)', code: 2 },
      { args: ['list', '--project-domain', 'Default'], line: '--project-domain needs --project (the domain of that project)', code: 2 },
      { args: ['create', 'x', '--project-domain', 'Default'], line: '--project-domain needs --project (the domain of that project)', code: 2 },
      { args: ['set', 'golden', '--project', ''], line: "Invalid value '' for --project: expected a project name or ID", code: 2 },
      { args: ['set', 'golden', '--project', 'demo', '--project-domain', ''], line: "Invalid value '' for --project-domain: expected a domain name or ID", code: 2 },
      { args: ['list', '--project', ''], line: "Invalid value '' for --project: expected a project name or ID", code: 2 },
      { args: ['add', 'project', 'golden', ''], line: "Invalid value '' for --project: expected a project name or ID", code: 2 },
      { args: ['add', 'project', 'golden'], line: "missing required argument 'project'", code: 2 },
      { args: ['member', 'get', 'golden'], line: "missing required argument 'project'", code: 2 },
      { args: ['member', 'list'], line: "missing required argument 'image'", code: 2 },
      { args: ['add', 'project', 'golden', 'demo', '-f', 'csv'], line: "argument -f/--format: invalid choice: 'csv' (choose from 'json', 'shell', 'table', 'value', 'yaml')", code: 2 },
      { args: ['member', 'list', 'golden', '-f', 'shell'], line: "argument -f/--format: invalid choice: 'shell' (choose from 'csv', 'json', 'table', 'value', 'yaml')", code: 2 },
    ];
    for (const c of cases) {
      test(c.args.join(' '), async () => {
        const r = await img(cloud, c.args);
        assert.equal(oneLine(r), c.line);
        assert.equal(r.code, c.code);
        assert.equal(r.stdout, '');
        assert.deepEqual(sent(r), []);
        assert.deepEqual(keystoneLookups(r), []);
      });
    }
  });

  test('--debug shows the Keystone lookups, never the token', async () => {
    const r = await img(cloud, ['--debug', 'add', 'project', 'golden', 'demo', '-f', 'value', '-c', 'status']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'pending\n');
    assert.match(r.stderr, /REQ: curl -g -i -X 'GET' 'http:\/\/127\.0\.0\.1:\d+\/identity\/v3\/projects\?name=demo'/);
    for (const token of cloud.issuedTokens()) assert.ok(!r.stderr.includes(token), 'a token in --debug output');
  });

  test('every new command has --help with an example, under img and img image', async () => {
    for (const args of [['add', 'project'], ['remove', 'project'], ['member', 'list'], ['member', 'get'], ['image', 'add', 'project'], ['image', 'member', 'get']]) {
      const r = await img(cloud, [...args, '--help']);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /\nExamples?:\n {2}\$ img /, args.join(' '));
    }
    const set = await img(cloud, ['set', '--help']);
    for (const flag of ['--accept', '--reject', '--pending', '--project <project>', '--project-domain <domain>']) assert.ok(set.stdout.includes(flag), flag);
  });
});
