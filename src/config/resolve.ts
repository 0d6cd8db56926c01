/**
 * Resolve the cloud configuration the way python-openstackclient (osc) and
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
 */
import path from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import { OS_FLAGS, type FlagName } from './flags.js';
import { interfaceOf } from './interface.js';
import { loadClouds, normalizeKeys, mergeDicts, type CloudsData } from './clouds.js';
import { isDict, type Dict } from '../util/is-dict.js';
import type { Warn } from './load-first.js';
import { shown } from './shown.js';
import type { AuthSettings, AuthType, CloudConfig, Interface } from './types.js';

export type { FlagName, OsFlag } from './flags.js';
export { OS_FLAGS } from './flags.js';
export { loadImgSettings } from './img-settings.js';

export interface ConfigInput {
  /** Usually process.env. Empty values count as unset, as osc's utils.env() treats them. */
  env: Record<string, string | undefined>;
  /** The --os-* options (commander's camelCase names); they win over the environment. */
  flags: Partial<Record<FlagName, string | boolean>>;
  cwd: string;
  homeDir: string;
  /** From --password-stdin or the Password: prompt, when the caller asked for it (see needsPassword). */
  password?: string;
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

/** Internal names: clouds.yaml keys (after normalisation), which are also the OS_* names without the prefix. */
type Setting =
  | 'auth_url' | 'auth_type' | 'username' | 'user_id' | 'password'
  | 'user_domain_name' | 'user_domain_id' | 'project_name' | 'project_id'
  | 'project_domain_name' | 'project_domain_id' | 'domain_name' | 'domain_id' | 'default_domain'
  | 'token' | 'application_credential_id' | 'application_credential_name' | 'application_credential_secret'
  | 'region_name' | 'interface' | 'identity_api_version' | 'image_api_version'
  | 'cacert' | 'cert' | 'key' | 'insecure' | 'image_url';

/** Where a value came from; flags get UsageError, everything else ConfigError. */
interface Source {
  kind: 'flag' | 'env' | 'file' | 'input';
  label: string;
}
interface Value {
  value: string | boolean;
  source: Source;
}
type Layer = Partial<Record<Setting, Value>>;

const FLAG_SETTING: Record<FlagName, Setting | undefined> = {
  osCloud: undefined, // selects the cloud, see pickCloud()
  osAuthUrl: 'auth_url',
  osAuthType: 'auth_type',
  osUsername: 'username',
  osUserId: 'user_id',
  osUserDomainName: 'user_domain_name',
  osUserDomainId: 'user_domain_id',
  osProjectName: 'project_name',
  osProjectId: 'project_id',
  osProjectDomainName: 'project_domain_name',
  osProjectDomainId: 'project_domain_id',
  osDomainName: 'domain_name',
  osDomainId: 'domain_id',
  osDefaultDomain: 'default_domain',
  osApplicationCredentialId: 'application_credential_id',
  osApplicationCredentialName: 'application_credential_name',
  osRegionName: 'region_name',
  osInterface: 'interface',
  osEndpointType: 'interface',
  osIdentityApiVersion: 'identity_api_version',
  osImageApiVersion: 'image_api_version',
  osCacert: 'cacert',
  osCert: 'cert',
  osKey: 'key',
  insecure: 'insecure',
  osImageUrl: 'image_url',
};

/** Secrets: environment (or clouds.yaml/secure.yaml) only, never a flag. */
const SECRET_ENV: readonly [string, Setting][] = [
  ['OS_PASSWORD', 'password'],
  ['OS_TOKEN', 'token'],
  ['OS_APPLICATION_CREDENTIAL_SECRET', 'application_credential_secret'],
];

/** Settings that live under `auth:` in clouds.yaml (keystoneauth plugin options), with legacy aliases. */
const AUTH_KEYS: Partial<Record<Setting, string[]>> = {
  auth_url: [], username: ['user_name'], user_id: [], password: [],
  user_domain_name: [], user_domain_id: [], project_name: ['tenant_name'], project_id: ['tenant_id'],
  project_domain_name: [], project_domain_id: [], domain_name: [], domain_id: [],
  token: ['auth_token'], application_credential_id: [], application_credential_name: [],
  application_credential_secret: [],
};

/** Top-level clouds.yaml keys, first one present wins (auth_plugin/endpoint_type: loader.py `_fix_backwards_*`). */
const CLOUD_KEYS: Partial<Record<Setting, string[]>> = {
  auth_type: ['auth_type', 'auth_plugin'],
  interface: ['interface', 'endpoint_type'],
  identity_api_version: ['identity_api_version'],
  image_api_version: ['image_api_version'],
  cacert: ['cacert'],
  cert: ['cert'],
  key: ['key'],
  default_domain: ['default_domain'],
  // cloud_region.py get_endpoint(): <service>_endpoint_override, then <service>_endpoint
  image_url: ['image_endpoint_override', 'image_endpoint'],
};

/** Pairs that must come from a single source (see the module comment). */
const GROUPS: readonly Setting[][] = [
  ['project_name', 'project_id'],
  ['username', 'user_id'],
  ['user_domain_name', 'user_domain_id'],
  ['project_domain_name', 'project_domain_id'],
  ['domain_name', 'domain_id'],
  ['application_credential_id', 'application_credential_name'],
];

const AUTH_TYPES = new Map<string, AuthType>([
  ['password', 'password'],
  ['v3password', 'password'],
  ['token', 'token'],
  ['v3token', 'token'],
  ['v3applicationcredential', 'v3applicationcredential'],
]);

/** osc_lib/shell.py DEFAULT_DOMAIN. */
const DEFAULT_DOMAIN = 'default';

function fail(source: Source, message: string): never {
  throw source.kind === 'flag' ? new UsageError(message) : new ConfigError(message);
}

function flagLayer(flags: ConfigInput['flags']): Layer {
  const layer: Layer = {};
  for (const def of OS_FLAGS) {
    const setting = FLAG_SETTING[def.key];
    const value = flags[def.key];
    if (!setting || layer[setting] || value === undefined || value === '') continue;
    const source: Source = { kind: 'flag', label: def.flag.split(' ')[0] ?? def.flag };
    if (typeof value === 'boolean' && setting !== 'insecure') fail(source, `${source.label} needs a value`);
    layer[setting] = { value, source };
  }
  return layer;
}

function envLayer(env: ConfigInput['env']): Layer {
  const layer: Layer = {};
  const pairs: [string, Setting][] = OS_FLAGS.flatMap((def) => {
    const setting = FLAG_SETTING[def.key];
    return setting ? def.env.map((name): [string, Setting] => [name, setting]) : [];
  });
  for (const [name, setting] of [...pairs, ...SECRET_ENV]) {
    const value = env[name];
    if (!layer[setting] && value) layer[setting] = { value, source: { kind: 'env', label: name } };
  }
  return layer;
}

/** A clouds.yaml value as a string (numbers were stringified by normalizeKeys). */
function fileString(v: unknown, source: Source): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  return fail(source, `${source.label} must be a string`);
}

/**
 * The selected cloud as a layer. Auth options are read from `auth:` first and
 * then the top level of the cloud, each under its current name before legacy
 * aliases (`tenant_name`, …), as loader.py `_fix_backwards_project` orders them.
 */
function cloudLayer(cloud: Dict, where: string): Layer {
  const layer: Layer = {};
  const src = (key: string): Source => ({ kind: 'file', label: `${shown(key)} of ${where}` });
  const auth = cloud['auth'] ?? {};
  if (!isDict(auth)) fail(src('auth'), `"auth" of ${where} must be a mapping`);
  const put = (setting: Setting, dict: Dict, key: string, prefix: string): boolean => {
    const source = src(prefix + key);
    const value = fileString(dict[key], source);
    if (value !== undefined) layer[setting] = { value, source };
    return value !== undefined;
  };
  for (const [setting, aliases] of Object.entries(AUTH_KEYS) as [Setting, string[]][]) {
    for (const key of [setting, ...aliases]) {
      if (put(setting, auth, key, 'auth.') || put(setting, cloud, key, '')) break;
    }
  }
  for (const [setting, keys] of Object.entries(CLOUD_KEYS) as [Setting, string[]][]) {
    for (const key of keys) if (put(setting, cloud, key, '')) break;
  }
  // cloud_region.py get_requests_verify_args(): `insecure` is the most aggressive setting and wins over `verify`.
  const insecure = cloud['insecure'] !== undefined ? parseBool(cloud['insecure'], src('insecure')) : undefined;
  const verify = cloud['verify'] !== undefined ? parseBool(cloud['verify'], src('verify')) : undefined;
  if (insecure === true || verify === false) {
    layer.insecure = { value: true, source: src(insecure ? 'insecure' : 'verify') };
  } else if (insecure !== undefined || verify !== undefined) {
    layer.insecure = { value: false, source: src(insecure !== undefined ? 'insecure' : 'verify') };
  }
  return layer;
}

/** Highest layer wins per setting; for GROUPS, the highest layer that sets any member supplies the whole group. */
function mergeLayers(layers: Layer[]): Layer {
  const out: Layer = {};
  const grouped = new Set(GROUPS.flat());
  const all = new Set(layers.flatMap((l) => Object.keys(l) as Setting[]));
  for (const setting of all) {
    if (grouped.has(setting)) continue;
    const hit = layers.find((l) => l[setting]);
    if (hit) out[setting] = hit[setting];
  }
  for (const group of GROUPS) {
    const hit = layers.find((l) => group.some((s) => l[s]));
    for (const s of group) if (hit?.[s]) out[s] = hit[s];
  }
  return out;
}

/** true/false/1/0/yes/no in any case; YAML/JSON booleans as they are. */
function parseBool(v: unknown, source: Source): boolean {
  if (typeof v === 'boolean') return v;
  const s = String(v).toLowerCase();
  if (['true', '1', 'yes'].includes(s)) return true;
  if (['false', '0', 'no'].includes(s)) return false;
  return fail(source, `Invalid value ${shown(String(v))} for ${source.label}: use true, false, 1, 0, yes or no`);
}

/**
 * loader.py `_get_os_environ()`: any OS_* variable other than these selectors
 * (and the test-runner prefixes) makes openstacksdk build its "envvars" cloud
 * and use it instead of auto-selecting the only cloud in clouds.yaml.
 */
function hasOsEnvironment(env: ConfigInput['env']): boolean {
  const selectors = new Set(['OS_CLOUD', 'OS_REGION_NAME', 'OS_CLIENT_CONFIG_FILE', 'OS_CLIENT_SECURE_FILE', 'OS_CLOUD_NAME']);
  return Object.entries(env).some(
    ([k, v]) => v && k.startsWith('OS_') && !selectors.has(k) && !/^OS_(TEST|STD|LOG)/.test(k),
  );
}

/**
 * Which cloud to use: --os-cloud, OS_CLOUD, img's `cloud` setting, else
 * (loader.py lines after "If there is only one cloud just use it") the only
 * cloud defined, unless OS_* variables are set. A named cloud must exist
 * (`_get_base_cloud_config`: "Cloud {name} was not found.").
 *
 * The `cloud` setting never overrides a cloud the operator described: with
 * OS_AUTH_URL (a sourced openrc) or --os-auth-url it is ignored, so a
 * settings file cannot slip another cloud's image endpoint, CA or TLS
 * settings under the operator's credentials. (OS_CLOUD and --os-cloud beat
 * it anyway.)
 */
function pickCloud(input: ConfigInput, data: CloudsData): { name?: string; cloud: Dict; where?: string } {
  const fromFlag = typeof input.flags.osCloud === 'string' && input.flags.osCloud ? input.flags.osCloud : undefined;
  const described = Boolean(input.env['OS_AUTH_URL'] || input.flags.osAuthUrl);
  const requested: [string, Source] | undefined = fromFlag
    ? [fromFlag, { kind: 'flag', label: '--os-cloud' }]
    : input.env['OS_CLOUD']
      ? [input.env['OS_CLOUD'], { kind: 'env', label: 'OS_CLOUD' }]
      : input.cloudFromSettings && !described
        ? [input.cloudFromSettings, { kind: 'file', label: 'the "cloud" setting of the img config file' }]
        : undefined;
  const names = Object.keys(data.clouds);
  const where = (name: string): string => `cloud ${shown(name)} in ${data.files.join(' + ')}`;
  if (requested) {
    const [name, source] = requested;
    const cloud = Object.hasOwn(data.clouds, name) ? data.clouds[name] : undefined;
    if (cloud) return { name, cloud, where: where(name) };
    // Not UsageError even for --os-cloud: the name may be right and clouds.yaml wrong.
    if (data.files.length === 0) {
      const explicit = input.env['OS_CLIENT_CONFIG_FILE'];
      throw new ConfigError(`Cloud ${shown(name)} (from ${source.label}) not found: no clouds.yaml, clouds.yml or clouds.json ` +
        `${explicit ? `at ${explicit} (OS_CLIENT_CONFIG_FILE) or ` : ''}in ${data.searched.join(', ')}`);
    }
    throw new ConfigError(`Cloud ${shown(name)} (from ${source.label}) is not defined in ${data.files.join(' + ')}; ` +
      `defined clouds: ${names.length ? names.join(', ') : 'none'}`);
  }
  const only = names.length === 1 ? names[0] : undefined;
  if (only !== undefined && !hasOsEnvironment(input.env)) {
    return { name: only, cloud: data.clouds[only] ?? {}, where: where(only) };
  }
  return { cloud: {} };
}

/**
 * loader.py `_get_known_regions()` / `_get_region()`: a cloud may list its
 * regions (`regions:` as names or {name, values}, or `region_name`, possibly
 * comma-separated). Without a requested region the first is used; a requested
 * one must be listed; a region's `values` override the cloud's settings.
 */
function applyRegion(cloud: Dict, requested: Value | undefined, where: string): { cloud: Dict; region?: string } {
  const raw = cloud['regions'] ?? cloud['region_name'];
  const list: unknown[] = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [];
  const regions = list.map((r) => {
    if (typeof r === 'string') return { name: r, values: {} as Dict };
    if (isDict(r) && typeof r['name'] === 'string' && Object.keys(r).every((k) => k === 'name' || k === 'values')) {
      return { name: r['name'], values: isDict(r['values']) ? normalizeKeys(r['values']) : {} };
    }
    throw new ConfigError(`Invalid entry in "regions" of ${where}: each must be a name or {name, values}`);
  });
  const wanted = typeof requested?.value === 'string' ? requested.value : undefined;
  if (regions.length === 0) return { cloud, region: wanted };
  const region = wanted === undefined ? regions[0] : regions.find((r) => r.name === wanted);
  if (!region) {
    throw new ConfigError(`Region ${shown(wanted)} (from ${requested!.source.label}) is not defined for ${where}; ` +
      `defined regions: ${regions.map((r) => r.name).join(', ')} (region names are case-sensitive)`);
  }
  return { cloud: mergeDicts(cloud, region.values), region: region.name };
}

/**
 * Auth type: explicit (OS_AUTH_TYPE, --os-auth-type, clouds.yaml auth_type),
 * else inferred from the credentials present: a password means password
 * auth; otherwise application-credential options mean
 * v3applicationcredential; otherwise a token means token; otherwise password
 * (so the caller can prompt). Note that osc itself always defaults to
 * `password` (openstackclient/shell.py `_final_defaults`), leaving the
 * inference in osc_lib client_config.py `_auth_select_default_plugin` unused.
 */
function authType(m: Layer): AuthType {
  const explicit = m.auth_type;
  if (explicit) {
    const t = AUTH_TYPES.get(String(explicit.value));
    if (t) return t;
    fail(explicit.source, `Unsupported auth type ${shown(String(explicit.value))} (from ${explicit.source.label}): ` +
      `use ${[...AUTH_TYPES.keys()].join(', ')}`);
  }
  if (m.password) return 'password';
  if (m.application_credential_id || m.application_credential_name || m.application_credential_secret) {
    return 'v3applicationcredential';
  }
  if (m.token) return 'token';
  return 'password';
}

function version(v: Value | undefined, pattern: RegExp, what: string, supported: string): void {
  if (v && !pattern.test(String(v.value))) {
    fail(v.source, `Unsupported ${what} API version ${shown(String(v.value))} (from ${v.source.label}): ` +
      `img supports only ${what} API v${supported}; set it to ${supported} or leave it unset`);
  }
}

/** Build AuthSettings without undefined members (keeps objects tidy for logs and tests). */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Resolve flags, environment, clouds.yaml/secure.yaml and the caller's
 * password into one CloudConfig (see the module comment for precedence).
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
    : { cloud: picked.cloud, region: typeof wantedRegion?.value === 'string' ? wantedRegion.value : undefined };
  const given: Layer = input.password ? { password: { value: input.password, source: { kind: 'input', label: 'password' } } } : {};
  const m = mergeLayers([given, flags, env, picked.where ? cloudLayer(cloud, picked.where) : {}]);
  const str = (s: Setting): string | undefined => {
    const v = m[s]?.value;
    return typeof v === 'string' ? v : undefined;
  };

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
  if (type === 'password') {
    const defaultDomain = str('default_domain') ?? DEFAULT_DOMAIN;
    if (!auth.userDomainName && !auth.userDomainId) auth.userDomainId = defaultDomain;
    if (!auth.projectDomainName && !auth.projectDomainId) auth.projectDomainId = defaultDomain;
  }

  let iface: Interface = 'public';
  if (m.interface) {
    const v = String(m.interface.value);
    iface = interfaceOf(v) ?? fail(m.interface.source, `Invalid interface ${shown(v)} (from ${m.interface.source.label}): ` +
      'use public, internal or admin (publicURL, internalURL and adminURL are accepted too)');
  }
  // osc accepts only "3" for v3 behaviour (client_config.py compares identity_api_version == '3').
  version(m.identity_api_version, /^3(\.0)?$/, 'Identity', '3');
  version(m.image_api_version, /^2(\.\d+)?$/, 'Image', '2');

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

const USER_HINT = 'set OS_USERNAME or OS_USER_ID, or pass --os-username or --os-user-id';

/** What validateForAuth would complain about, in order; `skipPassword` for needsPassword(). */
function problems(cfg: CloudConfig, skipPassword: boolean): string[] {
  const a = cfg.auth;
  const out: string[] = [];
  if (!a.authUrl) {
    const hint = cfg.cloudName ? '' : ' (or choose a cloud from clouds.yaml with --os-cloud or OS_CLOUD)';
    out.push(`Missing auth URL: set OS_AUTH_URL or pass --os-auth-url${hint}`);
  }
  if (a.authType === 'password') {
    if (!a.username && !a.userId) out.push(`Missing user: ${USER_HINT}`);
    if (!a.password && !skipPassword) out.push('Missing password: set OS_PASSWORD (or use --password-stdin)');
  } else if (a.authType === 'token') {
    if (!a.token) out.push('Missing token for --os-auth-type token: set OS_TOKEN');
  } else {
    if (!a.applicationCredentialId && !a.applicationCredentialName) {
      out.push('Missing application credential: set OS_APPLICATION_CREDENTIAL_ID or pass ' +
        '--os-application-credential-id (or OS_APPLICATION_CREDENTIAL_NAME / --os-application-credential-name with a user)');
    } else if (!a.applicationCredentialId && !a.username && !a.userId) {
      out.push(`Missing user for application credential name: ${USER_HINT}`);
    }
    if (!a.applicationCredentialSecret) {
      out.push('Missing application credential secret: set OS_APPLICATION_CREDENTIAL_SECRET');
    }
  }
  return out;
}

/**
 * True when password auth is selected, no password was found anywhere, and
 * nothing else is missing: then the caller should read --password-stdin or
 * prompt, and resolve again with `password`. When something else is missing
 * it returns false so validateForAuth() reports that before anyone is asked
 * for a password (osc validates in the same order: osc_lib clientmanager.py
 * `setup_auth` checks options, then calls the password callback).
 */
export function needsPassword(cfg: CloudConfig): boolean {
  return cfg.auth.authType === 'password' && !cfg.auth.password && problems(cfg, true).length === 0;
}

/**
 * Throw a ConfigError when the selected auth type lacks something it needs.
 * Every missing item is reported (joined with "; "), each naming the OS_*
 * variable and the flag to set it (secrets have no flag). Messages never
 * contain credential values.
 */
export function validateForAuth(cfg: CloudConfig): void {
  const list = problems(cfg, false);
  if (list.length > 0) throw new ConfigError(list.join('; '));
}
