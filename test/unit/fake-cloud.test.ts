// Tests of the fake Keystone + Glance itself (test/helpers/fake-cloud.ts), using fetch.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ADMIN_PROJECT_ID, ADMIN_USER_ID, DEMO_PROJECT_ID, FakeCloud } from '../helpers/fake-cloud.js';
import { FIXTURES } from '../helpers/paths.js';

const PATCH_CT = 'application/openstack-images-v2.1-json-patch';
const REQ_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function fixture(rel: string): unknown {
  return JSON.parse(readFileSync(path.join(FIXTURES, rel), 'utf8'));
}

/** The seed's password request body. */
function passwordAuth(user: string, password: string, project?: string): unknown {
  const auth: Record<string, unknown> = {
    identity: { methods: ['password'], password: { user: { name: user, password, domain: { name: 'default' } } } },
  };
  if (project) auth.scope = { project: { name: project, domain: { name: 'default' } } };
  return { auth };
}

async function issue(cloud: FakeCloud, body: unknown): Promise<Response> {
  return fetch(`${cloud.authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function tokenFor(cloud: FakeCloud, user = 'admin'): Promise<string> {
  const creds: Record<string, [string, string]> = { admin: ['secret', 'admin'], demo: ['demo-pw', 'demo'] };
  const [pw, project] = creds[user]!;
  const r = await issue(cloud, passwordAuth(user, pw, project));
  assert.equal(r.status, 201);
  return r.headers.get('x-subject-token')!;
}

/** Small Glance client bound to one token and the public endpoint. */
function glance(cloud: FakeCloud, token: string) {
  const base = cloud.imageEndpoint('public');
  return (p: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${base}${p}`, { ...init, headers: { 'X-Auth-Token': token, Accept: 'application/json', ...(init.headers ?? {}) } });
}

describe('fake keystone', () => {
  let cloud: FakeCloud;
  before(async () => { cloud = await FakeCloud.start({ regions: ['RegionOne', 'RegionTwo'] }); });
  after(async () => { await cloud.close(); });

  it('issues a project-scoped token shaped like the seed response', async () => {
    const r = await issue(cloud, passwordAuth('admin', 'secret', 'admin'));
    assert.equal(r.status, 201);
    const token = r.headers.get('x-subject-token');
    assert.match(token ?? '', /^gAAAAAB[A-Za-z0-9_-]{100,}$/);
    assert.match(r.headers.get('x-openstack-request-id') ?? '', REQ_ID);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.deepEqual(cloud.issuedTokens(), [token]);

    const text = await r.text();
    assert.ok(text.startsWith('{"token": {"is_domain": false, "methods": ["password"]'), text.slice(0, 80));
    const body = JSON.parse(text) as { token: Record<string, unknown> };
    const seed = fixture('keystone/token-response.json') as { token: Record<string, unknown> };
    assert.deepEqual(Object.keys(body.token), Object.keys(seed.token));
    assert.deepEqual(body.token.project, seed.token.project);
    assert.deepEqual(body.token.roles, seed.token.roles);
    assert.deepEqual((body.token.user as Record<string, unknown>).id, ADMIN_USER_ID);
    assert.match(body.token.expires_at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z$/);
    const ttl = Date.parse(body.token.expires_at as string) - Date.parse(body.token.issued_at as string);
    assert.equal(ttl, 3600_000);

    type Svc = { type: string; endpoints: { url: string; interface: string; region: string }[] };
    const catalog = body.token.catalog as Svc[];
    assert.deepEqual(catalog.map((s) => s.type), (seed.token.catalog as Svc[]).map((s) => s.type));
    const image = catalog.find((s) => s.type === 'image')!;
    const urls = image.endpoints.map((e) => `${e.region}/${e.interface} ${e.url}`);
    assert.deepEqual(urls, [
      `RegionOne/public ${cloud.url}/regionone/image-public`,
      `RegionOne/admin ${cloud.url}/regionone/image-admin`,
      `RegionOne/internal ${cloud.url}/regionone/image-internal`,
      `RegionTwo/public ${cloud.url}/regiontwo/image-public`,
      `RegionTwo/admin ${cloud.url}/regiontwo/image-admin`,
      `RegionTwo/internal ${cloud.url}/regiontwo/image-internal`,
    ]);
    const identity = catalog.find((s) => s.type === 'identity')!;
    assert.ok(identity.endpoints.every((e) => e.url === `${cloud.authUrl}/`));
    const network = catalog.find((s) => s.type === 'network')!;
    assert.equal(network.endpoints[0]!.url, 'http://controller:9696');
  });

  it('answers 401 with keystone\'s body for a bad password, unknown user or unknown project', async () => {
    for (const body of [
      passwordAuth('admin', 'wrong', 'admin'),
      passwordAuth('nobody', 'secret', 'admin'),
      passwordAuth('admin', 'secret', 'no-such-project'),
      passwordAuth('demo', 'demo-pw', 'admin'), // no role there
    ]) {
      const r = await issue(cloud, body);
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('x-subject-token'), null);
      assert.equal(r.headers.get('www-authenticate'), `Keystone uri="${cloud.authUrl}"`);
      assert.equal(await r.text(),
        '{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}\n');
    }
  });

  it('issues unscoped tokens without a catalog, and domain-scoped ones with', async () => {
    const r = await issue(cloud, passwordAuth('admin', 'secret'));
    assert.equal(r.status, 201);
    const body = await r.json() as { token: Record<string, unknown> };
    assert.equal(body.token.catalog, undefined);
    assert.equal(body.token.project, undefined);
    assert.equal(body.token.roles, undefined);

    const d = await issue(cloud, {
      auth: {
        identity: { methods: ['password'], password: { user: { id: ADMIN_USER_ID, password: 'secret' } } },
        scope: { domain: { id: 'default' } },
      },
    });
    assert.equal(d.status, 201);
    const dBody = await d.json() as { token: Record<string, unknown> };
    assert.deepEqual(dBody.token.domain, { id: 'default', name: 'Default' });
    assert.ok(Array.isArray(dBody.token.catalog));
  });

  it('supports application credentials and token re-scoping', async () => {
    const env = cloud.env('demo', { appCredential: true });
    const r = await issue(cloud, {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { id: env.OS_APPLICATION_CREDENTIAL_ID, secret: env.OS_APPLICATION_CREDENTIAL_SECRET },
        },
      },
    });
    assert.equal(r.status, 201);
    const body = await r.json() as { token: Record<string, unknown> };
    assert.equal((body.token.project as { id: string }).id, DEMO_PROJECT_ID);
    assert.deepEqual(body.token.methods, ['application_credential']);
    assert.equal((body.token.application_credential as { restricted: boolean }).restricted, true);

    const bad = await issue(cloud, {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { name: 'demo-appcred', user: { name: 'demo', domain: { id: 'default' } }, secret: 'nope' },
        },
      },
    });
    assert.equal(bad.status, 401);

    const unscoped = (await issue(cloud, passwordAuth('admin', 'secret'))).headers.get('x-subject-token')!;
    const rescoped = await issue(cloud, {
      auth: { identity: { methods: ['token'], token: { id: unscoped } }, scope: { project: { id: ADMIN_PROJECT_ID } } },
    });
    assert.equal(rescoped.status, 201);
    const rb = await rescoped.json() as { token: Record<string, unknown> };
    assert.deepEqual(rb.token.methods, ['token', 'password']);
    assert.equal(cloud.token(unscoped)!.expiresAt.getTime(), Date.parse(rb.token.expires_at as string));
  });

  it('revokes tokens; Glance then refuses the revoked one', async () => {
    const admin = await tokenFor(cloud);
    const victim = await tokenFor(cloud, 'demo');
    assert.equal((await glance(cloud, victim)('/v2/images')).status, 200);
    const del = await fetch(`${cloud.authUrl}/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': admin, 'X-Subject-Token': victim } });
    assert.equal(del.status, 204);
    const after = await glance(cloud, victim)('/v2/images');
    assert.equal(after.status, 401);
    assert.equal(after.headers.get('www-authenticate'), `Keystone uri="${cloud.url}/identity"`);
    assert.equal(after.headers.get('x-openstack-request-id'), null);
    assert.equal(after.headers.get('content-type'), 'application/json');
    assert.equal((await after.json() as { code: string }).code, '401 Unauthorized');
    // The same request with curl's "Accept: */*" gets webob's HTML page.
    const html = await fetch(`${cloud.imageEndpoint()}/v2/images`, { headers: { 'X-Auth-Token': victim, Accept: '*/*' } });
    assert.match(await html.text(), /^<html>\n <head>\n {2}<title>401 Unauthorized<\/title>/);

    const gone = await fetch(`${cloud.authUrl}/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': admin, 'X-Subject-Token': victim } });
    assert.equal(gone.status, 404);
    assert.equal(await gone.text(), '{"error":{"code":404,"message":"Failed to validate token","title":"Not Found"}}\n');
  });

  it('builds openrc variables for the default users', () => {
    assert.deepEqual(cloud.env(), {
      OS_AUTH_URL: cloud.authUrl,
      OS_IDENTITY_API_VERSION: '3',
      OS_IMAGE_API_VERSION: '2',
      OS_REGION_NAME: 'RegionOne',
      OS_USERNAME: 'admin',
      OS_PASSWORD: 'secret',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_NAME: 'admin',
      OS_PROJECT_DOMAIN_NAME: 'Default',
    });
    assert.equal(cloud.env('demo').OS_PASSWORD, 'demo-pw');
  });
});

describe('fake glance: listing', () => {
  it('pages with next links exactly as Glance builds them', async () => {
    const cloud = await FakeCloud.start({ pageLimitMax: 3 });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push(cloud.addImage({ name: `img-${i}`, visibility: 'public' }, Buffer.from(`data ${i}`)).id);
      const get = glance(cloud, await tokenFor(cloud, 'demo'));

      const seen: string[] = [];
      let next: string | undefined = '/v2/images?limit=10';
      const links: string[] = [];
      while (next) {
        const r = await get(next);
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('content-type'), 'application/json; charset=UTF-8');
        const page = await r.json() as { images: { id: string }[]; next?: string; first: string; schema: string };
        assert.equal(page.first, '/v2/images?limit=10');
        assert.equal(page.schema, '/v2/schemas/images');
        assert.ok(page.images.length <= 3);
        seen.push(...page.images.map((i) => i.id));
        if (page.next) links.push(page.next);
        next = page.next;
      }
      // Newest first (created_at desc, ties by creation order).
      assert.deepEqual(seen, [...ids].reverse());
      assert.deepEqual(links, [`/v2/images?limit=10&marker=${ids[4]}`, `/v2/images?limit=10&marker=${ids[1]}`]);

      // A full last page still gets a next link, which then yields an empty page (Glance does this too).
      cloud.images.delete(ids[0]!);
      const p3 = await (await get(`/v2/images?limit=3&marker=${ids[4]}`)).json() as { images: unknown[]; next?: string };
      assert.equal(p3.images.length, 3);
      assert.equal(p3.next, `/v2/images?limit=3&marker=${ids[1]}`);
      const p4 = await (await get(p3.next!)).json() as { images: unknown[]; next?: string };
      assert.deepEqual([p4.images.length, p4.next], [0, undefined]);

      const sorted = await (await get('/v2/images?sort=name:asc&limit=2')).json() as { images: { name: string }[]; next: string };
      assert.deepEqual(sorted.images.map((i) => i.name), ['img-1', 'img-2']);
      assert.match(sorted.next, /^\/v2\/images\?sort=name%3Aasc&limit=2&marker=/);

      const badMarker = await get('/v2/images?marker=00000000-0000-0000-0000-000000000000');
      assert.equal(badMarker.status, 400);
      assert.match((await badMarker.json() as { message: string }).message, /^No image found with ID 00000000-/);
      assert.equal((await get('/v2/images?sort_key=bogus')).status, 400);
    } finally {
      await cloud.close();
    }
  });

  it('applies Glance visibility rules and filters', async () => {
    const cloud = await FakeCloud.start();
    try {
      cloud.addImage({ name: 'admin-private', visibility: 'private' });
      cloud.addImage({ name: 'admin-public', visibility: 'public', tags: ['a', 'b'], os_distro: 'ubuntu' });
      // Community images are listed by default only to their owner.
      cloud.addImage({ name: 'other-community', visibility: 'community', owner: 'a-third-project' });
      cloud.addImage({ name: 'admin-community', visibility: 'community' });
      cloud.addImage({ name: 'admin-hidden', visibility: 'public', os_hidden: true });
      cloud.addImage({ name: 'admin-shared', visibility: 'shared' });
      cloud.addImage({ name: 'demo-own', visibility: 'private', owner: DEMO_PROJECT_ID });
      const names = async (token: string, q = ''): Promise<string[]> => {
        const r = await glance(cloud, token)(`/v2/images${q}`);
        assert.equal(r.status, 200, await r.clone().text());
        return ((await r.json()) as { images: { name: string }[] }).images.map((i) => i.name).sort();
      };
      const demo = await tokenFor(cloud, 'demo');
      const admin = await tokenFor(cloud, 'admin');
      // The fake has no image members: a shared image is listed only to its owner (and admins).
      assert.deepEqual(await names(demo), ['admin-public', 'demo-own']);
      assert.deepEqual(await names(admin), ['admin-community', 'admin-private', 'admin-public', 'admin-shared', 'demo-own']);
      assert.deepEqual(await names(demo, '?visibility=community'), ['admin-community', 'other-community']);
      assert.deepEqual(await names(demo, '?os_hidden=true'), ['admin-hidden']);
      assert.deepEqual(await names(demo, '?tag=a&tag=b'), ['admin-public']);
      assert.deepEqual(await names(demo, '?tag=a&tag=c'), []);
      assert.deepEqual(await names(admin, '?os_distro=ubuntu'), ['admin-public']);
      assert.deepEqual(await names(admin, '?name=in:admin-public,demo-own'), ['admin-public', 'demo-own']);
      assert.deepEqual(await names(admin, `?owner=${DEMO_PROJECT_ID}`), ['demo-own']);
      assert.equal((await glance(cloud, demo)('/v2/images?visibility=bogus')).status, 400);

      // Invisible images are 404, exactly like missing ones.
      const priv = [...cloud.images.values()].find((i) => i.name === 'admin-private')!;
      const r = await glance(cloud, demo)(`/v2/images/${priv.id}`);
      assert.equal(r.status, 404);
      assert.deepEqual(await r.json(), {
        message: `No image found with ID ${priv.id}<br /><br />\n\n\n`, code: '404 Not Found', title: 'Not Found',
      });
    } finally {
      await cloud.close();
    }
  });
});

describe('fake glance: image lifecycle', () => {
  let cloud: FakeCloud;
  let admin: ReturnType<typeof glance>;
  let demo: ReturnType<typeof glance>;
  before(async () => {
    cloud = await FakeCloud.start();
    admin = glance(cloud, await tokenFor(cloud, 'admin'));
    demo = glance(cloud, await tokenFor(cloud, 'demo'));
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });

  it('creates (queued), uploads (active, md5 + sha512) and records the bytes', async () => {
    const created = await admin('/v2/images', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ container_format: 'bare', disk_format: 'qcow2', name: 'cirros-test-curl', os_distro: 'cirros' }),
    });
    assert.equal(created.status, 201);
    const img = await created.json() as Record<string, unknown>;
    const id = img.id as string;
    assert.equal(created.headers.get('location'), `${cloud.url}/v2/images/${id}`);
    const seed = fixture('glance/image-queued.json') as Record<string, unknown>;
    // Same fields as the seed's queued image, plus the newer os_* ones and the extra property.
    assert.deepEqual(Object.keys(img).sort(),
      [...Object.keys(seed), 'os_hidden', 'os_hash_algo', 'os_hash_value', 'os_distro'].sort());
    for (const k of ['status', 'visibility', 'size', 'checksum', 'virtual_size', 'min_disk', 'min_ram', 'protected', 'tags', 'owner', 'schema']) {
      assert.deepEqual(img[k], seed[k], k);
    }
    assert.equal(img.self, `/v2/images/${id}`);
    assert.equal(img.os_distro, 'cirros');

    const data = Buffer.from('0123456789abcdefghij'.repeat(1000));
    const put = await admin(`/v2/images/${id}/file`, {
      method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: data,
    });
    assert.equal(put.status, 204);
    assert.equal(put.headers.get('content-type'), 'text/html; charset=UTF-8');
    const rec = cloud.requests.find((r) => r.method === 'PUT' && r.path.endsWith(`/v2/images/${id}/file`))!;
    assert.ok(rec.body.equals(data));
    assert.equal(rec.headers['content-type'], 'application/octet-stream');
    assert.equal(rec.endpoint, 'RegionOne/public');

    const shown = await (await admin(`/v2/images/${id}`)).json() as Record<string, unknown>;
    assert.equal(shown.status, 'active');
    assert.equal(shown.size, data.length);
    assert.equal(shown.checksum, createHash('md5').update(data).digest('hex'));
    assert.equal(shown.os_hash_algo, 'sha512');
    assert.equal(shown.os_hash_value, createHash('sha512').update(data).digest('hex'));
    assert.ok(cloud.data.get(id)!.equals(data));

    const again = await admin(`/v2/images/${id}/file`, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: 'x' });
    assert.equal(again.status, 409);
    assert.match((await again.json() as { message: string }).message, /^Image status transition from active to saving is not allowed/);

    const wrongType = await admin(`/v2/images/${id}/file`, { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: 'x' });
    assert.equal(wrongType.status, 415);
  });

  it('validates create bodies like Glance', async () => {
    const post = (body: unknown, who = admin) => who('/v2/images', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const bad = await post({ name: 'x', disk_format: 'qcow3' });
    assert.equal(bad.status, 400);
    const msg = (await bad.json() as { message: string }).message;
    assert.ok(msg.startsWith("Provided object does not match schema 'image': 'qcow3' is not one of [None, 'ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop']\n\nFailed validating 'enum' in schema['properties']['disk_format']:"), msg);
    assert.equal((await post({ name: 'x', status: 'active' })).status, 403);
    assert.equal((await post({ name: 'x', visibility: 'public' }, demo)).status, 403);
    const id = '11111111-2222-3333-4444-555555555555';
    assert.equal((await post({ id, name: 'fixed' })).status, 201);
    const dup = await post({ id, name: 'fixed' });
    assert.equal(dup.status, 409);
    assert.match((await dup.json() as { message: string }).message, /^Image ID 11111111-2222-3333-4444-555555555555 already exists!/);
    const noBody = await admin('/v2/images', { method: 'POST' });
    assert.equal(noBody.status, 400);
  });

  it('serves ranges with 206 and Content-Range', async () => {
    const data = Buffer.from('0123456789');
    const img = cloud.addImage({ name: 'ranged', visibility: 'public' }, data);
    const full = await demo(`/v2/images/${img.id}/file`);
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('content-md5'), img.checksum);
    assert.equal(full.headers.get('content-length'), '10');
    assert.equal(Buffer.from(await full.arrayBuffer()).toString(), '0123456789');
    const cases: [string, string, string][] = [
      ['bytes=2-5', '2345', 'bytes 2-5/10'],
      ['bytes=7-', '789', 'bytes 7-9/10'],
      ['bytes=-3', '789', 'bytes 7-9/10'],
      ['bytes=8-100', '89', 'bytes 8-9/10'],
    ];
    for (const [range, body, contentRange] of cases) {
      const r = await demo(`/v2/images/${img.id}/file`, { headers: { Range: range } });
      assert.equal(r.status, 206, range);
      assert.equal(r.headers.get('content-range'), contentRange, range);
      assert.equal(Buffer.from(await r.arrayBuffer()).toString(), body, range);
    }
    const unsatisfiable = await demo(`/v2/images/${img.id}/file`, { headers: { Range: 'bytes=10-' } });
    assert.equal(unsatisfiable.status, 416);
    assert.equal((await unsatisfiable.json() as { message: string }).message,
      'The Range requested is not available.<br /><br />\nInvalid start position in Range header. Start position MUST be in the inclusive range [0, 9].\n\n');
    const queued = cloud.addImage({ name: 'empty', visibility: 'public' });
    assert.equal((await demo(`/v2/images/${queued.id}/file`)).status, 204);
  });

  it('forbids downloading a deactivated image except for admins', async () => {
    const img = cloud.addImage({ name: 'to-deactivate', visibility: 'public' }, Buffer.from('abc'));
    const denied = await demo(`/v2/images/${img.id}/actions/deactivate`, { method: 'POST' });
    assert.equal(denied.status, 403);
    assert.match((await denied.json() as { message: string }).message, /^You do not own this image/);

    const d = await admin(`/v2/images/${img.id}/actions/deactivate`, { method: 'POST' });
    assert.equal(d.status, 204);
    assert.equal(cloud.images.get(img.id)!.status, 'deactivated');
    const dl = await demo(`/v2/images/${img.id}/file`);
    assert.equal(dl.status, 403);
    assert.equal((await dl.json() as { message: string }).message,
      'The requested image has been deactivated. Image data download is forbidden.<br /><br />\n\n\n');
    assert.equal((await admin(`/v2/images/${img.id}/file`)).status, 200);

    assert.equal((await admin(`/v2/images/${img.id}/actions/reactivate`, { method: 'POST' })).status, 204);
    assert.equal((await demo(`/v2/images/${img.id}/file`)).status, 200);

    const queued = cloud.addImage({ name: 'queued' });
    const wrong = await admin(`/v2/images/${queued.id}/actions/deactivate`, { method: 'POST' });
    assert.equal(wrong.status, 403);
    assert.match((await wrong.json() as { message: string }).message, /^Not allowed to deactivate image in status 'queued'/);
  });

  it('refuses to delete a protected image until it is unprotected', async () => {
    const img = cloud.addImage({ name: 'keep-me', protected: true });
    const r = await admin(`/v2/images/${img.id}`, { method: 'DELETE' });
    assert.equal(r.status, 403);
    assert.deepEqual(await r.json(), {
      message: `Image ${img.id} is protected and cannot be deleted.<br /><br />\n\n\n`, code: '403 Forbidden', title: 'Forbidden',
    });
    const html = await admin(`/v2/images/${img.id}`, { method: 'DELETE', headers: { Accept: '*/*' } });
    assert.equal(html.headers.get('content-type'), 'text/html; charset=UTF-8');
    assert.match(await html.text(), /<title>403 Forbidden<\/title>/);

    const patch = await admin(`/v2/images/${img.id}`, {
      method: 'PATCH', headers: { 'Content-Type': PATCH_CT }, body: JSON.stringify([{ op: 'replace', path: '/protected', value: false }]),
    });
    assert.equal(patch.status, 200);
    assert.equal((await admin(`/v2/images/${img.id}`, { method: 'DELETE' })).status, 204);
    assert.equal(cloud.images.has(img.id), false);
    const gone = await admin(`/v2/images/${img.id}`, { method: 'DELETE' });
    assert.equal(gone.status, 404);
    assert.match((await gone.json() as { message: string }).message, new RegExp(`^Failed to find image ${img.id} to delete`));
  });

  it('applies JSON-patch operations and rejects what Glance rejects', async () => {
    const img = cloud.addImage({ name: 'patch-me', os_distro: 'cirros', tags: ['x'] });
    const patch = (ops: unknown, who = admin, ct = PATCH_CT) =>
      who(`/v2/images/${img.id}`, { method: 'PATCH', headers: { 'Content-Type': ct }, body: JSON.stringify(ops) });
    const ok = await patch([
      { op: 'replace', path: '/name', value: 'patched' },
      { op: 'add', path: '/hw_disk_bus', value: 'virtio' },
      { op: 'remove', path: '/os_distro' },
      { op: 'replace', path: '/tags', value: ['a', 'b', 'a'] },
      { op: 'replace', path: '/min_disk', value: 2 },
    ]);
    assert.equal(ok.status, 200);
    const body = await ok.json() as Record<string, unknown>;
    assert.equal(body.name, 'patched');
    assert.equal(body.hw_disk_bus, 'virtio');
    assert.equal('os_distro' in body, false);
    assert.deepEqual(body.tags, ['a', 'b']);
    assert.equal(body.min_disk, 2);

    const wrongType = await patch([], admin, 'application/json');
    assert.equal(wrongType.status, 415);
    assert.equal(wrongType.headers.get('accept-patch'),
      'application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch');
    assert.equal((await patch([{ op: 'add', path: '/tags/-', value: 'c' }])).status, 400);
    assert.equal((await patch([{ op: 'replace', path: '/status', value: 'active' }])).status, 403);
    assert.equal((await patch([{ op: 'remove', path: '/nonexistent' }])).status, 409);
    assert.equal((await patch([{ op: 'remove', path: '/name' }])).status, 403);
    // A failed batch changes nothing.
    assert.equal((await patch([{ op: 'replace', path: '/name', value: 'half' }, { op: 'remove', path: '/nope' }])).status, 409);
    assert.equal(cloud.images.get(img.id)!.name, 'patched');

    const pub = cloud.addImage({ name: 'demo-img', owner: DEMO_PROJECT_ID });
    const publicize = await demo(`/v2/images/${pub.id}`, {
      method: 'PATCH', headers: { 'Content-Type': PATCH_CT }, body: JSON.stringify([{ op: 'replace', path: '/visibility', value: 'public' }]),
    });
    assert.equal(publicize.status, 403);
    assert.match((await publicize.json() as { message: string }).message, /^You are not authorized to complete publicize_image action\./);
  });

  it('records every request in order and lets tests inject faults', async () => {
    const start = cloud.requests.length;
    const remove = cloud.inject((req, res) => {
      if (req.method !== 'GET' || !req.url?.includes('/v2/images?')) return false;
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      res.end('try later');
      return true;
    });
    const r = await admin('/v2/images?limit=1');
    assert.equal(r.status, 503);
    remove();
    assert.equal((await admin('/v2/images?limit=1')).status, 200);
    const recs = cloud.requests.slice(start);
    assert.deepEqual(recs.map((x) => `${x.method} ${x.path}`), [
      'GET /regionone/image-public/v2/images?limit=1',
      'GET /regionone/image-public/v2/images?limit=1',
    ]);
    assert.equal(recs[0]!.headers['x-auth-token'], cloud.issuedTokens()[0]);
    assert.equal(recs[0]!.service, 'image');
  });
});

describe('fake cloud: options and edge cases', () => {
  it('serves every catalog endpoint and records which one was used', async () => {
    const cloud = await FakeCloud.start({ regions: ['RegionOne', 'RegionTwo'] });
    try {
      const token = await tokenFor(cloud);
      assert.equal(cloud.imageEndpoint('internal', 'RegionTwo'), `${cloud.url}/regiontwo/image-internal`);
      const ok = await fetch(`${cloud.imageEndpoint('admin')}/v2/images`, { headers: { 'X-Auth-Token': token } });
      assert.equal(ok.status, 200);
      const other = await fetch(`${cloud.imageEndpoint('internal', 'RegionTwo')}/v2/images`, { headers: { 'X-Auth-Token': token } });
      assert.equal(other.status, 200);
      assert.deepEqual(cloud.requests.filter((r) => r.service === 'image').map((r) => r.endpoint), ['RegionOne/admin', 'RegionTwo/internal']);
    } finally {
      await cloud.close();
    }
  });

  it('omits the image service when there are no regions, and expires tokens on demand', async () => {
    const cloud = await FakeCloud.start({ regions: [], tokenTtlSeconds: 60 });
    try {
      const r = await issue(cloud, passwordAuth('demo', 'demo-pw', 'demo'));
      const body = await r.json() as { token: { catalog: { type: string }[]; expires_at: string; issued_at: string } };
      assert.equal(body.token.catalog.some((s) => s.type === 'image'), false);
      assert.equal(Date.parse(body.token.expires_at) - Date.parse(body.token.issued_at), 60_000);
      const token = r.headers.get('x-subject-token')!;
      assert.equal((await fetch(`${cloud.url}/v2/images`, { headers: { 'X-Auth-Token': token } })).status, 200);
      cloud.expireTokens();
      assert.equal((await fetch(`${cloud.url}/v2/images`, { headers: { 'X-Auth-Token': token } })).status, 401);
    } finally {
      await cloud.close();
    }
  });

  it('puts an image back to queued when the upload is aborted', async () => {
    const cloud = await FakeCloud.start();
    try {
      const token = await tokenFor(cloud);
      const img = cloud.addImage({ name: 'partial', disk_format: 'raw', container_format: 'bare' });
      let sawSaving = false;
      cloud.inject((req, _res, ctx) => {
        if (req.method !== 'PUT') return false;
        // Once some bytes are in, the image is 'saving'; then the client vanishes.
        req.once('data', () => setTimeout(() => {
          sawSaving = cloud.images.get(img.id)!.status === 'saving';
          req.socket.destroy();
        }, 20));
        ctx.body.catch(() => undefined);
        return false;
      });
      const http = await import('node:http');
      await new Promise<void>((resolve) => {
        const put = http.request(`${cloud.imageEndpoint()}/v2/images/${img.id}/file`, {
          method: 'PUT', headers: { 'X-Auth-Token': token, 'Content-Type': 'application/octet-stream', 'Content-Length': '100' },
        });
        put.on('error', () => resolve());
        put.write(Buffer.alloc(10));
      });
      for (let i = 0; i < 50 && cloud.images.get(img.id)!.status !== 'queued'; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(sawSaving, true);
      assert.equal(cloud.images.get(img.id)!.status, 'queued');
      assert.equal(cloud.data.has(img.id), false);
      assert.deepEqual(cloud.errors, []);
    } finally {
      await cloud.close();
    }
  });

  it('supports an admin-only deactivate policy and reproduces positional webob texts', async () => {
    const cloud = await FakeCloud.start({ adminOnlyDeactivate: true });
    try {
      const demo = glance(cloud, await tokenFor(cloud, 'demo'));
      const own = cloud.addImage({ name: 'mine', owner: DEMO_PROJECT_ID }, Buffer.from('x'));
      const r = await demo(`/v2/images/${own.id}/actions/deactivate`, { method: 'POST' });
      assert.equal(r.status, 403);
      assert.match((await r.json() as { message: string }).message, /^You are not authorized to complete deactivate action\./);
      const reserved = await demo('/v2/images', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name": "x", "deleted": "1"}' });
      assert.equal(reserved.status, 403);
      assert.equal((await reserved.json() as { message: string }).message,
        "Access was denied to this resource.<br /><br />\nAttribute 'deleted' is reserved.\n\n");
      const plain = await fetch(`${cloud.imageEndpoint()}/v2/images/nope`, { headers: { 'X-Auth-Token': cloud.issuedTokens()[0]! } });
      assert.equal(plain.headers.get('content-type'), 'text/html; charset=UTF-8');
    } finally {
      await cloud.close();
    }
  });
});
