// The OpenID Connect plugins (v3oidcpassword, v3oidcclientcredentials, v3oidcauthcode,
// v3oidcaccesstoken) in-process against the fake cloud with a fake identity provider and Keystone
// federation endpoint (test/helpers/fake-idp.ts): what the provider and Keystone received, the
// rescoping, errors, secrets kept out of argv, --debug and messages, and the token cache.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertOk, oneLine } from '../helpers/assertions.js';
import { DEMO_PROJECT_ID, FakeCloud, type RecordedRequest } from '../helpers/fake-cloud.js';
import { FakeIdp } from '../helpers/fake-idp.js';
import { withTempDir } from '../helpers/files.js';
import { authBody, glance, tokenPosts } from '../helpers/requests.js';
import { during } from '../helpers/run-against-fake.js';
import { runCliInProcess } from '../helpers/run-cli.js';

const FEDERATION = '/identity/v3/OS-FEDERATION/identity_providers/myidp/protocols/openid/auth';
const DEMO_SCOPE = { project: { name: 'demo', domain: { name: 'Default' } } };

/** Each request of a run as `METHOD path`, Glance's included. */
const trail = (reqs: RecordedRequest[]) => reqs.map((q) => `${q.method} ${q.path.replace(/\?.*$/, '')}`);

describe('OpenID Connect', () => {
  let cloud: FakeCloud;
  let idp: FakeIdp;
  let secretIdp: FakeIdp;
  before(async () => {
    cloud = await FakeCloud.start();
    cloud.addImage({ name: 'demo-img', owner: DEMO_PROJECT_ID, visibility: 'private' }, Buffer.from('d'));
    // Two providers on one fake: a public client (img-cli) and a confidential one (with a secret).
    idp = FakeIdp.install(cloud);
    secretIdp = FakeIdp.install(cloud, { clientId: 'img-confidential', clientSecret: 'client-secret-5678' });
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });
  const run = (args: string[], env: Record<string, string | undefined>, home?: string) =>
    during(cloud, () => runCliInProcess(args, { env: home ? { ...env, HOME: home } : env }));

  test('v3oidcpassword: discovery, the password grant, the federation endpoint with the bearer token, then a rescope to the project', async () => {
    const calls = idp.calls.length;
    const { r, reqs } = await run(['list', '-f', 'value', '-c', 'Name'], idp.env('v3oidcpassword'));
    assertOk(r);
    assert.equal(r.stdout, 'demo-img\n');
    assert.deepEqual(trail(reqs), [
      'GET /idp/0/.well-known/openid-configuration', 'POST /idp/0/token', `POST ${FEDERATION}`,
      'POST /identity/v3/auth/tokens', 'GET /regionone/image-public/v2/images',
    ]);
    const call = idp.calls[calls]!;
    assert.equal(call.form.toString(), 'username=alice&password=alice-idp-pw&scope=openid+profile&grant_type=password&client_id=img-cli');
    assert.equal(call.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(call.headers.authorization, undefined);
    const fed = reqs.find((q) => q.path === FEDERATION)!;
    const bearer = /^Bearer (idp-at-\w+)$/.exec(String(fed.headers.authorization))?.[1];
    assert.ok(bearer && idp.issued.has(bearer), String(fed.headers.authorization));
    const unscoped = [...cloud.keystone.tokens.values()].find((t) => t.methods.includes('openid'))!;
    assert.deepEqual(authBody(tokenPosts(reqs)[0]), { auth: { identity: { methods: ['token'], token: { id: unscoped.id } }, scope: DEMO_SCOPE } });
    assert.equal(glance(reqs).find((q) => q.path.startsWith('/regionone/'))!.headers['x-auth-token'], cloud.issuedTokens().at(-1));
  });

  test('v3oidcpassword with --password-stdin: the password piped in is the one the provider gets', async () => {
    const calls = idp.calls.length;
    const r = await during(cloud, () => runCliInProcess(['--password-stdin', 'token', 'issue', '-f', 'value', '-c', 'project_id'],
      { env: { ...idp.env('v3oidcpassword'), OS_PASSWORD: undefined }, input: 'alice-idp-pw\n' }));
    assertOk(r.r);
    assert.equal(r.r.stdout, `${DEMO_PROJECT_ID}\n`);
    assert.equal(idp.calls[calls]!.form.get('password'), 'alice-idp-pw');
  });

  test('v3oidcclientcredentials: the client authenticates with HTTP Basic (OS_CLIENT_SECRET), no client_id in the form', async () => {
    const calls = secretIdp.calls.length;
    const { r } = await run(['list', '-f', 'value', '-c', 'Name'], secretIdp.env('v3oidcclientcredentials'));
    assertOk(r);
    const call = secretIdp.calls[calls]!;
    assert.equal(call.form.toString(), 'scope=openid+profile&grant_type=client_credentials');
    assert.equal(call.headers.authorization, `Basic ${Buffer.from('img-confidential:client-secret-5678').toString('base64')}`);
  });

  test('v3oidcauthcode: redirect_uri, code and grant_type, and client_id for a public client', async () => {
    const fresh = FakeIdp.install(cloud, { clientId: 'img-code', code: 'code-one-time-42' });
    const { r } = await run(['token', 'issue', '-f', 'value', '-c', 'project_id'], fresh.env('v3oidcauthcode'));
    assertOk(r);
    assert.equal(r.stdout, `${DEMO_PROJECT_ID}\n`);
    assert.equal(fresh.calls[0]!.form.toString(),
      `redirect_uri=${encodeURIComponent('http://127.0.0.1/cb')}&code=code-one-time-42&grant_type=authorization_code&client_id=img-code`);
  });

  test('v3oidcaccesstoken: no identity provider request, OS_ACCESS_TOKEN goes to Keystone as the bearer token', async () => {
    idp.accepted.add('given-access-token-9999');
    const { r, reqs } = await run(['list', '-f', 'value', '-c', 'Name'], { ...idp.env('v3oidcaccesstoken'), OS_ACCESS_TOKEN: 'given-access-token-9999' });
    assertOk(r);
    assert.deepEqual(trail(reqs).slice(0, 2), [`POST ${FEDERATION}`, 'POST /identity/v3/auth/tokens']);
    assert.equal(reqs[0]!.headers.authorization, 'Bearer given-access-token-9999');
  });

  test('--os-access-token-endpoint without a discovery document; --os-access-token-type id_token sends the ID token', async () => {
    const env = { ...idp.env('v3oidcpassword'), OS_DISCOVERY_ENDPOINT: undefined };
    const { r, reqs } = await run(['--os-access-token-endpoint', idp.tokenUrl, '--os-access-token-type', 'id_token', '--os-openid-scope', 'openid',
      'list', '-f', 'value', '-c', 'Name'], env);
    assertOk(r);
    assert.equal(trail(reqs)[0], 'POST /idp/0/token');
    assert.match(idp.calls.at(-1)!.form.toString(), /&scope=openid&/);
    assert.match(String(reqs[1]!.headers.authorization), /^Bearer idp-idt-/);
  });

  test('without a project: the unscoped federated token itself (no rescope), shown by token issue', async () => {
    const { r, reqs } = await run(['token', 'issue', '-f', 'json'], { ...idp.env('v3oidcpassword'), OS_PROJECT_NAME: undefined });
    assertOk(r);
    assert.deepEqual(Object.keys(JSON.parse(r.stdout) as object), ['expires', 'id', 'user_id']);
    assert.equal(tokenPosts(reqs).length, 0);
  });

  test('missing identity provider options: exit 2 naming each (variable and flag), no request', async () => {
    const env = { ...idp.env('v3oidcpassword'), OS_IDENTITY_PROVIDER: undefined, OS_CLIENT_ID: undefined, OS_DISCOVERY_ENDPOINT: undefined };
    const { r, reqs } = await run(['list'], env);
    assert.equal(r.code, 2);
    assert.equal(oneLine(r), 'Missing identity provider for v3oidcpassword: set OS_IDENTITY_PROVIDER or pass --os-identity-provider; ' +
      'Missing client ID for v3oidcpassword: set OS_CLIENT_ID or pass --os-client-id; ' +
      'Missing token endpoint for v3oidcpassword: set OS_DISCOVERY_ENDPOINT or OS_ACCESS_TOKEN_ENDPOINT, or pass --os-discovery-endpoint or --os-access-token-endpoint');
    assert.equal(reqs.length, 0);
    const code = await run(['list'], { ...idp.env('v3oidcauthcode'), OS_CODE: undefined });
    assert.equal(code.r.code, 2);
    assert.equal(oneLine(code.r), 'Missing authorization code for v3oidcauthcode: set OS_CODE');
  });

  test('the identity provider refuses the password: exit 3 with its error, the password nowhere, no Keystone request', async () => {
    const { r, reqs } = await run(['list'], { ...idp.env('v3oidcpassword'), OS_PASSWORD: 'wrong-idp-password' });
    assert.equal(r.code, 3);
    assert.equal(oneLine(r), 'The identity provider refused the password grant: invalid_grant: Invalid user credentials (HTTP 401)');
    assert.ok(!r.stderr.includes('wrong-idp-password'));
    assert.equal(reqs.filter((q) => q.path.startsWith('/identity/')).length, 0);
  });

  test('a wrong client secret: exit 3 with invalid_client, the secret nowhere', async () => {
    const { r } = await run(['list'], { ...secretIdp.env('v3oidcclientcredentials'), OS_CLIENT_SECRET: 'not-the-secret' });
    assert.equal(r.code, 3);
    assert.equal(oneLine(r), 'The identity provider refused the client_credentials grant: invalid_client: Invalid client credentials (HTTP 401)');
  });

  test('Keystone refuses the bearer token, or knows no such identity provider: exit 3 with Keystone\'s message', async () => {
    const bad = await run(['list'], { ...idp.env('v3oidcaccesstoken'), OS_ACCESS_TOKEN: 'unknown-access-token' });
    assert.equal(bad.r.code, 3);
    assert.match(oneLine(bad.r), /^Keystone refused the identity provider's token: The request you have made requires authentication\. \(HTTP 401\)/);
    const other = await run(['list'], { ...idp.env('v3oidcaccesstoken'), OS_ACCESS_TOKEN: 'x-token-1234', OS_IDENTITY_PROVIDER: 'elsewhere' });
    assert.equal(other.r.code, 3);
    assert.match(oneLine(other.r), /^Keystone refused the identity provider's token: Could not find Identity Provider: elsewhere\. \(HTTP 404\)/);
  });

  test('a provider whose discovery document lacks the grant: exit 2 naming the grant and what it supports', async () => {
    const narrow = FakeIdp.install(cloud, { clientId: 'narrow', grants: ['authorization_code'] });
    const { r } = await run(['list'], narrow.env('v3oidcpassword'));
    assert.equal(r.code, 2);
    assert.equal(oneLine(r), 'The identity provider does not support the password grant of v3oidcpassword ' +
      '(its grant_types_supported: authorization_code): choose another --os-auth-type');
  });

  test('--debug shows neither password, client secret, authorization code nor any token of the provider', async () => {
    const fresh = FakeIdp.install(cloud, { clientId: 'img-dbg', clientSecret: 'dbg-client-secret', code: 'dbg-auth-code-77' });
    const { r } = await run(['--debug', 'list'], fresh.env('v3oidcauthcode'));
    assert.equal(r.code, 0, r.stderr);
    for (const secret of ['dbg-client-secret', 'dbg-auth-code-77', ...fresh.issued]) assert.ok(!r.stderr.includes(secret), secret);
    assert.ok(!/idp-(at|idt|rt)-[0-9a-f]{6}/.test(r.stderr), 'a provider token leaked');
    assert.match(r.stderr, /code=\*\*\*/);
    assert.match(r.stderr, /"access_token":"\*\*\*"/);
    assert.match(r.stderr, /authorization: \{SHA256\}[0-9a-f]{64}/);
  });

  for (const [flag, hint] of [
    ['--os-client-secret', 'OS_CLIENT_SECRET'], ['--os-access-token', 'OS_ACCESS_TOKEN'], ['--os-code', 'OS_CODE'],
  ] as const) {
    test(`${flag}=… is refused: exit 2, one line naming ${hint}, the value nowhere, no request`, async () => {
      const { r, reqs } = await run([`${flag}=argv-secret-value`, 'list'], idp.env('v3oidcpassword'));
      assert.equal(r.code, 2);
      const line = oneLine(r);
      assert.ok(line.startsWith(`unknown option '${flag}': img takes no secret on the command line`), line);
      assert.ok(line.includes(`set ${hint}`), line);
      assert.ok(!r.stderr.includes('argv-secret-value'));
      assert.equal(reqs.length, 0);
    });
  }

  test('from clouds.yaml and secure.yaml as openstacksdk reads them (auth_type, auth: identity_provider, client_secret…)', async () => {
    await withTempDir('img-oidc-clouds-', async (home) => {
      const dir = path.join(home, '.config', 'openstack');
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'clouds.yaml'), [
        'clouds:', '  sso:', '    auth_type: v3oidcclientcredentials', '    region_name: RegionOne', '    auth:',
        `      auth_url: ${cloud.authUrl}`, '      identity_provider: myidp', '      protocol: openid',
        '      client_id: img-confidential', `      discovery_endpoint: ${secretIdp.discoveryUrl}`,
        '      project_name: demo', '      project_domain_name: Default', '',
      ].join('\n'));
      await writeFile(path.join(dir, 'secure.yaml'), 'clouds:\n  sso:\n    auth:\n      client_secret: client-secret-5678\n');
      const calls = secretIdp.calls.length;
      const { r } = await run(['--os-cloud', 'sso', 'list', '-f', 'value', '-c', 'Name'], {}, home);
      assertOk(r);
      assert.equal(r.stdout, 'demo-img\n');
      assert.equal(secretIdp.calls.length, calls + 1);
    });
  });

  test('the token cache keeps identity providers and clients apart, and reuses each one\'s token', async () => {
    await withTempDir('img-oidc-cache-', async (home) => {
      const issue = async (env: Record<string, string | undefined>) => {
        const { r, reqs } = await run(['token', 'issue', '-f', 'value', '-c', 'id'], env, home);
        assertOk(r);
        return { id: r.stdout.trim(), idpCalls: reqs.filter((q) => /^\/idp\/\d+\/token$/.test(q.path)).length };
      };
      const a = await issue(idp.env('v3oidcpassword'));
      const b = await issue(secretIdp.env('v3oidcclientcredentials'));
      assert.notEqual(a.id, b.id);
      assert.deepEqual([a.idpCalls, b.idpCalls], [1, 1]);
      assert.deepEqual(await issue(idp.env('v3oidcpassword')), { id: a.id, idpCalls: 0 });
      assert.deepEqual(await issue(secretIdp.env('v3oidcclientcredentials')), { id: b.id, idpCalls: 0 });
    });
  });
});
