/** The order --os-* flags, OS_* variables and clouds.yaml/secure.yaml are combined in, into one CloudConfig. */
import path from 'node:path';
import { loadClouds } from './clouds.js';
import { cloudLayer } from './cloud-layer.js';
import { envLayer, flagLayer } from './flag-env-layers.js';
import type { FlagName } from './flags.js';
import { interfaceOf } from './interface.js';
import { identitySettings, pickScope, signsInAsUser } from './identity-settings.js';
import { fail, mergeLayers, stringOf, type Layer, type Setting } from './layer.js';
import type { Warn } from './load-first.js';
import { applyRegion, pickCloud } from './select-cloud.js';
import { authType, checkApiVersion, parseBool } from './setting-values.js';
import { shown } from './shown.js';
import type { AuthSettings, CloudConfig, Interface } from './types.js';

export interface ConfigInput {
  /** Usually process.env. Empty values count as unset, as osc's utils.env() treats them. */
  env: Record<string, string | undefined>;
  /** The --os-* options (commander's camelCase names); they win over the environment. */
  flags: Partial<Record<FlagName, string | boolean>>;
  cwd: string;
  homeDir: string;
  /** From --password-stdin or the Password: prompt, when the caller asked for it (see needsPassword). */
  password?: string;
  /** From the Passcode: prompt, when the caller asked for it (see needsPasscode). */
  passcode?: string;
  /**
   * img's own `cloud` setting: used when neither --os-cloud nor OS_CLOUD is
   * given, and ignored when OS_AUTH_URL or --os-auth-url describes the cloud.
   */
  cloudFromSettings?: string;
  /** Last clouds.yaml search directory; default /etc/openstack. For tests. */
  systemConfigDir?: string;
  /** Told about every clouds.yaml/secure.yaml skipped because others could have planted or changed it. */
  warn?: Warn;
}

/** osc_lib/shell.py DEFAULT_DOMAIN. */
const DEFAULT_DOMAIN = 'default';

/** Build AuthSettings without undefined members (keeps objects tidy for logs and tests). */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Resolve flags, environment, clouds.yaml/secure.yaml and the caller's
 * password into one CloudConfig, the way python-openstackclient (osc) and
 * openstacksdk do. Line references are to the Debian 12 packages
 * (openstacksdk 0.101, osc-lib 2.6, python-openstackclient 6.0).
 *
 * Precedence, highest first:
 *   1. the password the caller collected (--password-stdin / prompt)
 *   2. --os-* flags
 *   3. OS_* environment variables (osc registers every option with its
 *      variable as the argparse default, so env values arrive as arguments)
 *   4. the selected cloud of clouds.yaml + secure.yaml
 *   5. defaults (interface public, default domain `default`, …)
 *
 * Two deliberate differences from osc, both where osc is inconsistent:
 * - osc lets clouds.yaml `auth.project_name`, `*_domain_*` and `token` beat
 *   flags and environment (loader.py `_fix_backwards_project` prefers the
 *   auth dict); here flags and environment always win.
 * - Name/ID pairs (project, user, user/project domain, domain, application
 *   credential) come from one source: `--os-project-id` replaces a
 *   clouds.yaml `project_name` instead of being combined with it.
 *
 * Scope handling as osc/openstacksdk:
 * - OS_DOMAIN_NAME/ID with a project (name or ID) is not a domain scope: it
 *   becomes the user and project domain where those are unset, and the domain
 *   scope is dropped (loader.py `_handle_domain_id`).
 * - For password auth, a user or project domain that is still unset becomes
 *   the default domain ID (OS_DEFAULT_DOMAIN, default `default`;
 *   osc_lib client_config.py `_auth_default_domain`). osc does this only for
 *   identity v3, which is the only version img speaks.
 *
 * Does not check that credentials are complete: see validateForAuth() and
 * needsPassword().
 *
 * @throws ConfigError for invalid values from the environment or a file, an
 *   unknown or unparsable clouds file, a named cloud or region that is not
 *   defined; UsageError for the same problems in a flag value.
 */
export async function resolveCloudConfig(input: ConfigInput): Promise<CloudConfig> {
  const data = await loadClouds({
    cwd: input.cwd,
    homeDir: input.homeDir,
    env: input.env,
    systemConfigDir: input.systemConfigDir ?? '/etc/openstack',
    warn: input.warn,
  });
  const picked = pickCloud(input, data);
  const flags = flagLayer(input.flags);
  const env = envLayer(input.env);
  const wantedRegion = flags.region_name ?? env.region_name;
  const { cloud, region } = picked.where
    ? applyRegion(picked.cloud, wantedRegion, picked.where)
    : { cloud: picked.cloud, region: stringOf(wantedRegion) };
  const given: Layer = {};
  if (input.password) given.password = { value: input.password, source: { kind: 'input', label: 'password' } };
  if (input.passcode) given.passcode = { value: input.passcode, source: { kind: 'input', label: 'passcode' } };
  const m = pickScope(mergeLayers([given, flags, env, picked.where ? cloudLayer(cloud, picked.where) : {}]));
  const str = (s: Setting): string | undefined => stringOf(m[s]);

  const type = authType(m);
  const auth: AuthSettings = compact({
    authUrl: str('auth_url') ?? '',
    authType: type,
    username: str('username'),
    userId: str('user_id'),
    password: str('password'),
    userDomainName: str('user_domain_name'),
    userDomainId: str('user_domain_id'),
    projectName: str('project_name'),
    projectId: str('project_id'),
    projectDomainName: str('project_domain_name'),
    projectDomainId: str('project_domain_id'),
    domainName: str('domain_name'),
    domainId: str('domain_id'),
    token: str('token'),
    applicationCredentialId: str('application_credential_id'),
    applicationCredentialName: str('application_credential_name'),
    applicationCredentialSecret: str('application_credential_secret'),
    ...identitySettings(m),
  });

  if (auth.projectName || auth.projectId) {
    if (!auth.userDomainName && !auth.userDomainId) {
      auth.userDomainName = auth.domainName;
      auth.userDomainId = auth.domainId;
    }
    if (!auth.projectDomainName && !auth.projectDomainId) {
      auth.projectDomainName = auth.domainName;
      auth.projectDomainId = auth.domainId;
    }
    delete auth.domainName;
    delete auth.domainId;
  }
  if (signsInAsUser(auth) || type.startsWith('v3oidc')) {
    const defaultDomain = str('default_domain') ?? DEFAULT_DOMAIN;
    // An OpenID Connect user belongs to the identity provider, not to a domain img could name.
    if (!auth.userDomainName && !auth.userDomainId && signsInAsUser(auth)) auth.userDomainId = defaultDomain;
    if (!auth.projectDomainName && !auth.projectDomainId) auth.projectDomainId = defaultDomain;
  }

  let iface: Interface = 'public';
  if (m.interface) {
    const v = String(m.interface.value);
    iface = interfaceOf(v) ?? fail(m.interface.source, `Invalid interface ${shown(v)} (from ${m.interface.source.label}): ` +
      'use public, internal or admin (publicURL, internalURL and adminURL are accepted too)');
  }
  // osc accepts only "3" for v3 behaviour (client_config.py compares identity_api_version == '3').
  checkApiVersion(m.identity_api_version, /^3(\.0)?$/, 'Identity', '3');
  checkApiVersion(m.image_api_version, /^2(\.\d+)?$/, 'Image', '2');

  // cloud_region.py get_requests_verify_args(): cacert/cert/key go through os.path.expanduser.
  const expand = (p: string | undefined): string | undefined =>
    p === '~' ? input.homeDir : p?.startsWith('~/') ? path.join(input.homeDir, p.slice(2)) : p;

  return compact({
    cloudName: picked.name,
    auth: compact(auth),
    regionName: region || undefined,
    interface: iface,
    imageUrl: str('image_url'),
    identityApiVersion: '3' as const,
    imageApiVersion: '2' as const,
    cacert: expand(str('cacert')),
    cert: expand(str('cert')),
    key: expand(str('key')),
    insecure: m.insecure ? parseBool(m.insecure.value, m.insecure.source) : false,
  });
}
