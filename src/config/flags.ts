/**
 * The --os-* options and the OS_* variables behind them: one table that both
 * the CLI (to declare the options and their help) and the resolver (to read
 * flags and environment) use, so the two cannot drift apart.
 *
 * No option carries a secret: passwords, tokens, application-credential and
 * OAuth client secrets, access tokens and authorization codes would end up in
 * shell history and `ps` output. They come from the environment,
 * clouds.yaml/secure.yaml, --password-stdin or the prompt. The one exception
 * is --os-passcode (as the openstack client has it): a TOTP passcode is dead
 * within a minute, and it is still kept out of --debug and messages.
 */

/** camelCase option names, as commander derives them from the flag. */
export type FlagName =
  | 'osCloud'
  | 'osAuthUrl'
  | 'osAuthType'
  | 'osUsername'
  | 'osUserId'
  | 'osUserDomainName'
  | 'osUserDomainId'
  | 'osProjectName'
  | 'osProjectId'
  | 'osProjectDomainName'
  | 'osProjectDomainId'
  | 'osDomainName'
  | 'osDomainId'
  | 'osDefaultDomain'
  | 'osApplicationCredentialId'
  | 'osApplicationCredentialName'
  | 'osRegionName'
  | 'osInterface'
  | 'osEndpointType'
  | 'osIdentityApiVersion'
  | 'osImageApiVersion'
  | 'osCacert'
  | 'osCert'
  | 'osKey'
  | 'insecure'
  | 'osImageUrl'
  | 'osPasscode'
  | 'osAuthMethods'
  | 'osSystemScope'
  | 'osTrustId'
  | 'osIdentityProvider'
  | 'osProtocol'
  | 'osClientId'
  | 'osDiscoveryEndpoint'
  | 'osAccessTokenEndpoint'
  | 'osOpenidScope'
  | 'osAccessTokenType'
  | 'osRedirectUri';

interface OsFlag {
  /** commander flag spec, e.g. `--os-auth-url <url>`. */
  flag: string;
  /** Environment variables read when the flag is absent, first non-empty wins. */
  env: string[];
  key: FlagName;
  help: string;
}

/** `os-auth-url` → `osAuthUrl`, as commander turns a flag into an option name. */
type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;
/** The option name commander gives a flag spec: `--os-auth-url <url>` → `osAuthUrl`. */
type OptionName<Flag extends string> = Flag extends `--${infer Name} ${string}` ? CamelCase<Name>
  : Flag extends `--${infer Name}` ? CamelCase<Name> : never;

// `key` must be the name commander gives `flag`: the resolver reads the flag by `key`, so a
// flag renamed without its key would otherwise come through as a silent `undefined`.
const f = <Flag extends string>(flag: Flag, key: OptionName<Flag> & FlagName, env: string[], help: string): OsFlag => ({
  flag,
  key,
  env,
  help: `${help} (Env: ${env.join(', ')})`,
});

/**
 * Every --os-* option, in the order --help lists them. Names, metavars and
 * environment variables follow openstackclient (osc_lib/shell.py,
 * osc_lib/api/auth.py, keystoneauth1 plugin options) and glanceclient
 * (OS_ENDPOINT_TYPE, OS_IMAGE_URL).
 */
export const OS_FLAGS: readonly OsFlag[] = [
  f('--os-cloud <name>', 'osCloud', ['OS_CLOUD'], 'Cloud name in clouds.yaml'),
  f('--os-auth-url <url>', 'osAuthUrl', ['OS_AUTH_URL'], 'Authentication URL'),
  f('--os-auth-type <type>', 'osAuthType', ['OS_AUTH_TYPE'],
    'Authentication type: password, token, v3applicationcredential, v3totp, v3multifactor, v3oidcpassword, ' +
    'v3oidcclientcredentials, v3oidcaccesstoken or v3oidcauthcode (default: chosen from the credentials)'),
  f('--os-username <name>', 'osUsername', ['OS_USERNAME'], 'Username'),
  f('--os-user-id <id>', 'osUserId', ['OS_USER_ID'], 'User ID'),
  f('--os-user-domain-name <name>', 'osUserDomainName', ['OS_USER_DOMAIN_NAME'], 'Domain name of the user'),
  f('--os-user-domain-id <id>', 'osUserDomainId', ['OS_USER_DOMAIN_ID'], 'Domain ID of the user'),
  f('--os-project-name <name>', 'osProjectName', ['OS_PROJECT_NAME', 'OS_TENANT_NAME'], 'Project name to scope to'),
  f('--os-project-id <id>', 'osProjectId', ['OS_PROJECT_ID', 'OS_TENANT_ID'], 'Project ID to scope to'),
  f('--os-project-domain-name <name>', 'osProjectDomainName', ['OS_PROJECT_DOMAIN_NAME'], 'Domain name of the project'),
  f('--os-project-domain-id <id>', 'osProjectDomainId', ['OS_PROJECT_DOMAIN_ID'], 'Domain ID of the project'),
  f('--os-domain-name <name>', 'osDomainName', ['OS_DOMAIN_NAME'], 'Domain name to scope to (without a project)'),
  f('--os-domain-id <id>', 'osDomainId', ['OS_DOMAIN_ID'], 'Domain ID to scope to (without a project)'),
  f('--os-default-domain <id>', 'osDefaultDomain', ['OS_DEFAULT_DOMAIN'],
    'Domain ID used for the user and project when none is given, default: default'),
  f('--os-application-credential-id <id>', 'osApplicationCredentialId', ['OS_APPLICATION_CREDENTIAL_ID'],
    'Application credential ID (secret: OS_APPLICATION_CREDENTIAL_SECRET)'),
  f('--os-application-credential-name <name>', 'osApplicationCredentialName', ['OS_APPLICATION_CREDENTIAL_NAME'],
    'Application credential name (with a user)'),
  f('--os-region-name <name>', 'osRegionName', ['OS_REGION_NAME'], 'Region name'),
  f('--os-interface <interface>', 'osInterface', ['OS_INTERFACE'],
    'Endpoint interface: public, internal or admin, default: public'),
  f('--os-endpoint-type <interface>', 'osEndpointType', ['OS_ENDPOINT_TYPE'], 'Deprecated alias of --os-interface'),
  f('--os-identity-api-version <version>', 'osIdentityApiVersion', ['OS_IDENTITY_API_VERSION'],
    'Identity API version, only 3 is supported'),
  f('--os-image-api-version <version>', 'osImageApiVersion', ['OS_IMAGE_API_VERSION'],
    'Image API version, only 2 is supported'),
  f('--os-cacert <ca-bundle-file>', 'osCacert', ['OS_CACERT'], 'CA certificate bundle file'),
  f('--os-cert <certificate-file>', 'osCert', ['OS_CERT'], 'Client certificate file'),
  f('--os-key <key-file>', 'osKey', ['OS_KEY'], 'Client certificate key file'),
  f('--insecure', 'insecure', ['OS_INSECURE'], 'Disable server certificate verification'),
  f('--os-image-url <url>', 'osImageUrl', ['OS_IMAGE_URL'], 'Image service endpoint, bypassing the catalog'),
  // Identity beyond passwords (keystoneauth1 loading/_plugins/identity/v3.py option names).
  f('--os-passcode <passcode>', 'osPasscode', ['OS_PASSCODE'],
    'TOTP passcode for v3totp / v3multifactor (asked for on a terminal when missing)'),
  f('--os-auth-methods <methods>', 'osAuthMethods', ['OS_AUTH_METHODS'],
    'Methods for v3multifactor, comma-separated: v3password,v3totp'),
  f('--os-system-scope <scope>', 'osSystemScope', ['OS_SYSTEM_SCOPE'], 'Scope to the system: all'),
  f('--os-trust-id <id>', 'osTrustId', ['OS_TRUST_ID'], 'Trust ID to scope to'),
  f('--os-identity-provider <name>', 'osIdentityProvider', ['OS_IDENTITY_PROVIDER'], "Identity provider's name in Keystone (OpenID Connect)"),
  f('--os-protocol <name>', 'osProtocol', ['OS_PROTOCOL'], 'Federation protocol in Keystone, e.g. openid (OpenID Connect)'),
  f('--os-client-id <id>', 'osClientId', ['OS_CLIENT_ID'], 'OAuth 2.0 client ID (secret: OS_CLIENT_SECRET)'),
  f('--os-discovery-endpoint <url>', 'osDiscoveryEndpoint', ['OS_DISCOVERY_ENDPOINT'],
    'OpenID Connect discovery document URL (…/.well-known/openid-configuration)'),
  f('--os-access-token-endpoint <url>', 'osAccessTokenEndpoint', ['OS_ACCESS_TOKEN_ENDPOINT'],
    'OpenID Connect token endpoint (overrides the discovery document)'),
  f('--os-openid-scope <scope>', 'osOpenidScope', ['OS_OPENID_SCOPE'], 'OpenID Connect scope requested, default: openid profile'),
  f('--os-access-token-type <type>', 'osAccessTokenType', ['OS_ACCESS_TOKEN_TYPE'],
    'Which token of the identity provider to give Keystone: access_token (default) or id_token'),
  f('--os-redirect-uri <uri>', 'osRedirectUri', ['OS_REDIRECT_URI'], 'Redirect URI for v3oidcauthcode (code: OS_CODE)'),
];
