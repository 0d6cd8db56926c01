/** Checking single setting values (booleans, auth type, API versions), with errors that name where each came from. */
import { fail, type Layer, type Source, type Value } from './layer.js';
import { shown } from './shown.js';
import type { AuthType } from './types.js';

/** Every --os-auth-type / OS_AUTH_TYPE img takes, and the plugin each means. */
export const AUTH_TYPES: ReadonlyMap<string, AuthType> = new Map<string, AuthType>([
  ['password', 'password'],
  ['v3password', 'password'],
  ['token', 'token'],
  ['v3token', 'token'],
  ['v3applicationcredential', 'v3applicationcredential'],
  ['v3totp', 'v3totp'],
  ['v3multifactor', 'v3multifactor'],
  ['v3oidcpassword', 'v3oidcpassword'],
  ['v3oidcclientcredentials', 'v3oidcclientcredentials'],
  ['v3oidcaccesstoken', 'v3oidcaccesstoken'],
  ['v3oidcauthcode', 'v3oidcauthcode'],
]);

/**
 * true/false/1/0/yes/no in any case; YAML/JSON booleans as they are.
 *
 * @throws UsageError (flag) or ConfigError (anything else) for other values.
 */
export function parseBool(v: unknown, source: Source): boolean {
  if (typeof v === 'boolean') return v;
  const s = String(v).toLowerCase();
  if (['true', '1', 'yes'].includes(s)) return true;
  if (['false', '0', 'no'].includes(s)) return false;
  return fail(source, `Invalid value ${shown(String(v))} for ${source.label}: use true, false, 1, 0, yes or no`);
}

/**
 * Auth type: explicit (OS_AUTH_TYPE, --os-auth-type, clouds.yaml auth_type),
 * else inferred from the credentials present: a password means password
 * auth; otherwise application-credential options mean
 * v3applicationcredential; otherwise a token means token; otherwise password
 * (so the caller can prompt). Note that osc itself always defaults to
 * `password` (openstackclient/shell.py `_final_defaults`), leaving the
 * inference in osc_lib client_config.py `_auth_select_default_plugin` unused.
 *
 * @throws UsageError (flag) or ConfigError (anything else) for an auth type
 *   img does not implement.
 */
export function authType(m: Layer): AuthType {
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

/**
 * Throw (UsageError for a flag, else ConfigError) when `v` is set and does
 * not match `pattern`: img speaks one version of each API, so any other is
 * refused rather than ignored.
 */
export function checkApiVersion(v: Value | undefined, pattern: RegExp, what: string, supported: string): void {
  if (v && !pattern.test(String(v.value))) {
    fail(v.source, `Unsupported ${what} API version ${shown(String(v.value))} (from ${v.source.label}): ` +
      `img supports only ${what} API v${supported}; set it to ${supported} or leave it unset`);
  }
}
