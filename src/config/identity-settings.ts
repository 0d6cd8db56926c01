/**
 * The settings of keystoneauth's identity plugins beyond password, token and
 * application credential (v3totp, v3multifactor, the OpenID Connect plugins),
 * system and trust scope: read from the merged layer, checked, and the one
 * rule for which scope wins when several are configured.
 */
import { fail, stringOf, type Layer, type Setting, type Source } from './layer.js';
import { shown } from './shown.js';
import type { AuthSettings, FactorMethod } from './types.js';

const FACTORS = new Map<string, FactorMethod>([['v3password', 'v3password'], ['v3totp', 'v3totp'], ['password', 'v3password'], ['totp', 'v3totp']]);

/** How much a source counts when two scopes compete: what the user typed for this run beats what was set before. */
const RANK: Record<Source['kind'], number> = { input: 4, flag: 3, env: 2, file: 1 };

interface Target {
  what: string;
  settings: Setting[];
}

/**
 * Project, domain, system and trust scope exclude each other (keystoneauth
 * refuses more than one: "Authentication cannot be scoped to multiple
 * targets"). img lets the one set closest to the command win — a
 * `--os-system-scope all` flag beats an exported OS_PROJECT_NAME, and
 * OS_TRUST_ID beats a clouds.yaml project — and drops the others. Two set at
 * the same level are an error naming both. A domain given with a project is
 * that project's domain, not a scope of its own (see resolve.ts).
 *
 * @throws UsageError (flag) or ConfigError for two scopes set at one level.
 */
export function pickScope(m: Layer): Layer {
  const project = Boolean(m.project_name || m.project_id);
  const targets: Target[] = [
    { what: 'project', settings: project ? ['project_name', 'project_id', 'domain_name', 'domain_id'] : ['project_name', 'project_id'] },
    { what: 'domain', settings: project ? [] : ['domain_name', 'domain_id'] },
    { what: 'system', settings: ['system_scope'] },
    { what: 'trust', settings: ['trust_id'] },
  ];
  const rankOf = (t: Target): number => Math.max(0, ...t.settings.map((s) => (m[s] ? RANK[m[s].source.kind] : 0)));
  const present = targets.filter((t) => rankOf(t) > 0);
  if (present.length < 2) return m;
  const top = Math.max(...present.map(rankOf));
  const winners = present.filter((t) => rankOf(t) === top);
  if (winners.length > 1) {
    const sources = winners.map((t) => t.settings.map((s) => m[s]).find((v) => v && RANK[v.source.kind] === top)!.source);
    fail(sources[0]!, `Authentication cannot be scoped to multiple targets (${sources.map((s) => s.label).join(' and ')}): ` +
      'pick one of project, domain, system or trust');
  }
  const out: Layer = { ...m };
  for (const t of present) if (t !== winners[0]) for (const s of t.settings) delete out[s];
  return out;
}

/** v3multifactor's methods from `v3password,v3totp` (keystoneauth plugin names; `password`/`totp` accepted). */
function factorMethods(m: Layer): FactorMethod[] | undefined {
  const v = m.auth_methods;
  if (!v) return undefined;
  const names = String(v.value).split(',').map((x) => x.trim()).filter(Boolean);
  const methods = names.map((n) => FACTORS.get(n) ?? fail(v.source,
    `Unsupported auth method ${shown(n)} in ${v.source.label}: img combines v3password and v3totp`));
  return [...new Set(methods)];
}

/**
 * The AuthSettings members of these plugins and scopes, undefined where unset.
 *
 * @throws UsageError (flag) or ConfigError for a system scope other than
 *   `all`, an access token type other than access_token/id_token, or an
 *   unknown multi-factor method.
 */
export function identitySettings(m: Layer): Partial<AuthSettings> {
  const str = (s: Setting): string | undefined => stringOf(m[s]);
  const system = m.system_scope;
  if (system && str('system_scope') !== 'all') {
    fail(system.source, `Invalid system scope ${shown(String(system.value))} (from ${system.source.label}): the only system scope is all`);
  }
  const type = m.access_token_type;
  const tokenType = str('access_token_type');
  if (type && tokenType !== 'access_token' && tokenType !== 'id_token') {
    fail(type.source, `Invalid access token type ${shown(String(type.value))} (from ${type.source.label}): use access_token or id_token`);
  }
  return {
    passcode: str('passcode'),
    authMethods: factorMethods(m),
    systemScope: system ? 'all' : undefined,
    trustId: str('trust_id'),
    identityProvider: str('identity_provider'),
    protocol: str('protocol'),
    clientId: str('client_id'),
    clientSecret: str('client_secret'),
    discoveryEndpoint: str('discovery_endpoint'),
    accessTokenEndpoint: str('access_token_endpoint'),
    openidScope: str('openid_scope'),
    accessTokenType: tokenType as AuthSettings['accessTokenType'],
    accessToken: str('access_token'),
    redirectUri: str('redirect_uri'),
    code: str('code'),
  };
}

/** True for auth types whose user signs in with a password and/or passcode (user and project domains default). */
export function signsInAsUser(a: Pick<AuthSettings, 'authType'>): boolean {
  return a.authType === 'password' || a.authType === 'v3totp' || a.authType === 'v3multifactor';
}

/** The auth type needs a password: password, v3oidcpassword, or v3multifactor with v3password. */
export function wantsPassword(a: Pick<AuthSettings, 'authType' | 'authMethods'>): boolean {
  return a.authType === 'password' || a.authType === 'v3oidcpassword' ||
    (a.authType === 'v3multifactor' && (a.authMethods ?? []).includes('v3password'));
}

/** The auth type needs a TOTP passcode: v3totp, or v3multifactor with v3totp. */
export function wantsPasscode(a: Pick<AuthSettings, 'authType' | 'authMethods'>): boolean {
  return a.authType === 'v3totp' || (a.authType === 'v3multifactor' && (a.authMethods ?? []).includes('v3totp'));
}
