/** Whether a resolved CloudConfig has everything its auth type needs, and what to tell the user when not. */
import { ConfigError } from '../errors.js';
import type { CloudConfig } from './types.js';

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
