/** Whether a resolved CloudConfig has everything its auth type needs, and what to tell the user when not. */
import { ConfigError } from '../errors.js';
import { wantsPasscode, wantsPassword } from './identity-settings.js';
import type { AuthSettings, CloudConfig } from './types.js';

const USER_HINT = 'set OS_USERNAME or OS_USER_ID, or pass --os-username or --os-user-id';

/** What may be left out of the check because the caller can still ask for it (stdin, a prompt). */
interface Skip {
  password?: boolean;
  passcode?: boolean;
}

/** What an OpenID Connect plugin lacks, in keystoneauth's option order (loading/_plugins/identity/v3.py). */
function oidcProblems(a: AuthSettings, skip: Skip): string[] {
  const out: string[] = [];
  const type = a.authType;
  if (!a.identityProvider) out.push(`Missing identity provider for ${type}: set OS_IDENTITY_PROVIDER or pass --os-identity-provider`);
  if (!a.protocol) out.push(`Missing protocol for ${type}: set OS_PROTOCOL or pass --os-protocol (e.g. openid)`);
  if (type === 'v3oidcaccesstoken') {
    if (!a.accessToken) out.push('Missing access token for v3oidcaccesstoken: set OS_ACCESS_TOKEN');
    return out;
  }
  if (!a.clientId) out.push(`Missing client ID for ${type}: set OS_CLIENT_ID or pass --os-client-id`);
  if (!a.accessTokenEndpoint && !a.discoveryEndpoint) {
    out.push(`Missing token endpoint for ${type}: set OS_DISCOVERY_ENDPOINT or OS_ACCESS_TOKEN_ENDPOINT, ` +
      'or pass --os-discovery-endpoint or --os-access-token-endpoint');
  }
  if (type === 'v3oidcclientcredentials' && !a.clientSecret) {
    out.push('Missing client secret for v3oidcclientcredentials: set OS_CLIENT_SECRET');
  }
  if (type === 'v3oidcpassword') {
    if (!a.username) out.push('Missing user for v3oidcpassword: set OS_USERNAME or pass --os-username');
    if (!a.password && !skip.password) out.push('Missing password: set OS_PASSWORD (or use --password-stdin)');
  }
  if (type === 'v3oidcauthcode') {
    if (!a.redirectUri) out.push('Missing redirect URI for v3oidcauthcode: set OS_REDIRECT_URI or pass --os-redirect-uri');
    if (!a.code) out.push('Missing authorization code for v3oidcauthcode: set OS_CODE');
  }
  return out;
}

/** What a user-based plugin (password, v3totp, v3multifactor) lacks. */
function userProblems(a: AuthSettings, skip: Skip): string[] {
  const out: string[] = [];
  if (a.authType === 'v3multifactor' && !a.authMethods?.length) {
    out.push('Missing methods for v3multifactor: set OS_AUTH_METHODS or pass --os-auth-methods (e.g. v3password,v3totp)');
  }
  if (!a.username && !a.userId) out.push(`Missing user: ${USER_HINT}`);
  if (wantsPassword(a) && !a.password && !skip.password) out.push('Missing password: set OS_PASSWORD (or use --password-stdin)');
  if (wantsPasscode(a) && !a.passcode && !skip.passcode) out.push('Missing passcode: set OS_PASSCODE or pass --os-passcode');
  return out;
}

/** What validateForAuth would complain about, in order; `skip` for needsPassword() and needsPasscode(). */
function problems(cfg: CloudConfig, skip: Skip): string[] {
  const a = cfg.auth;
  const out: string[] = [];
  if (!a.authUrl) {
    const hint = cfg.cloudName ? '' : ' (or choose a cloud from clouds.yaml with --os-cloud or OS_CLOUD)';
    out.push(`Missing auth URL: set OS_AUTH_URL or pass --os-auth-url${hint}`);
  }
  if (a.authType === 'password' || a.authType === 'v3totp' || a.authType === 'v3multifactor') {
    out.push(...userProblems(a, skip));
  } else if (a.authType === 'token') {
    if (!a.token) out.push('Missing token for --os-auth-type token: set OS_TOKEN');
  } else if (a.authType === 'v3applicationcredential') {
    if (!a.applicationCredentialId && !a.applicationCredentialName) {
      out.push('Missing application credential: set OS_APPLICATION_CREDENTIAL_ID or pass ' +
        '--os-application-credential-id (or OS_APPLICATION_CREDENTIAL_NAME / --os-application-credential-name with a user)');
    } else if (!a.applicationCredentialId && !a.username && !a.userId) {
      out.push(`Missing user for application credential name: ${USER_HINT}`);
    }
    if (!a.applicationCredentialSecret) {
      out.push('Missing application credential secret: set OS_APPLICATION_CREDENTIAL_SECRET');
    }
  } else {
    out.push(...oidcProblems(a, skip));
  }
  return out;
}

/**
 * True when the auth type wants a password (password, v3oidcpassword,
 * v3multifactor with v3password), none was found anywhere, and nothing else
 * is missing but perhaps a passcode: then the caller should read
 * --password-stdin or prompt, and resolve again with `password`. When
 * something else is missing it returns false so validateForAuth() reports
 * that before anyone is asked for a password (osc validates in the same
 * order: osc_lib clientmanager.py `setup_auth` checks options, then calls the
 * password callback).
 */
export function needsPassword(cfg: CloudConfig): boolean {
  return wantsPassword(cfg.auth) && !cfg.auth.password && problems(cfg, { password: true, passcode: true }).length === 0;
}

/** As {@link needsPassword}, for the TOTP passcode of v3totp and v3multifactor (asked for after the password). */
export function needsPasscode(cfg: CloudConfig): boolean {
  return wantsPasscode(cfg.auth) && !cfg.auth.passcode && problems(cfg, { passcode: true }).length === 0;
}

/**
 * Throw a ConfigError when the selected auth type lacks something it needs.
 * Every missing item is reported (joined with "; "), each naming the OS_*
 * variable and the flag to set it (secrets have no flag). Messages never
 * contain credential values. With `passcodeOptional` (a cached token will
 * do), a missing TOTP passcode is not one of them.
 */
export function validateForAuth(cfg: CloudConfig, opts: { passcodeOptional?: boolean } = {}): void {
  const list = problems(cfg, { passcode: opts.passcodeOptional });
  if (list.length > 0) throw new ConfigError(list.join('; '));
}
