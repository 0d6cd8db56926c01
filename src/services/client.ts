import type { CloudConfig } from '../config/types.js';
import { HttpSession } from '../http/session.js';
import { ImagesApi } from './glance.js';
import { KeystoneAuth, KeystoneClient, findEndpoint, type IssuedToken, type TokenStore } from './keystone.js';

export interface ClientOptions {
  /** Receives redacted `--debug` lines. */
  debug?: (line: string) => void;
  /** Idle read/write timeout in seconds (--timeout). */
  timeoutSeconds?: number;
  /** Where tokens are kept between runs; none means authenticate every run. */
  tokenStore?: TokenStore;
  userAgent?: string;
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
    this.session = new HttpSession({
      cacert: config.cacert,
      cert: config.cert,
      key: config.key,
      insecure: config.insecure,
      idleTimeoutMs: (opts.timeoutSeconds ?? 600) * 1000,
      debug: opts.debug,
      userAgent: opts.userAgent,
    });
    this.keystoneClient = new KeystoneClient(this.session, config.auth);
    this.auth = new KeystoneAuth(this.keystoneClient, config.auth.authType !== 'token', opts.tokenStore);
    this.session.setAuth(this.auth);
  }

  /**
   * Glance images API at --os-image-url / OS_IMAGE_URL if set, else at the
   * catalog's `image` endpoint for the configured interface and region.
   */
  async images(): Promise<ImagesApi> {
    if (!this.imagesApi) {
      const endpoint =
        this.config.imageUrl ??
        findEndpoint((await this.auth.login()).catalog, {
          type: 'image',
          interface: this.config.interface,
          region: this.config.regionName,
        });
      this.imagesApi = new ImagesApi(this.session, endpoint);
    }
    return this.imagesApi;
  }

  keystone(): Promise<KeystoneSession> {
    return Promise.resolve({
      issue: () => this.auth.login(),
      revoke: async () => {
        const issued = await this.auth.login();
        await this.keystoneClient.revokeToken(issued.token);
        await this.opts.tokenStore?.evict();
      },
    });
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
