import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, UsageError } from '../../src/errors.js';
import {
  OS_FLAGS,
  loadImgSettings,
  needsPassword,
  resolveCloudConfig,
  validateForAuth,
  type ConfigInput,
} from '../../src/config/index.js';
import type { CloudConfig } from '../../src/config/types.js';
import { FIXTURES } from '../helpers/paths.js';

const roots: string[] = [];
after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

/**
 * A private file tree: <root>/home is the home directory, <root>/home/work the
 * cwd, <root>/etc/openstack the system dir, <root>/xdg the XDG_CONFIG_DIRS
 * entry, so nothing on the real machine is ever read.
 */
function sandbox(files: Record<string, string> = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'img-config-'));
  roots.push(root);
  fs.mkdirSync(path.join(root, 'home', 'work'), { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  const home = path.join(root, 'home');
  const cwd = path.join(home, 'work');
  const input = (
    env: Record<string, string | undefined> = {},
    flags: ConfigInput['flags'] = {},
    extra: Partial<ConfigInput> = {},
  ): ConfigInput => ({
    env: { XDG_CONFIG_DIRS: path.join(root, 'xdg'), ...env },
    flags,
    cwd,
    homeDir: home,
    systemConfigDir: path.join(root, 'etc', 'openstack'),
    ...extra,
  });
  return { root, home, cwd, input, resolve: (...a: Parameters<typeof input>) => resolveCloudConfig(input(...a)) };
}

const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, 'config', name), 'utf8');
const cloudsYaml = (clouds: string) => `clouds:\n${clouds}`;
const ONE = cloudsYaml('  one:\n    auth:\n      auth_url: http://one/v3\n');

async function rejects(p: Promise<unknown>, type: typeof ConfigError | typeof UsageError, ...parts: (string | RegExp)[]) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    for (const part of parts) {
      if (typeof part === 'string') assert.ok(err.message.includes(part), `"${err.message}" should include "${part}"`);
      else assert.match(err.message, part);
    }
    return true;
  });
}

describe('environment variables', () => {
  test('every OS_* variable maps to its setting', async () => {
    const { resolve } = sandbox();
    const cfg = await resolve({
      OS_AUTH_URL: 'http://k/v3',
      OS_USERNAME: 'alice',
      OS_USER_ID: 'uid',
      OS_PASSWORD: 'pw',
      OS_USER_DOMAIN_NAME: 'UD',
      OS_USER_DOMAIN_ID: 'udid',
      OS_PROJECT_NAME: 'proj',
      OS_PROJECT_ID: 'pid',
      OS_PROJECT_DOMAIN_NAME: 'PD',
      OS_PROJECT_DOMAIN_ID: 'pdid',
      OS_REGION_NAME: 'R1',
      OS_INTERFACE: 'internal',
      OS_IMAGE_URL: 'http://glance:9292',
      OS_IDENTITY_API_VERSION: '3',
      OS_IMAGE_API_VERSION: '2',
      OS_CACERT: '/ca.pem',
      OS_CERT: '/c.pem',
      OS_KEY: '/k.pem',
      OS_INSECURE: 'true',
    });
    assert.deepEqual(cfg, {
      auth: {
        authUrl: 'http://k/v3',
        authType: 'password',
        username: 'alice',
        userId: 'uid',
        password: 'pw',
        userDomainName: 'UD',
        userDomainId: 'udid',
        projectName: 'proj',
        projectId: 'pid',
        projectDomainName: 'PD',
        projectDomainId: 'pdid',
      },
      regionName: 'R1',
      interface: 'internal',
      imageUrl: 'http://glance:9292',
      identityApiVersion: '3',
      imageApiVersion: '2',
      cacert: '/ca.pem',
      cert: '/c.pem',
      key: '/k.pem',
      insecure: true,
    });
  });

  test('token, application credential and domain-scope variables', async () => {
    const { resolve } = sandbox();
    const tok = await resolve({ OS_AUTH_URL: 'u', OS_AUTH_TYPE: 'v3token', OS_TOKEN: 'tkn', OS_DOMAIN_NAME: 'D' });
    assert.equal(tok.auth.authType, 'token');
    assert.equal(tok.auth.token, 'tkn');
    assert.equal(tok.auth.domainName, 'D');
    const ac = await resolve({
      OS_AUTH_URL: 'u',
      OS_APPLICATION_CREDENTIAL_ID: 'acid',
      OS_APPLICATION_CREDENTIAL_SECRET: 'acs',
    });
    assert.equal(ac.auth.authType, 'v3applicationcredential');
    assert.equal(ac.auth.applicationCredentialId, 'acid');
    assert.equal(ac.auth.applicationCredentialSecret, 'acs');
    const acn = await resolve({ OS_APPLICATION_CREDENTIAL_NAME: 'acn', OS_DOMAIN_ID: 'did' });
    assert.equal(acn.auth.applicationCredentialName, 'acn');
    assert.equal(acn.auth.domainId, 'did');
  });

  test('defaults when nothing is set', async () => {
    const { resolve } = sandbox();
    assert.deepEqual(await resolve(), {
      auth: { authUrl: '', authType: 'password', userDomainId: 'default', projectDomainId: 'default' },
      interface: 'public',
      identityApiVersion: '3',
      imageApiVersion: '2',
      insecure: false,
    });
  });

  test('OS_TENANT_NAME / OS_TENANT_ID are fallbacks for the project', async () => {
    const { resolve } = sandbox();
    const t = await resolve({ OS_TENANT_NAME: 'tn', OS_TENANT_ID: 'tid' });
    assert.equal(t.auth.projectName, 'tn');
    assert.equal(t.auth.projectId, 'tid');
    const p = await resolve({ OS_TENANT_NAME: 'tn', OS_PROJECT_NAME: 'pn', OS_TENANT_ID: 'tid', OS_PROJECT_ID: 'pid' });
    assert.equal(p.auth.projectName, 'pn');
    assert.equal(p.auth.projectId, 'pid');
  });

  test('empty variables count as unset', async () => {
    const { resolve } = sandbox();
    const cfg = await resolve({ OS_PROJECT_NAME: '', OS_TENANT_NAME: 'tn', OS_INTERFACE: '', OS_AUTH_TYPE: '', OS_INSECURE: '' });
    assert.equal(cfg.auth.projectName, 'tn');
    assert.equal(cfg.interface, 'public');
    assert.equal(cfg.auth.authType, 'password');
    assert.equal(cfg.insecure, false);
  });

  test('values are not trimmed (osc does not trim)', async () => {
    const { resolve } = sandbox();
    assert.equal((await resolve({ OS_USERNAME: ' bob ' })).auth.username, ' bob ');
  });
});

describe('domains', () => {
  test('default domain fills user and project domain IDs for password auth', async () => {
    const { resolve } = sandbox();
    const d = await resolve({ OS_USERNAME: 'u', OS_PROJECT_NAME: 'p' });
    assert.equal(d.auth.userDomainId, 'default');
    assert.equal(d.auth.projectDomainId, 'default');
    const custom = await resolve({ OS_USERNAME: 'u', OS_DEFAULT_DOMAIN: 'dd' });
    assert.equal(custom.auth.userDomainId, 'dd');
    assert.equal(custom.auth.projectDomainId, 'dd');
    const flag = await resolve({ OS_DEFAULT_DOMAIN: 'dd' }, { osDefaultDomain: 'fd' });
    assert.equal(flag.auth.userDomainId, 'fd');
  });

  test('default domain does not override a given domain name or ID', async () => {
    const { resolve } = sandbox();
    const cfg = await resolve({ OS_USER_DOMAIN_NAME: 'UD', OS_PROJECT_DOMAIN_ID: 'pd', OS_DEFAULT_DOMAIN: 'dd' });
    assert.equal(cfg.auth.userDomainName, 'UD');
    assert.equal(cfg.auth.userDomainId, undefined);
    assert.equal(cfg.auth.projectDomainId, 'pd');
    assert.equal(cfg.auth.projectDomainName, undefined);
  });

  test('default domain is applied only to password auth, as osc does', async () => {
    const { resolve } = sandbox();
    const tok = await resolve({ OS_TOKEN: 't', OS_PROJECT_NAME: 'p' });
    assert.equal(tok.auth.userDomainId, undefined);
    assert.equal(tok.auth.projectDomainId, undefined);
  });

  test('OS_DOMAIN_* with a project becomes the user/project domain, not a domain scope', async () => {
    const { resolve } = sandbox();
    const cfg = await resolve({ OS_USERNAME: 'u', OS_PROJECT_NAME: 'p', OS_DOMAIN_NAME: 'D' });
    assert.equal(cfg.auth.userDomainName, 'D');
    assert.equal(cfg.auth.projectDomainName, 'D');
    assert.equal(cfg.auth.domainName, undefined);
    assert.equal(cfg.auth.userDomainId, undefined);
    const kept = await resolve({ OS_PROJECT_ID: 'p', OS_DOMAIN_ID: 'd', OS_USER_DOMAIN_NAME: 'UD' });
    assert.equal(kept.auth.userDomainName, 'UD');
    assert.equal(kept.auth.projectDomainId, 'd');
    assert.equal(kept.auth.domainId, undefined);
  });

  test('OS_DOMAIN_* without a project is a domain scope', async () => {
    const { resolve } = sandbox();
    const cfg = await resolve({ OS_USERNAME: 'u', OS_DOMAIN_ID: 'd' });
    assert.equal(cfg.auth.domainId, 'd');
    assert.equal(cfg.auth.userDomainId, 'default');
  });
});

describe('interface', () => {
  for (const [given, want] of [
    ['public', 'public'], ['internal', 'internal'], ['admin', 'admin'],
    ['publicURL', 'public'], ['internalURL', 'internal'], ['adminURL', 'admin'],
  ] as const) {
    test(`${given} → ${want}`, async () => {
      const { resolve } = sandbox();
      assert.equal((await resolve({ OS_INTERFACE: given })).interface, want);
    });
  }

  test('OS_ENDPOINT_TYPE is an alias; OS_INTERFACE wins over it', async () => {
    const { resolve } = sandbox();
    assert.equal((await resolve({ OS_ENDPOINT_TYPE: 'internalURL' })).interface, 'internal');
    assert.equal((await resolve({ OS_ENDPOINT_TYPE: 'internal', OS_INTERFACE: 'admin' })).interface, 'admin');
    assert.equal((await resolve({}, { osEndpointType: 'admin' })).interface, 'admin');
    assert.equal((await resolve({}, { osEndpointType: 'admin', osInterface: 'internal' })).interface, 'internal');
  });

  test('an invalid value names the variable and the allowed values', async () => {
    const { resolve } = sandbox();
    await rejects(resolve({ OS_INTERFACE: 'private' }), ConfigError, 'OS_INTERFACE', '"private"', 'public, internal or admin');
    await rejects(resolve({ OS_ENDPOINT_TYPE: 'Public' }), ConfigError, 'OS_ENDPOINT_TYPE');
    await rejects(resolve({}, { osInterface: 'x' }), UsageError, '--os-interface', 'public, internal or admin');
  });
});

describe('auth type', () => {
  for (const [given, want] of [
    ['password', 'password'], ['v3password', 'password'], ['token', 'token'], ['v3token', 'token'],
    ['v3applicationcredential', 'v3applicationcredential'],
  ] as const) {
    test(`OS_AUTH_TYPE=${given} → ${want}`, async () => {
      const { resolve } = sandbox();
      assert.equal((await resolve({ OS_AUTH_TYPE: given, OS_PASSWORD: 'p' })).auth.authType, want);
    });
  }

  test('inferred from the credentials when unset', async () => {
    const { resolve } = sandbox();
    assert.equal((await resolve({ OS_TOKEN: 't' })).auth.authType, 'token');
    assert.equal((await resolve({ OS_TOKEN: 't', OS_USERNAME: 'u' })).auth.authType, 'token');
    assert.equal((await resolve({ OS_TOKEN: 't', OS_PASSWORD: 'p' })).auth.authType, 'password');
    assert.equal((await resolve({ OS_APPLICATION_CREDENTIAL_SECRET: 's' })).auth.authType, 'v3applicationcredential');
    assert.equal((await resolve({ OS_APPLICATION_CREDENTIAL_ID: 'i', OS_TOKEN: 't' })).auth.authType, 'v3applicationcredential');
    assert.equal((await resolve({ OS_USERNAME: 'u' })).auth.authType, 'password');
    // a password the caller collected counts too
    assert.equal((await resolve({ OS_TOKEN: 't' }, {}, { password: 'typed' })).auth.authType, 'password');
  });

  test('an explicit type beats inference', async () => {
    const { resolve } = sandbox();
    assert.equal((await resolve({ OS_AUTH_TYPE: 'password', OS_TOKEN: 't' })).auth.authType, 'password');
    assert.equal((await resolve({ OS_AUTH_TYPE: 'token' }, { osAuthType: 'v3applicationcredential' })).auth.authType,
      'v3applicationcredential');
  });

  test('an unsupported type is rejected with the supported list', async () => {
    const { resolve } = sandbox();
    await rejects(resolve({ OS_AUTH_TYPE: 'v2password' }), ConfigError, 'OS_AUTH_TYPE', '"v2password"', 'v3applicationcredential');
    await rejects(resolve({ OS_AUTH_TYPE: 'applicationcredential' }), ConfigError, 'OS_AUTH_TYPE');
    await rejects(resolve({ OS_AUTH_TYPE: 'constructor' }), ConfigError, 'OS_AUTH_TYPE');
    await rejects(resolve({}, { osAuthType: 'oidc' }), UsageError, '--os-auth-type');
  });
});

describe('API versions', () => {
  test('identity v3 only', async () => {
    const { resolve } = sandbox();
    assert.equal((await resolve({ OS_IDENTITY_API_VERSION: '3' })).identityApiVersion, '3');
    assert.equal((await resolve({ OS_IDENTITY_API_VERSION: '3.0' })).identityApiVersion, '3');
    await rejects(resolve({ OS_IDENTITY_API_VERSION: '2.0' }), ConfigError, 'OS_IDENTITY_API_VERSION', '"2.0"', 'v3');
    await rejects(resolve({}, { osIdentityApiVersion: '2' }), UsageError, '--os-identity-api-version');
  });

  test('image v2 only', async () => {
    const { resolve } = sandbox();
    assert.equal((await resolve({ OS_IMAGE_API_VERSION: '2' })).imageApiVersion, '2');
    assert.equal((await resolve({ OS_IMAGE_API_VERSION: '2.16' })).imageApiVersion, '2');
    await rejects(resolve({ OS_IMAGE_API_VERSION: '1' }), ConfigError, 'OS_IMAGE_API_VERSION', '"1"', 'v2');
  });
});

describe('OS_INSECURE', () => {
  for (const [given, want] of [
    ['true', true], ['TRUE', true], ['1', true], ['yes', true], ['Yes', true],
    ['false', false], ['False', false], ['0', false], ['no', false], ['NO', false],
  ] as const) {
    test(`${given} → ${want}`, async () => {
      const { resolve } = sandbox();
      assert.equal((await resolve({ OS_INSECURE: given })).insecure, want);
    });
  }

  test('anything else is an error naming the variable and the accepted values', async () => {
    const { resolve } = sandbox();
    await rejects(resolve({ OS_INSECURE: 'maybe' }), ConfigError, 'OS_INSECURE', '"maybe"', 'true, false, 1, 0, yes or no');
    await rejects(resolve({}, { insecure: 'sure' }), UsageError, '--insecure');
  });

  test('--insecure wins over OS_INSECURE', async () => {
    const { resolve } = sandbox();
    assert.equal((await resolve({ OS_INSECURE: 'false' }, { insecure: true })).insecure, true);
  });
});

describe('flags', () => {
  test('every flag wins over its variable', async () => {
    const { resolve } = sandbox();
    const env: Record<string, string> = {};
    const flags: ConfigInput['flags'] = {};
    const values: Record<string, string> = {
      osInterface: 'admin', osEndpointType: 'admin', osIdentityApiVersion: '3', osImageApiVersion: '2',
      osAuthType: 'password', osRegionName: 'flag-region', osAccessTokenType: 'id_token', osAuthMethods: 'v3totp',
    };
    // System and trust scope exclude the project scope set here: they have a test of their own below.
    for (const def of OS_FLAGS) {
      if (def.key === 'osCloud' || def.key === 'insecure' || def.key === 'osSystemScope' || def.key === 'osTrustId') continue;
      for (const name of def.env) env[name] = 'from-env';
      flags[def.key] = values[def.key] ?? `flag-${def.key}`;
    }
    env['OS_INTERFACE'] = 'internal';
    env['OS_AUTH_TYPE'] = 'token';
    const cfg = await resolve(env, flags);
    assert.equal(cfg.auth.authUrl, 'flag-osAuthUrl');
    assert.equal(cfg.auth.authType, 'password');
    assert.equal(cfg.auth.username, 'flag-osUsername');
    assert.equal(cfg.auth.userId, 'flag-osUserId');
    assert.equal(cfg.auth.userDomainName, 'flag-osUserDomainName');
    assert.equal(cfg.auth.userDomainId, 'flag-osUserDomainId');
    assert.equal(cfg.auth.projectName, 'flag-osProjectName');
    assert.equal(cfg.auth.projectId, 'flag-osProjectId');
    assert.equal(cfg.auth.projectDomainName, 'flag-osProjectDomainName');
    assert.equal(cfg.auth.projectDomainId, 'flag-osProjectDomainId');
    assert.equal(cfg.auth.applicationCredentialId, 'flag-osApplicationCredentialId');
    assert.equal(cfg.auth.applicationCredentialName, 'flag-osApplicationCredentialName');
    assert.equal(cfg.regionName, 'flag-region');
    assert.equal(cfg.interface, 'admin');
    assert.equal(cfg.imageUrl, 'flag-osImageUrl');
    assert.equal(cfg.cacert, 'flag-osCacert');
    assert.equal(cfg.cert, 'flag-osCert');
    assert.equal(cfg.key, 'flag-osKey');
    const scoped = await resolve({ OS_DOMAIN_NAME: 'env' }, { osDomainName: 'flag' });
    assert.equal(scoped.auth.domainName, 'flag');
    assert.equal(cfg.auth.passcode, 'flag-osPasscode');
    assert.deepEqual(cfg.auth.authMethods, ['v3totp']);
    assert.equal(cfg.auth.identityProvider, 'flag-osIdentityProvider');
    assert.equal(cfg.auth.protocol, 'flag-osProtocol');
    assert.equal(cfg.auth.clientId, 'flag-osClientId');
    assert.equal(cfg.auth.discoveryEndpoint, 'flag-osDiscoveryEndpoint');
    assert.equal(cfg.auth.accessTokenEndpoint, 'flag-osAccessTokenEndpoint');
    assert.equal(cfg.auth.openidScope, 'flag-osOpenidScope');
    assert.equal(cfg.auth.accessTokenType, 'id_token');
    assert.equal(cfg.auth.redirectUri, 'flag-osRedirectUri');
  });

  test('--os-system-scope and --os-trust-id win over their variables', async () => {
    const { resolve } = sandbox();
    assert.equal((await resolve({ OS_SYSTEM_SCOPE: 'everything' }, { osSystemScope: 'all' })).auth.systemScope, 'all');
    assert.equal((await resolve({ OS_TRUST_ID: 'env-trust' }, { osTrustId: 'flag-trust' })).auth.trustId, 'flag-trust');
  });

  test('a value-taking flag given as a boolean is a usage error', async () => {
    const { resolve } = sandbox();
    await rejects(resolve({}, { osAuthUrl: true }), UsageError, '--os-auth-url');
  });

  test('OS_FLAGS: unique commander names, env vars in the help, no secret flags', () => {
    const keys = OS_FLAGS.map((f) => f.key);
    assert.equal(new Set(keys).size, keys.length);
    for (const f of OS_FLAGS) {
      const camel = f.flag.split(' ')[0]!.replace(/^--/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
      assert.equal(camel, f.key, f.flag);
      assert.ok(f.env.length > 0);
      for (const e of f.env) assert.ok(f.help.includes(e), `${f.flag} help should mention ${e}`);
      // The token endpoint's URL and which token to use are settings, not secrets.
      if (f.key !== 'osAccessTokenEndpoint' && f.key !== 'osAccessTokenType') assert.doesNotMatch(f.flag, /password|token|secret/i);
    }
    for (const need of ['OS_AUTH_URL', 'OS_CLOUD', 'OS_TENANT_NAME', 'OS_ENDPOINT_TYPE', 'OS_INSECURE', 'OS_IMAGE_URL']) {
      assert.ok(OS_FLAGS.some((f) => f.env.includes(need)), need);
    }
  });
});

describe('clouds.yaml search', () => {
  const named = (name: string) => cloudsYaml(`  c:\n    auth:\n      auth_url: ${name}\n`);

  test('search order: OS_CLIENT_CONFIG_FILE, cwd, XDG_CONFIG_HOME, ~/.config/openstack, XDG_CONFIG_DIRS, /etc/openstack', async () => {
    const layout: [string, string][] = [
      ['explicit/my-clouds.yaml', 'explicit'],
      ['home/work/clouds.yaml', 'cwd'],
      ['xdghome/openstack/clouds.yaml', 'xdg-home'],
      ['home/.config/openstack/clouds.yaml', 'user'],
      ['xdg/openstack/clouds.yaml', 'xdg-dirs'],
      ['etc/openstack/clouds.yaml', 'system'],
    ];
    for (let i = 0; i < layout.length; i++) {
      const files = Object.fromEntries(layout.slice(i).map(([p, n]) => [p, named(n)]));
      const { resolve, root } = sandbox(files);
      const cfg = await resolve({
        OS_CLOUD: 'c',
        OS_CLIENT_CONFIG_FILE: path.join(root, 'explicit', 'my-clouds.yaml'),
        XDG_CONFIG_HOME: path.join(root, 'xdghome'),
      });
      assert.equal(cfg.auth.authUrl, layout[i]![1]);
    }
  });

  test('.yaml before .yml before .json in one directory; the first file wins outright', async () => {
    const base = { 'home/work/clouds.yml': named('yml'), 'home/work/clouds.json': JSON.stringify({ clouds: { c: { auth: { auth_url: 'json' } } } }) };
    const a = sandbox({ ...base, 'home/work/clouds.yaml': named('yaml') });
    assert.equal((await a.resolve({ OS_CLOUD: 'c' })).auth.authUrl, 'yaml');
    const b = sandbox(base);
    assert.equal((await b.resolve({ OS_CLOUD: 'c' })).auth.authUrl, 'yml');
    const c = sandbox({ 'home/work/clouds.json': base['home/work/clouds.json'], 'etc/openstack/clouds.yaml': named('system') });
    assert.equal((await c.resolve({ OS_CLOUD: 'c' })).auth.authUrl, 'json');
    // files are not merged: a cloud only in a later file is not found
    const d = sandbox({ 'home/work/clouds.yaml': named('cwd'), 'etc/openstack/clouds.yaml': cloudsYaml('  other: {}\n') });
    await rejects(d.resolve({ OS_CLOUD: 'other' }), ConfigError, 'defined clouds: c');
  });

  test('a missing OS_CLIENT_CONFIG_FILE falls through to the search path, as openstacksdk does', async () => {
    const { resolve, root } = sandbox({ 'home/work/clouds.yaml': named('cwd') });
    const cfg = await resolve({ OS_CLOUD: 'c', OS_CLIENT_CONFIG_FILE: path.join(root, 'nope.yaml') });
    assert.equal(cfg.auth.authUrl, 'cwd');
  });

  test('OS_CLIENT_CONFIG_FILE is resolved against cwd and read as YAML unless it ends in .json', async () => {
    const { resolve } = sandbox({ 'home/work/conf/os.conf': named('conf') });
    assert.equal((await resolve({ OS_CLOUD: 'c', OS_CLIENT_CONFIG_FILE: 'conf/os.conf' })).auth.authUrl, 'conf');
  });

  test('a .js clouds file is parsed as data, never executed', async () => {
    const { resolve, root } = sandbox();
    const marker = path.join(root, 'executed');
    const js = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); module.exports = {};\n`;
    fs.writeFileSync(path.join(root, 'clouds.js'), js);
    await rejects(resolve({ OS_CLOUD: 'c', OS_CLIENT_CONFIG_FILE: path.join(root, 'clouds.js') }), ConfigError, 'clouds.js');
    assert.equal(fs.existsSync(marker), false);
  });

  test('$import is refused', async () => {
    const { resolve, root } = sandbox({ 'home/work/clouds.yaml': `$import: ${path.join(FIXTURES, 'config', 'clouds.yaml')}\n` });
    await rejects(resolve({ OS_CLOUD: 'devstack' }), ConfigError, '$import', path.join(root, 'home/work/clouds.yaml'));
  });
});

describe('clouds.yaml contents', () => {
  const withFixtures = () => sandbox({
    'home/.config/openstack/clouds.yaml': fixture('clouds.yaml'),
    'home/.config/openstack/secure.yaml': fixture('secure.yaml'),
  });

  test('a named cloud, with secure.yaml merged in', async () => {
    const { resolve, home } = withFixtures();
    const cfg = await resolve({ OS_CLOUD: 'devstack' });
    assert.deepEqual(cfg, {
      cloudName: 'devstack',
      auth: {
        authUrl: 'http://keystone.example:5000/v3',
        authType: 'password',
        username: 'demo',
        password: 's3cret-devstack',
        userDomainName: 'Default',
        projectName: 'demo',
        projectDomainId: 'default',
      },
      regionName: 'RegionOne',
      interface: 'internal',
      identityApiVersion: '3',
      imageApiVersion: '2',
      cacert: path.join(home, 'certs', 'ca.pem'),
      insecure: false,
    });
  });

  test('auth_type, regions with values, and verify: false', async () => {
    const { resolve } = withFixtures();
    const one = await resolve({ OS_CLOUD: 'appcred' });
    assert.equal(one.auth.authType, 'v3applicationcredential');
    assert.equal(one.auth.applicationCredentialSecret, 's3cret-appcred');
    assert.equal(one.regionName, 'RegionOne');
    assert.equal(one.imageUrl, undefined);
    assert.equal(one.insecure, true);
    const two = await resolve({ OS_CLOUD: 'appcred', OS_REGION_NAME: 'RegionTwo' });
    assert.equal(two.regionName, 'RegionTwo');
    assert.equal(two.imageUrl, 'http://glance.region-two.example:9292');
    await rejects(resolve({ OS_CLOUD: 'appcred' }, { osRegionName: 'regionone' }), ConfigError,
      'Region "regionone"', '--os-region-name', 'RegionOne, RegionTwo');
  });

  test('secure.yaml is deep-merged: it adds keys without dropping the others', async () => {
    const { resolve, root } = sandbox({
      'home/work/clouds.yaml': cloudsYaml('  c:\n    auth:\n      auth_url: u\n      username: a\n    region_name: R\n'),
      'etc/openstack/secure.yaml': cloudsYaml('  c:\n    auth:\n      username: b\n      password: pw\n'),
      'sec/s.json': JSON.stringify({ clouds: { c: { auth: { password: 'explicit' } } } }),
    });
    const cfg = await resolve({ OS_CLOUD: 'c' });
    assert.deepEqual([cfg.auth.authUrl, cfg.auth.username, cfg.auth.password, cfg.regionName], ['u', 'b', 'pw', 'R']);
    const explicit = await resolve({ OS_CLOUD: 'c', OS_CLIENT_SECURE_FILE: path.join(root, 'sec', 's.json') });
    assert.equal(explicit.auth.password, 'explicit');
  });

  test('environment and flags override the cloud; ID/name pairs come from one source', async () => {
    const { resolve } = withFixtures();
    const cfg = await resolve(
      { OS_CLOUD: 'devstack', OS_AUTH_URL: 'http://env/v3', OS_PROJECT_ID: 'env-pid', OS_INTERFACE: 'public', OS_PASSWORD: 'envpw' },
      { osUsername: 'flaguser', osRegionName: 'RegionOne' },
    );
    assert.equal(cfg.auth.authUrl, 'http://env/v3');
    assert.equal(cfg.auth.projectId, 'env-pid');
    assert.equal(cfg.auth.projectName, undefined, 'a clouds.yaml project name must not mix with an env project ID');
    assert.equal(cfg.auth.username, 'flaguser');
    assert.equal(cfg.auth.password, 'envpw');
    assert.equal(cfg.auth.userDomainName, 'Default');
    assert.equal(cfg.interface, 'public');
    const typed = await resolve({ OS_CLOUD: 'devstack', OS_PASSWORD: 'envpw' }, {}, { password: 'typed' });
    assert.equal(typed.auth.password, 'typed');
  });

  test('OS_INSECURE=false overrides verify: false', async () => {
    const { resolve } = withFixtures();
    assert.equal((await resolve({ OS_CLOUD: 'appcred', OS_INSECURE: 'false' })).insecure, false);
  });

  test('legacy keys: hyphens, tenant_name, top-level auth options, auth_plugin, endpoint_type, numbers', async () => {
    const { resolve } = sandbox({
      'home/work/clouds.yaml': cloudsYaml([
        '  legacy:',
        '    auth_plugin: v3password',
        '    endpoint_type: internalURL',
        '    identity-api-version: 3',
        '    project_domain_name: PD',
        '    username: top-user',
        '    insecure: "yes"',
        '    auth:',
        '      auth-url: http://legacy/v3',
        '      tenant_name: tn',
        '      password: 1234',
        '',
      ].join('\n')),
    });
    const cfg = await resolve({ OS_CLOUD: 'legacy' });
    assert.equal(cfg.auth.authType, 'password');
    assert.equal(cfg.interface, 'internal');
    assert.equal(cfg.auth.authUrl, 'http://legacy/v3');
    assert.equal(cfg.auth.projectName, 'tn');
    assert.equal(cfg.auth.projectDomainName, 'PD');
    assert.equal(cfg.auth.username, 'top-user');
    assert.equal(cfg.auth.password, '1234');
    assert.equal(cfg.insecure, true);
  });

  test('invalid values in the file name the key, the cloud and the file', async () => {
    const { resolve, cwd } = sandbox({
      'home/work/clouds.yaml': cloudsYaml('  c:\n    interface: private\n  d:\n    verify: sometimes\n  e:\n    auth: [1]\n  f:\n    auth:\n      password: [a]\n'),
    });
    const file = path.join(cwd, 'clouds.yaml');
    await rejects(resolve({ OS_CLOUD: 'c' }), ConfigError, '"interface" of cloud "c"', file, 'public, internal or admin');
    await rejects(resolve({ OS_CLOUD: 'd' }), ConfigError, '"verify" of cloud "d"', 'true, false');
    await rejects(resolve({ OS_CLOUD: 'e' }), ConfigError, '"auth" of cloud "e"');
    await rejects(resolve({ OS_CLOUD: 'f' }), ConfigError, '"auth.password" of cloud "f"', 'must be a string');
  });
});

describe('cloud selection', () => {
  test('the only cloud is used when none is named', async () => {
    const { resolve } = sandbox({ 'home/work/clouds.yaml': ONE });
    const cfg = await resolve();
    assert.equal(cfg.cloudName, 'one');
    assert.equal(cfg.auth.authUrl, 'http://one/v3');
    // OS_REGION_NAME and OS_CLIENT_* only select; they do not switch to environment-only mode
    assert.equal((await resolve({ OS_REGION_NAME: 'R' })).cloudName, 'one');
  });

  test('…but not when OS_* credentials are in the environment (openstacksdk "envvars" cloud)', async () => {
    const { resolve } = sandbox({ 'home/work/clouds.yaml': ONE });
    const cfg = await resolve({ OS_AUTH_URL: 'http://env/v3' });
    assert.equal(cfg.cloudName, undefined);
    assert.equal(cfg.auth.authUrl, 'http://env/v3');
    assert.equal((await resolve({ OS_PASSWORD: 'pw' })).auth.authUrl, '');
  });

  test('several clouds and none named: environment only', async () => {
    const { resolve } = sandbox({ 'home/work/clouds.yaml': fixture('clouds.yaml') });
    const cfg = await resolve();
    assert.equal(cfg.cloudName, undefined);
    assert.throws(() => validateForAuth(cfg), /--os-cloud or OS_CLOUD/);
  });

  test('--os-cloud beats OS_CLOUD, which beats the img "cloud" setting', async () => {
    const { resolve } = sandbox({ 'home/work/clouds.yaml': fixture('clouds.yaml') });
    assert.equal((await resolve({ OS_CLOUD: 'appcred' }, { osCloud: 'devstack' }, { cloudFromSettings: 'appcred' })).cloudName, 'devstack');
    assert.equal((await resolve({ OS_CLOUD: 'appcred' }, {}, { cloudFromSettings: 'devstack' })).cloudName, 'appcred');
    assert.equal((await resolve({ OS_USERNAME: 'u' }, {}, { cloudFromSettings: 'devstack' })).cloudName, 'devstack');
  });

  test('a named cloud that does not exist lists the defined clouds', async () => {
    const { resolve, cwd } = sandbox({ 'home/work/clouds.yaml': fixture('clouds.yaml') });
    await rejects(resolve({ OS_CLOUD: 'prod' }), ConfigError, 'Cloud "prod"', 'OS_CLOUD', path.join(cwd, 'clouds.yaml'),
      'defined clouds: devstack, appcred');
    await rejects(resolve({}, { osCloud: 'prod' }), ConfigError, '--os-cloud');
    await rejects(resolve({ OS_CLOUD: '__proto__' }), ConfigError, 'Cloud "__proto__"');
  });

  test('a named cloud with no clouds file at all says where it looked', async () => {
    const { resolve, home } = sandbox();
    await rejects(resolve({ OS_CLOUD: 'x' }), ConfigError, 'Cloud "x"', 'no clouds.yaml', path.join(home, '.config', 'openstack'));
  });

  test('an empty clouds.yaml defines no clouds', async () => {
    const { resolve } = sandbox({ 'home/work/clouds.yaml': '', 'etc/openstack/clouds.yaml': ONE });
    await rejects(resolve({ OS_CLOUD: 'one' }), ConfigError, 'defined clouds: none');
  });
});

describe('malformed files', () => {
  test('bad YAML: ConfigError naming the file and line, without quoting content', async () => {
    const { resolve, cwd } = sandbox({ 'home/work/clouds.yaml': fixture('malformed.yaml') });
    await rejects(resolve(), ConfigError, path.join(cwd, 'clouds.yaml'), /line \d+/);
    await assert.rejects(resolve(), (err: Error) => !err.message.includes('s3cret') && !err.message.includes('misindented'));
  });

  test('bad JSON: ConfigError naming the file, without quoting content', async () => {
    const { resolve, cwd } = sandbox({ 'home/work/clouds.json': '{"clouds": {"c": {"auth": {"password": "s3cret-json",}}}}' });
    await rejects(resolve(), ConfigError, path.join(cwd, 'clouds.json'), 'invalid JSON');
    await assert.rejects(resolve(), (err: Error) => !err.message.includes('s3cret'));
  });

  test('wrong shapes', async () => {
    const a = sandbox({ 'home/work/clouds.yaml': '- just\n- a list\n' });
    await rejects(a.resolve(), ConfigError, 'clouds.yaml', 'mapping');
    const b = sandbox({ 'home/work/clouds.yaml': 'clouds: [a, b]\n' });
    await rejects(b.resolve(), ConfigError, '"clouds" must map');
    const c = sandbox({ 'home/work/clouds.yaml': 'clouds:\n  a: 3\n' });
    await rejects(c.resolve(), ConfigError, 'cloud "a" must be a mapping');
    const d = sandbox({ 'home/work/secure.yaml': 'clouds:\n  a: [x]\n' });
    await rejects(d.resolve(), ConfigError, 'secure.yaml', 'cloud "a"');
  });
});

describe('validateForAuth and needsPassword', () => {
  const base = (auth: Partial<CloudConfig['auth']>, cloudName?: string): CloudConfig => ({
    ...(cloudName ? { cloudName } : {}),
    auth: { authUrl: 'http://k/v3', authType: 'password', ...auth },
    interface: 'public',
    identityApiVersion: '3',
    imageApiVersion: '2',
    insecure: false,
  });
  const SECRETS = ['pw-SECRET', 'tok-SECRET', 'ac-SECRET'];
  const message = (cfg: CloudConfig): string => {
    try {
      validateForAuth(cfg);
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      for (const s of SECRETS) assert.ok(!err.message.includes(s), 'secret leaked into the message');
      return err.message;
    }
    return '';
  };

  test('complete configurations pass', () => {
    assert.equal(message(base({ username: 'u', password: 'pw-SECRET' })), '');
    assert.equal(message(base({ userId: 'u', password: 'pw-SECRET' })), '');
    assert.equal(message(base({ authType: 'token', token: 'tok-SECRET' })), '');
    assert.equal(message(base({ authType: 'v3applicationcredential', applicationCredentialId: 'i', applicationCredentialSecret: 'ac-SECRET' })), '');
    assert.equal(message(base({ authType: 'v3applicationcredential', applicationCredentialName: 'n', userId: 'u', applicationCredentialSecret: 'ac-SECRET' })), '');
  });

  test('missing auth URL names OS_AUTH_URL and --os-auth-url (and --os-cloud when no cloud is selected)', () => {
    const m = message(base({ authUrl: '', username: 'u', password: 'pw-SECRET' }));
    assert.match(m, /^Missing auth URL: set OS_AUTH_URL or pass --os-auth-url/);
    assert.match(m, /--os-cloud or OS_CLOUD/);
    assert.doesNotMatch(message(base({ authUrl: '', username: 'u', password: 'pw-SECRET' }, 'c')), /OS_CLOUD/);
  });

  test('password auth: user and password', () => {
    const m = message(base({ password: 'pw-SECRET' }));
    for (const s of ['Missing user', 'OS_USERNAME', 'OS_USER_ID', '--os-username', '--os-user-id']) assert.ok(m.includes(s), s);
    assert.equal(message(base({ username: 'u' })), 'Missing password: set OS_PASSWORD (or use --password-stdin)');
  });

  test('token auth without a token', () => {
    assert.equal(message(base({ authType: 'token' })), 'Missing token for --os-auth-type token: set OS_TOKEN');
  });

  test('application credentials', () => {
    const ac = (a: Partial<CloudConfig['auth']>) => message(base({ authType: 'v3applicationcredential', ...a }));
    const none = ac({ applicationCredentialSecret: 'ac-SECRET' });
    for (const s of ['OS_APPLICATION_CREDENTIAL_ID', '--os-application-credential-id', 'OS_APPLICATION_CREDENTIAL_NAME']) {
      assert.ok(none.includes(s), s);
    }
    const noUser = ac({ applicationCredentialName: 'n', applicationCredentialSecret: 'ac-SECRET' });
    assert.match(noUser, /Missing user for application credential name: .*OS_USERNAME.*--os-username/);
    assert.equal(ac({ applicationCredentialId: 'i' }), 'Missing application credential secret: set OS_APPLICATION_CREDENTIAL_SECRET');
  });

  test('several problems are reported together, on one line', () => {
    const m = message(base({ authUrl: '', password: 'pw-SECRET' }, 'c'));
    assert.equal(m.split('; ').length, 2);
    assert.doesNotMatch(m, /\n/);
  });

  test('needsPassword only when the password is the one thing missing', () => {
    assert.equal(needsPassword(base({ username: 'u' })), true);
    assert.equal(needsPassword(base({ username: 'u', password: 'pw-SECRET' })), false);
    assert.equal(needsPassword(base({})), false, 'no user: report that instead of prompting');
    assert.equal(needsPassword(base({ username: 'u', authUrl: '' })), false);
    assert.equal(needsPassword(base({ authType: 'token' })), false);
  });

  test('end to end: resolve → needsPassword → resolve with the password → validate', async () => {
    const { resolve } = sandbox();
    const env = { OS_AUTH_URL: 'http://k/v3', OS_USERNAME: 'u', OS_PROJECT_NAME: 'p' };
    const first = await resolve(env);
    assert.equal(needsPassword(first), true);
    const second = await resolve(env, {}, { password: 'pw-SECRET' });
    assert.equal(needsPassword(second), false);
    validateForAuth(second);
  });
});

describe('img settings', () => {
  test('no file: empty settings', async () => {
    const { cwd, home } = sandbox();
    assert.deepEqual(await loadImgSettings(cwd, home, {}), {});
  });

  test('found in cwd first, then ~/.config/img; never in a parent of cwd', async () => {
    const order: [string, string][] = [
      ['home/work/.imgrc', 'cloud: cwd-rc\n'],
      ['home/work/.imgrc.json', '{"cloud": "cwd-json"}'],
      ['home/work/.config/imgrc.yaml', 'cloud: cwd-dotconfig\n'],
      ['home/work/img.config.yml', 'cloud: cwd-img-config\n'],
      ['home/.config/img/config.yaml', 'cloud: global\n'],
    ];
    for (let i = 0; i < order.length; i++) {
      // A settings file in the parent (here: home) is there every time and never wins.
      const { cwd, home, root } = sandbox({ ...Object.fromEntries(order.slice(i)), 'home/.imgrc.yaml': 'cloud: parent\n' });
      const s = await loadImgSettings(cwd, home, {});
      assert.equal(s.cloud, order[i]![1].match(/(cwd-[a-z-]+|global)/)![1]);
      assert.equal(s.configFile, path.join(root, order[i]![0]));
    }
    // Changed with issue #10: cwd's parents used to be searched up to home (or to / outside home).
    const { cwd, home } = sandbox({ 'home/.imgrc.yaml': 'cloud: parent\n', '.imgrc': 'cloud: above-home\n' });
    assert.deepEqual(await loadImgSettings(cwd, home, {}), {});
  });

  test('XDG_CONFIG_HOME moves the global directory; a relative one is ignored', async () => {
    const { cwd, home, root } = sandbox({
      'xdgcfg/img/config.json': '{"format": "json"}',
      'home/work/rel/img/config.json': '{"format": "yaml"}',
      'home/.config/img/config.json': '{"format": "csv"}',
    });
    assert.equal((await loadImgSettings(cwd, home, { XDG_CONFIG_HOME: path.join(root, 'xdgcfg') })).format, 'json');
    assert.equal((await loadImgSettings(cwd, home, { XDG_CONFIG_HOME: 'rel' })).format, 'csv');
  });

  test('all keys, and empty files are skipped', async () => {
    const { cwd, home } = sandbox({
      'home/work/.imgrc': '',
      'home/.config/img/config.yml': 'cloud: c\nformat: yaml\nprogress: false\ntokenCache: true\n',
    });
    const s = await loadImgSettings(cwd, home, {});
    assert.deepEqual({ ...s, configFile: undefined }, { cloud: 'c', format: 'yaml', progress: false, tokenCache: true, configFile: undefined });
  });

  test('unknown keys and wrong types are errors naming the file', async () => {
    const a = sandbox({ 'home/work/.imgrc.yaml': 'tokencache: false\n' });
    await rejects(loadImgSettings(a.cwd, a.home, {}), ConfigError, '.imgrc.yaml', 'unknown setting "tokencache"', 'tokenCache');
    const b = sandbox({ 'home/work/.imgrc.json': '{"progress": "yes"}' });
    await rejects(loadImgSettings(b.cwd, b.home, {}), ConfigError, '.imgrc.json', '"progress"', 'true or false');
    const c = sandbox({ 'home/work/.imgrc': 'cloud: [x\n' });
    await rejects(loadImgSettings(c.cwd, c.home, {}), ConfigError, '.imgrc', 'invalid YAML');
    const d = sandbox({ 'home/work/.imgrc': '"just a string"\n' });
    await rejects(loadImgSettings(d.cwd, d.home, {}), ConfigError, 'expected a mapping');
  });

  test('JS config files are never loaded', async () => {
    const { cwd, home, root } = sandbox();
    const marker = path.join(root, 'executed');
    const js = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); module.exports = { cloud: 'js' };\n`;
    for (const name of ['.imgrc.js', '.imgrc.cjs', 'img.config.js', '.config/imgrc.js']) {
      fs.mkdirSync(path.dirname(path.join(cwd, name)), { recursive: true });
      fs.writeFileSync(path.join(cwd, name), js);
    }
    fs.mkdirSync(path.join(home, '.config', 'img'), { recursive: true });
    fs.writeFileSync(path.join(home, '.config', 'img', 'config.js'), js);
    assert.deepEqual(await loadImgSettings(cwd, home, {}), {});
    assert.equal(fs.existsSync(marker), false);
  });

  test("cosmiconfig's meta config in the process cwd is never read: its code never runs, its data redirects nothing", async () => {
    const { cwd, home, root } = sandbox();
    const marker = path.join(root, 'executed');
    fs.mkdirSync(path.join(root, '.config'));
    fs.writeFileSync(path.join(root, '.config', 'config.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x');\n`);
    const before = process.cwd();
    process.chdir(root);
    try {
      assert.deepEqual(await loadImgSettings(cwd, home, {}), {});
      // A config file to read: cosmiconfig is loaded and creates its explorer, but not from here.
      // (Changed with issue #10: img used to refuse to run here, which let anyone who can write the
      // working directory, /tmp say, stop img.)
      fs.writeFileSync(path.join(cwd, '.imgrc.yaml'), 'format: json\n');
      fs.writeFileSync(path.join(cwd, 'clouds.yaml'), 'clouds: {a: {auth: {auth_url: http://x}}}\n');
      assert.equal((await loadImgSettings(cwd, home, {})).format, 'json');
      const cfg = await resolveCloudConfig({ env: {}, flags: {}, cwd, homeDir: home, systemConfigDir: root });
      assert.equal(cfg.auth.authUrl, 'http://x');
      assert.equal(fs.existsSync(marker), false);
      fs.rmSync(path.join(cwd, '.imgrc.yaml'));
      // data-only meta config is not read either
      fs.rmSync(path.join(root, '.config', 'config.js'));
      fs.writeFileSync(path.join(root, '.config', 'config.yaml'), 'searchPlaces: [evil.yaml]\n');
      fs.writeFileSync(path.join(cwd, 'evil.yaml'), 'cloud: evil\n');
      assert.deepEqual(await loadImgSettings(cwd, home, {}), {});
    } finally {
      process.chdir(before);
    }
    assert.equal(fs.existsSync(marker), false);
  });
});

/** The uid/gid of `nobody` on Debian: the other user that plants files in these tests. */
const NOBODY = 65534;

/** These tests change file owners: they need root, and fail (never skip) without it. */
function requireRoot(): void {
  assert.equal(process.geteuid?.(), 0, 'this test plants files owned by another user (chown) and must run as root');
}

describe('only files the user controls are read (issue #10)', () => {
  const collect = () => {
    const warnings: string[] = [];
    return { warnings, warn: (m: string) => warnings.push(m) };
  };

  test('a settings file in cwd owned by another user is skipped and named; the next one is read', async () => {
    requireRoot();
    const { cwd, home } = sandbox({ 'home/work/.imgrc': 'cloud: planted\n', 'home/.config/img/config.yaml': 'cloud: mine\n' });
    fs.chownSync(path.join(cwd, '.imgrc'), NOBODY, NOBODY);
    const { warnings, warn } = collect();
    assert.equal((await loadImgSettings(cwd, home, {}, warn)).cloud, 'mine');
    assert.deepEqual(warnings, [`warning: ignoring ${path.join(cwd, '.imgrc')}: owned by uid ${NOBODY}`]);
  });

  test('nothing in a cwd that others can write, or that is not the user\'s own, is read', async () => {
    requireRoot();
    for (const [mode, owner, why] of [
      [0o1777, 0, 'is writable by group or others (mode 01777)'],
      [0o775, 0, 'is writable by group or others (mode 0775)'],
      [0o755, NOBODY, `is owned by uid ${NOBODY}`],
    ] as const) {
      const { cwd, home, resolve } = sandbox({ 'home/work/.imgrc.yaml': 'format: json\n', 'home/work/clouds.yaml': ONE });
      fs.chmodSync(cwd, mode);
      fs.chownSync(cwd, owner, owner);
      const { warnings, warn } = collect();
      assert.deepEqual(await loadImgSettings(cwd, home, {}, warn), {});
      const cfg = await resolve({}, {}, { warn });
      assert.equal(cfg.cloudName, undefined, 'the cwd clouds.yaml must not be used');
      assert.deepEqual(warnings, [
        `warning: ignoring ${path.join(cwd, '.imgrc.yaml')}: its directory ${cwd} ${why}`,
        `warning: ignoring ${path.join(cwd, 'clouds.yaml')}: its directory ${cwd} ${why}`,
      ]);
    }
  });

  test('a file others can write is skipped, in cwd and in the user directories', async () => {
    requireRoot();
    const { cwd, home, resolve } = sandbox({
      'home/work/.config/imgrc': 'cloud: dotconfig\n',
      'home/.config/openstack/clouds.yaml': ONE,
      'etc/openstack/clouds.yaml': cloudsYaml('  system:\n    auth:\n      auth_url: http://system/v3\n'),
    });
    fs.chmodSync(path.join(cwd, '.config', 'imgrc'), 0o664);
    fs.chmodSync(path.join(home, '.config', 'openstack', 'clouds.yaml'), 0o646);
    const { warnings, warn } = collect();
    assert.deepEqual(await loadImgSettings(cwd, home, {}, warn), {});
    const cfg = await resolve({}, {}, { warn });
    assert.equal(cfg.cloudName, 'system', 'the next file on the search path is used');
    assert.deepEqual(warnings, [
      `warning: ignoring ${path.join(cwd, '.config', 'imgrc')}: writable by group or others (mode 0664)`,
      `warning: ignoring ${path.join(home, '.config', 'openstack', 'clouds.yaml')}: writable by group or others (mode 0646)`,
    ]);
  });

  test("cwd's subdirectory (.config/) must be the user's too; a symlink is judged by what it leads to", async () => {
    requireRoot();
    const { cwd, home, root } = sandbox({ 'home/work/.config/imgrc.yaml': 'cloud: dotconfig\n', 'shared/imgrc.yaml': 'cloud: shared\n' });
    fs.chownSync(path.join(cwd, '.config'), NOBODY, NOBODY);
    const a = collect();
    assert.deepEqual(await loadImgSettings(cwd, home, {}, a.warn), {});
    assert.deepEqual(a.warnings, [`warning: ignoring ${path.join(cwd, '.config', 'imgrc.yaml')}: its directory ${path.join(cwd, '.config')} is owned by uid ${NOBODY}`]);
    // A link of ours to a file in a directory anyone can write (without the sticky bit).
    fs.chmodSync(path.join(root, 'shared'), 0o777);
    fs.symlinkSync(path.join(root, 'shared', 'imgrc.yaml'), path.join(cwd, '.imgrc'));
    const b = collect();
    assert.deepEqual(await loadImgSettings(cwd, home, {}, b.warn), {});
    assert.equal(b.warnings[0], `warning: ignoring ${path.join(cwd, '.imgrc')}: its directory ${path.join(root, 'shared')} is writable by group or others (mode 0777)`);
  });

  test("the user's own files are read, another user's are not, a FIFO never is", async () => {
    requireRoot();
    const { cwd, root } = sandbox({ 'home/work/clouds.yaml': ONE, 'etc/openstack/clouds.yaml': ONE });
    const system = path.join(root, 'etc', 'openstack', 'clouds.yaml');
    const { untrustedReason } = await import('../../src/config/trusted-file.js');
    assert.equal(untrustedReason({ filepath: path.join(cwd, 'clouds.yaml'), cwd }), undefined);
    assert.equal(untrustedReason({ filepath: system }), undefined);
    fs.chownSync(system, NOBODY, NOBODY);
    assert.equal(untrustedReason({ filepath: system }), `owned by uid ${NOBODY}`);
    // A FIFO would hang the read: never a configuration file.
    const fifo = path.join(cwd, 'clouds.yml');
    execFileSync('mkfifo', [fifo]);
    assert.equal(untrustedReason({ filepath: fifo, cwd }), 'not a regular file');
  });

  test('in a shared cwd, a planted FIFO is never opened and a planted empty file is still named', async () => {
    requireRoot();
    // Pins why settings are not found with cosmiconfig's search(), which reads a place before its loader sees it (explorer.ts).
    const { cwd, home } = sandbox({ 'home/.config/img/config.yaml': 'cloud: mine\n' });
    fs.chmodSync(cwd, 0o1777);
    const fifo = path.join(cwd, '.imgrc');
    execFileSync('mkfifo', [fifo]);
    fs.chownSync(fifo, NOBODY, NOBODY);
    fs.writeFileSync(path.join(cwd, '.imgrc.json'), '');
    fs.chownSync(path.join(cwd, '.imgrc.json'), NOBODY, NOBODY);
    const { warnings, warn } = collect();
    // Should a regression open the FIFO, give it a writer so that the test fails instead of hanging.
    const release = setTimeout(() => {
      try {
        fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      } catch {
        // No reader: nothing to release.
      }
    }, 5000);
    try {
      assert.equal((await loadImgSettings(cwd, home, {}, warn)).cloud, 'mine');
    } finally {
      clearTimeout(release);
    }
    assert.deepEqual(warnings, [
      `warning: ignoring ${fifo}: not a regular file`,
      `warning: ignoring ${path.join(cwd, '.imgrc.json')}: owned by uid ${NOBODY}`,
    ]);
  });

  test("as another user: root's clouds.yaml in cwd is skipped, but /etc/openstack as cwd is read as /etc/openstack", async () => {
    requireRoot();
    const { root, resolve } = sandbox({
      'home/work/clouds.yaml': ONE,
      'etc/openstack/clouds.yaml': cloudsYaml('  system:\n    auth:\n      auth_url: http://system/v3\n'),
    });
    const cwd = path.join(root, 'home', 'work');
    const system = path.join(root, 'etc', 'openstack');
    fs.chmodSync(root, 0o755);
    const { warnings, warn } = collect();
    // Effective uid nobody, for the two resolves only (the real uid stays root, so it can come back).
    process.seteuid!(NOBODY);
    let inCwd: CloudConfig;
    let inSystem: CloudConfig;
    try {
      inCwd = await resolve({}, {}, { warn });
      inSystem = await resolve({}, {}, { warn, cwd: system });
    } finally {
      process.seteuid!(0);
    }
    assert.equal(inCwd.cloudName, 'system', "root's file in nobody's cwd is skipped; the search goes on to /etc/openstack");
    assert.equal(inSystem.cloudName, 'system');
    assert.deepEqual(warnings, [`warning: ignoring ${path.join(cwd, 'clouds.yaml')}: owned by uid 0`]);
  });

  test('OS_CLIENT_CONFIG_FILE is held to the same rule', async () => {
    requireRoot();
    const { resolve, root } = sandbox({ 'elsewhere/clouds.yaml': ONE });
    const file = path.join(root, 'elsewhere', 'clouds.yaml');
    fs.chownSync(file, NOBODY, NOBODY);
    const { warnings, warn } = collect();
    await rejects(resolve({ OS_CLOUD: 'one', OS_CLIENT_CONFIG_FILE: file }, {}, { warn }), ConfigError, 'Cloud "one"', 'not found');
    assert.deepEqual(warnings, [`warning: ignoring ${file}: owned by uid ${NOBODY}`]);
  });
});

describe('the img "cloud" setting never overrides a cloud the environment describes (issue #10)', () => {
  const TWO = cloudsYaml('  good:\n    auth:\n      auth_url: http://good/v3\n  evil:\n    auth:\n      auth_url: http://evil/v3\n    image_endpoint_override: http://evil:9292\n');

  test('ignored with OS_AUTH_URL or --os-auth-url; used otherwise', async () => {
    const { resolve } = sandbox({ 'home/.config/openstack/clouds.yaml': TWO });
    const withEnv = await resolve({ OS_AUTH_URL: 'http://env/v3', OS_USERNAME: 'u' }, {}, { cloudFromSettings: 'evil' });
    assert.equal(withEnv.cloudName, undefined);
    assert.equal(withEnv.imageUrl, undefined, "the settings' cloud must not supply the image endpoint");
    const withFlag = await resolve({}, { osAuthUrl: 'http://flag/v3' }, { cloudFromSettings: 'evil' });
    assert.equal(withFlag.cloudName, undefined);
    assert.equal(withFlag.imageUrl, undefined);
    // OS_CLOUD still picks a cloud of clouds.yaml, as the openstack client does, and beats the setting.
    assert.equal((await resolve({ OS_CLOUD: 'good', OS_AUTH_URL: 'http://env/v3' }, {}, { cloudFromSettings: 'evil' })).cloudName, 'good');
    // Without an auth URL from the operator the setting still chooses.
    assert.equal((await resolve({ OS_USERNAME: 'u' }, {}, { cloudFromSettings: 'evil' })).imageUrl, 'http://evil:9292');
  });
});

describe('bounded documents: YAML aliases and nesting (issue #10)', () => {
  /** Ten levels of nine aliases each: a few hundred bytes, 9^10 values once expanded. */
  const laughs = (indent: string): string => {
    let out = `${indent}l0: &l0 {a: 1, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1, h: 1, i: 1}\n`;
    for (let i = 1; i <= 10; i++) {
      out += `${indent}l${i}: &l${i} {${Array.from({ length: 9 }, (_, k) => `k${k}: *l${i - 1}`).join(', ')}}\n`;
    }
    return out;
  };

  test('a billion-laughs clouds.yaml or settings file fails at once, naming the file', async () => {
    const { resolve, cwd, home } = sandbox({
      'home/work/clouds.yaml': `clouds:\n  c:\n    auth:\n      auth_url: http://x/v3\n    bomb:\n${laughs('      ')}`,
      'home/work/.imgrc.yaml': `format: json\nbomb:\n${laughs('  ')}`,
    });
    const started = Date.now();
    await rejects(resolve({ OS_CLOUD: 'c' }), ConfigError, path.join(cwd, 'clouds.yaml'), 'more than 100000 values once YAML aliases are expanded');
    await rejects(loadImgSettings(cwd, home, {}), ConfigError, path.join(cwd, '.imgrc.yaml'), 'YAML aliases');
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });

  test('aliases within the budget are fine (anchors that share settings between clouds)', async () => {
    const { resolve } = sandbox({
      'home/work/clouds.yaml': 'common: &common\n  auth_url: http://shared/v3\n  username: u\nclouds:\n  a:\n    auth: *common\n  b:\n    auth: *common\n',
    });
    assert.equal((await resolve({ OS_CLOUD: 'b' })).auth.authUrl, 'http://shared/v3');
  });

  test('a document nested deeper than 32 levels is a ConfigError, not a stack overflow', async () => {
    const deep = (n: number): string => `${'{"x":'.repeat(n)}1${'}'.repeat(n)}`;
    const { resolve, cwd } = sandbox({ 'home/work/clouds.json': `{"clouds": {"c": {"auth": {"auth_url": "http://x/v3"}, "deep": ${deep(200_000)}}}}` });
    await rejects(resolve({ OS_CLOUD: 'c' }), ConfigError, path.join(cwd, 'clouds.json'), 'nested more than 32 levels deep');
    // 32 levels are still accepted (the document itself is level 1).
    const ok = sandbox({ 'home/work/clouds.json': `{"clouds": {"c": {"auth": {"auth_url": "http://x/v3"}, "deep": ${deep(28)}}}}` });
    assert.equal((await ok.resolve({ OS_CLOUD: 'c' })).auth.authUrl, 'http://x/v3');
  });
});
