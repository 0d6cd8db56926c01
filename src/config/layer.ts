/** A setting's value together with where it came from, and how layers of such values merge. */
import { ConfigError, UsageError } from '../errors.js';

/** Internal names: clouds.yaml keys (after normalisation), which are also the OS_* names without the prefix. */
export type Setting =
  | 'auth_url' | 'auth_type' | 'username' | 'user_id' | 'password'
  | 'user_domain_name' | 'user_domain_id' | 'project_name' | 'project_id'
  | 'project_domain_name' | 'project_domain_id' | 'domain_name' | 'domain_id' | 'default_domain'
  | 'token' | 'application_credential_id' | 'application_credential_name' | 'application_credential_secret'
  | 'region_name' | 'interface' | 'identity_api_version' | 'image_api_version'
  | 'cacert' | 'cert' | 'key' | 'insecure' | 'image_url'
  | 'passcode' | 'auth_methods' | 'system_scope' | 'trust_id'
  | 'identity_provider' | 'protocol' | 'client_id' | 'client_secret' | 'discovery_endpoint' | 'access_token_endpoint'
  | 'openid_scope' | 'access_token_type' | 'access_token' | 'redirect_uri' | 'code';

/** Where a value came from; flags get UsageError, everything else ConfigError. */
export interface Source {
  kind: 'flag' | 'env' | 'file' | 'input';
  label: string;
}
export interface Value {
  value: string | boolean;
  source: Source;
}
export type Layer = Partial<Record<Setting, Value>>;

/** Pairs that must come from a single source (see resolveCloudConfig). */
const GROUPS: readonly Setting[][] = [
  ['project_name', 'project_id'],
  ['username', 'user_id'],
  ['user_domain_name', 'user_domain_id'],
  ['project_domain_name', 'project_domain_id'],
  ['domain_name', 'domain_id'],
  ['application_credential_id', 'application_credential_name'],
];

/**
 * Throw the error a bad value from `source` deserves: a UsageError (the
 * command line was wrong) for a flag, a ConfigError for anything else.
 */
export function fail(source: Source, message: string): never {
  throw source.kind === 'flag' ? new UsageError(message) : new ConfigError(message);
}

/** The value when it is a string; a bare boolean (`--insecure`) has none. */
export function stringOf(v: Value | undefined): string | undefined {
  return typeof v?.value === 'string' ? v.value : undefined;
}

/**
 * Merge `layers`, highest first: per setting the highest layer that has it
 * wins, except for name/ID pairs (project_name/project_id, …), where the
 * highest layer that sets either member supplies both, so that an ID from a
 * flag is never combined with a name from clouds.yaml.
 */
export function mergeLayers(layers: Layer[]): Layer {
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
