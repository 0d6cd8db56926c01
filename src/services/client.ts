import type { CloudConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { HttpSession, type SessionOptions } from '../http/session.js';
import { endpointUrl } from './endpoint.js';
import { ImagesApi } from './glance.js';
import { MembersApi } from './glance-members.js';
import { ProjectsApi } from './projects.js';
import { findEndpoint } from './catalog.js';
import { KeystoneClient, type IssuedToken, type TokenStore } from './keystone.js';
import { KeystoneAuth } from './token-provider.js';

interface ClientOptions {
  /** Receives redacted `--debug` lines. */
  debug?: (line: string) => void;
  /** Idle read/write timeout in seconds (--timeout). */
  timeoutSeconds?: number;
  /** Where tokens are kept between runs; none means authenticate every run. */
  tokenStore?: TokenStore;
  userAgent?: string;
  /**
   * Aborts Keystone token requests (SIGINT/SIGTERM): they are made on behalf
   * of whichever command needs a token and carry no signal of their own.
   */
  signal?: AbortSignal;
  /** Told every token in use (cached or issued): the CLI scrubs them from what it prints. */
  onToken?: (token: string) => void;
  /** First retry delay in ms (doubling each time); default 500. See IMG_RETRY_BASE_MS in cli/run.ts. */
  retryBaseMs?: number;
  /** NODE_EXTRA_CA_CERTS as bin/img hands it on (see SessionOptions.extraCaFile). */
  extraCaFile?: string;
  /** Receives warnings (one line, no `img:` prefix). */
  warn?: (message: string) => void;
}

/** Token-level Keystone operations (`img token issue|revoke`). */
export interface KeystoneSession {
  issue(): Promise<IssuedToken>;
  revoke(): Promise<void>;
}

/**
 * The services for one cloud configuration, created lazily: nothing touches
 * the network until a command asks for images() or keystone().
 */
export class CloudClient {
  readonly session: HttpSession;
  private readonly keystoneClient: KeystoneClient;
  private readonly auth: KeystoneAuth;
  private imagesApi: ImagesApi | undefined;

  constructor(
    private readonly config: CloudConfig,
    private readonly opts: ClientOptions = {},
  ) {
    this.session = new HttpSession(this.sessionOptions());
    this.keystoneClient = new KeystoneClient(this.session, config.auth, opts.signal);
    this.auth = new KeystoneAuth(this.keystoneClient, config.auth.authType !== 'token', opts.tokenStore, opts.onToken);
    this.session.setAuth(this.auth);
  }

  /** A small text file from `url` with this cloud's TLS settings and no credentials (see fetchText). */
  async fetchText(url: string, limit: number, signal?: AbortSignal): Promise<string> {
    const { fetchText } = await import('./fetch-text.js');
    return fetchText(url, this.sessionOptions(), limit, signal);
  }

  private sessionOptions(): SessionOptions {
    const { config, opts } = this;
    return {
      cacert: config.cacert,
      cert: config.cert,
      key: config.key,
      insecure: config.insecure,
      idleTimeoutMs: (opts.timeoutSeconds ?? 600) * 1000,
      debug: opts.debug,
      userAgent: opts.userAgent,
      retryBaseMs: opts.retryBaseMs,
      extraCaFile: opts.extraCaFile,
      warn: opts.warn,
    };
  }

  /**
   * Glance images API at --os-image-url / OS_IMAGE_URL if set, else at the
   * catalog's `image` endpoint for the configured interface and region.
   * Either must be an http(s) URL with a host (a ConfigError otherwise,
   * before any request goes to it).
   */
  async images(): Promise<ImagesApi> {
    if (!this.imagesApi) {
      let endpoint = this.config.imageUrl;
      if (endpoint !== undefined) {
        endpointUrl(endpoint, 'OS_IMAGE_URL', 'http://controller:9292');
      } else {
        const issued = await this.auth.login();
        if (!issued.project && !issued.domain && issued.catalog.length === 0) {
          // Keystone gives an unscoped token (no project, no domain) no service catalog.
          throw new ConfigError(
            'The token is unscoped, so Keystone sent no service catalog: set OS_PROJECT_NAME or OS_PROJECT_ID ' +
              '(--os-project-name / --os-project-id) to scope it to a project',
          );
        }
        endpoint = findEndpoint(issued.catalog, {
          type: 'image',
          interface: this.config.interface,
          region: this.config.regionName,
        });
      }
      this.imagesApi = new ImagesApi(this.session, endpoint);
    }
    return this.imagesApi;
  }

  /** Glance image members, at the same endpoint as {@link images}. */
  async members(): Promise<MembersApi> {
    return new MembersApi(this.session, (await this.images()).root);
  }

  /** Keystone projects and domains by name or ID (at the auth URL's /v3). */
  projects(): ProjectsApi {
    return new ProjectsApi(this.session, this.keystoneClient.baseUrl, this.opts.signal, async () => (await this.auth.login()).project);
  }

  keystone(): Promise<KeystoneSession> {
    return Promise.resolve({
      issue: () => this.auth.login(),
      revoke: async () => {
        const issued = await this.auth.login();
        try {
          await this.keystoneClient.revokeToken(issued.token);
        } finally {
          // Even when Keystone refuses (the token already expired or was revoked), it is no use cached.
          // After a token issued just now is saved (login saves it beside the requests), not before.
          await this.auth.settled();
          await this.opts.tokenStore?.evict();
        }
      },
    });
  }

  async close(): Promise<void> {
    await this.auth.settled();
    await this.session.close();
  }
}
