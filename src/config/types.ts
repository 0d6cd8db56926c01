/**
 * The resolved configuration img authenticates and talks to Glance with.
 * Produced by `resolveCloudConfig()` (src/config/resolve.ts) from --os-* flags,
 * OS_* environment variables and clouds.yaml/secure.yaml, the way
 * python-openstackclient / openstacksdk combine them.
 */

/** Keystone auth methods img implements (`v3password`/`v3token` are accepted as aliases). */
export type AuthType = 'password' | 'token' | 'v3applicationcredential' | 'v3totp' | 'v3multifactor' | OidcAuthType;

/** keystoneauth's OpenID Connect plugins: an identity provider's token, exchanged at Keystone's federation endpoint. */
export type OidcAuthType = 'v3oidcpassword' | 'v3oidcclientcredentials' | 'v3oidcaccesstoken' | 'v3oidcauthcode';

/** The methods `v3multifactor` may combine (keystoneauth plugin names). */
export type FactorMethod = 'v3password' | 'v3totp';

/** Service catalog interface. `publicURL`-style values are normalised before they get here. */
export type Interface = 'public' | 'internal' | 'admin';

/** Everything Keystone needs to issue a token. Secrets live only here, never in messages. */
export interface AuthSettings {
  /** As given (with or without /v3); normalisation is the Keystone client's job. */
  authUrl: string;
  authType: AuthType;
  username?: string;
  userId?: string;
  password?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectName?: string;
  projectId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  /** Domain scope (only when no project is given; see resolve.ts). */
  domainName?: string;
  domainId?: string;
  token?: string;
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret?: string;
  /** TOTP passcode (v3totp, or v3multifactor with v3totp): a secret, if a short-lived one. */
  passcode?: string;
  /** v3multifactor's methods, checked (see identity-settings.ts). */
  authMethods?: FactorMethod[];
  /** System scope (only `all` exists); excludes project, domain and trust scope. */
  systemScope?: 'all';
  trustId?: string;
  /** OpenID Connect: the identity provider and protocol as Keystone names them. */
  identityProvider?: string;
  protocol?: string;
  clientId?: string;
  clientSecret?: string;
  discoveryEndpoint?: string;
  accessTokenEndpoint?: string;
  /** Default `openid profile`. */
  openidScope?: string;
  /** Which field of the identity provider's answer Keystone gets: `access_token` (default) or `id_token`. */
  accessTokenType?: 'access_token' | 'id_token';
  /** v3oidcaccesstoken: an access token the user already has. */
  accessToken?: string;
  redirectUri?: string;
  /** v3oidcauthcode: the authorization code. */
  code?: string;
}

export interface CloudConfig {
  /** From --os-cloud / OS_CLOUD / img's `cloud` setting, or the single cloud clouds.yaml defines. */
  cloudName?: string;
  auth: AuthSettings;
  regionName?: string;
  /** Default `public`. */
  interface: Interface;
  /** Image endpoint override (--os-image-url / OS_IMAGE_URL / clouds.yaml image_endpoint_override). */
  imageUrl?: string;
  identityApiVersion: '3';
  imageApiVersion: '2';
  cacert?: string;
  cert?: string;
  key?: string;
  /** Skip TLS certificate verification. */
  insecure: boolean;
}

/** img's own defaults, from a config file found by cosmiconfig (see img-settings.ts). */
export interface ImgSettings {
  /** Cloud to use when neither --os-cloud nor OS_CLOUD is given. */
  cloud?: string;
  /** Default output format. */
  format?: string;
  progress?: boolean;
  tokenCache?: boolean;
  /** Where the settings were found. */
  configFile?: string;
}
