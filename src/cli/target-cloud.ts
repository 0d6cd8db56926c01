/**
 * The Glance an image is copied to (`img copy --to-cloud NAME --to-region R`):
 * another cloud of clouds.yaml, resolved by the same code as --os-cloud with
 * its own credentials, token and catalog; or another region of the run's own
 * cloud, with the same credentials and the image endpoint of that region.
 */
import type { ImageTarget } from '../commands/context.js';
import { needsPassword, resolveCloudConfig, validateForAuth, type ConfigInput } from '../config/index.js';
import type { CloudConfig } from '../config/types.js';
import { ConfigError, ImgError, UsageError } from '../errors.js';
import type { CloudClient } from '../services/client.js';
import type { ImagesApi } from '../services/glance.js';

/** OS_* variables that only say where clouds.yaml is: kept for the target cloud, every other OS_* describes the source. */
const FILE_SELECTORS = new Set(['OS_CLIENT_CONFIG_FILE', 'OS_CLIENT_SECURE_FILE']);

/**
 * The configuration of `target`: a cloud of clouds.yaml alone (no OS_*
 * variable or --os-* flag of the source leaks into it), in `target.region`
 * if given; or `source` in another region. Secrets of the target come only
 * from clouds.yaml/secure.yaml: img asks for no second password.
 */
export async function targetConfig(source: CloudConfig, input: ConfigInput, target: ImageTarget): Promise<CloudConfig> {
  if (target.cloud === undefined) {
    if (source.imageUrl !== undefined) {
      throw new UsageError('--to-region cannot be used with an image endpoint override (--os-image-url / OS_IMAGE_URL): it names one Glance');
    }
    return { ...source, regionName: target.region };
  }
  const env = Object.fromEntries(Object.entries(input.env).filter(([k]) => !k.startsWith('OS_') || FILE_SELECTORS.has(k)));
  const flags = { osCloud: target.cloud, ...(target.region === undefined ? {} : { osRegionName: target.region }) };
  const cfg = await resolveCloudConfig({ ...input, env, flags, password: undefined, cloudFromSettings: undefined });
  if (needsPassword(cfg)) {
    throw new ConfigError(`--to-cloud ${target.cloud}: clouds.yaml (or secure.yaml) gives no password for this cloud; img asks only for the source cloud's`);
  }
  try {
    validateForAuth(cfg);
  } catch (err) {
    if (err instanceof ImgError) throw new ConfigError(`--to-cloud ${target.cloud}: ${err.message}`, { cause: err });
    throw err;
  }
  return cfg;
}

/** The clients of the targets a run used, made on first use and closed with the run. */
export class TargetClients {
  private readonly made = new Map<string, Promise<CloudClient>>();

  constructor(
    private readonly own: CloudClient,
    private readonly configFor: (target: ImageTarget) => Promise<CloudConfig>,
    private readonly newClient: (cfg: CloudConfig) => Promise<CloudClient>,
  ) {}

  /** Glance of `target`; the run's own when it names neither a cloud nor a region. */
  async images(target: ImageTarget): Promise<ImagesApi> {
    if (target.cloud === undefined && target.region === undefined) return this.own.images();
    const key = JSON.stringify([target.cloud ?? null, target.region ?? null]);
    let client = this.made.get(key);
    if (!client) {
      client = this.configFor(target).then((cfg) => this.newClient(cfg));
      this.made.set(key, client);
    }
    try {
      return await (await client).images();
    } catch (err) {
      // The catalog's message names OS_REGION_NAME, the source's setting: say which option it was about.
      if (err instanceof ConfigError && !err.message.startsWith('--to-')) {
        const option = target.cloud === undefined ? `--to-region ${target.region}` : `--to-cloud ${target.cloud}`;
        // The cloud was named by --to-cloud here, not by --os-cloud as resolveCloudConfig says.
        throw new ConfigError(`${option}: ${err.message.replace(' (from --os-cloud)', '')}`, { cause: err });
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    for (const client of this.made.values()) {
      await client.then((c) => c.close(), () => undefined);
    }
  }
}
