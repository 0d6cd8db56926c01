/** The --os-* flags and the OS_* environment variables, each read into a layer of settings. */
import { OS_FLAGS, type FlagName } from './flags.js';
import { fail, type Layer, type Setting, type Source } from './layer.js';

const FLAG_SETTING: Record<FlagName, Setting | undefined> = {
  osCloud: undefined, // selects the cloud, see select-cloud.ts
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
  osPasscode: 'passcode',
  osAuthMethods: 'auth_methods',
  osSystemScope: 'system_scope',
  osTrustId: 'trust_id',
  osIdentityProvider: 'identity_provider',
  osProtocol: 'protocol',
  osClientId: 'client_id',
  osDiscoveryEndpoint: 'discovery_endpoint',
  osAccessTokenEndpoint: 'access_token_endpoint',
  osOpenidScope: 'openid_scope',
  osAccessTokenType: 'access_token_type',
  osRedirectUri: 'redirect_uri',
};

/** Secrets: environment (or clouds.yaml/secure.yaml) only, never a flag. */
const SECRET_ENV: readonly [string, Setting][] = [
  ['OS_PASSWORD', 'password'],
  ['OS_TOKEN', 'token'],
  ['OS_APPLICATION_CREDENTIAL_SECRET', 'application_credential_secret'],
  ['OS_CLIENT_SECRET', 'client_secret'],
  ['OS_ACCESS_TOKEN', 'access_token'],
  ['OS_CODE', 'code'],
  ['OS_AUTHORIZATION_CODE', 'code'],
];

/**
 * The --os-* options as a layer; of two flags for one setting
 * (--os-interface, --os-endpoint-type) the one listed first in OS_FLAGS wins.
 * Empty values count as unset.
 *
 * @throws UsageError for a value-taking flag given without a value.
 */
export function flagLayer(flags: Partial<Record<FlagName, string | boolean>>): Layer {
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

/**
 * The OS_* variables behind the flags, plus the secrets (OS_PASSWORD,
 * OS_TOKEN, OS_APPLICATION_CREDENTIAL_SECRET), as a layer. Of several
 * variables for one setting (OS_PROJECT_NAME, OS_TENANT_NAME) the first set
 * wins; empty values count as unset, as osc's utils.env() treats them.
 */
export function envLayer(env: Record<string, string | undefined>): Layer {
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
