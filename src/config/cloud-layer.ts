/** One clouds.yaml cloud read into a layer of settings: which keys (and legacy aliases) feed which setting. */
import { isDict, type Dict } from '../util/is-dict.js';
import { fail, type Layer, type Setting, type Source } from './layer.js';
import { parseBool } from './setting-values.js';
import { shown } from './shown.js';

/** Settings that live under `auth:` in clouds.yaml (keystoneauth plugin options), with legacy aliases. */
const AUTH_KEYS: Partial<Record<Setting, string[]>> = {
  auth_url: [], username: ['user_name'], user_id: [], password: [],
  user_domain_name: [], user_domain_id: [], project_name: ['tenant_name'], project_id: ['tenant_id'],
  project_domain_name: [], project_domain_id: [], domain_name: [], domain_id: [],
  token: ['auth_token'], application_credential_id: [], application_credential_name: [],
  application_credential_secret: [],
  // keystoneauth's v3totp, v3multifactor, scope and OpenID Connect options, as openstacksdk passes `auth:` on.
  passcode: [], auth_methods: [], system_scope: [], trust_id: [],
  identity_provider: [], protocol: [], client_id: [], client_secret: [], discovery_endpoint: [],
  access_token_endpoint: [], openid_scope: [], access_token_type: [], access_token: [], redirect_uri: [],
  code: ['authorization_code'],
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

/** A clouds.yaml value as a string (numbers were stringified by normalizeKeys). */
function fileString(v: unknown, source: Source, listOk = false): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  // A YAML list (`auth_methods: [v3password, v3totp]`) is kept as keystoneauth's comma-separated form.
  if (listOk && Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(',');
  return fail(source, `${source.label} must be a string`);
}

/**
 * The selected cloud (keys normalised, region values merged in) as a layer;
 * `where` names it in messages. Auth options are read from `auth:` first and
 * then the top level of the cloud, each under its current name before legacy
 * aliases (`tenant_name`, …), as loader.py `_fix_backwards_project` orders
 * them. `insecure: true` or `verify: false` turn verification off, and
 * `insecure` wins when both are given.
 *
 * @throws ConfigError for an `auth` that is not a mapping, a value that is
 *   not a string, or an `insecure`/`verify` that is not a boolean.
 */
export function cloudLayer(cloud: Dict, where: string): Layer {
  const layer: Layer = {};
  const src = (key: string): Source => ({ kind: 'file', label: `${shown(key)} of ${where}` });
  const auth = cloud['auth'] ?? {};
  if (!isDict(auth)) fail(src('auth'), `"auth" of ${where} must be a mapping`);
  const put = (setting: Setting, dict: Dict, key: string, prefix: string): boolean => {
    const source = src(prefix + key);
    const value = fileString(dict[key], source, setting === 'auth_methods');
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
