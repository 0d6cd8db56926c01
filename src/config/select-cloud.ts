/** Which cloud of clouds.yaml is used, and which of its regions. */
import { ConfigError } from '../errors.js';
import { isDict, type Dict } from '../util/is-dict.js';
import { mergeDicts, normalizeKeys, type CloudsData } from './clouds.js';
import { stringOf, type Source, type Value } from './layer.js';
import type { ConfigInput } from './resolve.js';
import { shown } from './shown.js';

/** The chosen cloud; `name` and `where` (for messages) only when one of clouds.yaml was chosen. */
interface PickedCloud {
  name?: string;
  cloud: Dict;
  where?: string;
}

/**
 * loader.py `_get_os_environ()`: any OS_* variable other than these selectors
 * (and the test-runner prefixes) makes openstacksdk build its "envvars" cloud
 * and use it instead of auto-selecting the only cloud in clouds.yaml.
 */
function hasOsEnvironment(env: ConfigInput['env']): boolean {
  const selectors = new Set(['OS_CLOUD', 'OS_REGION_NAME', 'OS_CLIENT_CONFIG_FILE', 'OS_CLIENT_SECURE_FILE', 'OS_CLOUD_NAME']);
  return Object.entries(env).some(
    ([k, v]) => v && k.startsWith('OS_') && !selectors.has(k) && !/^OS_(TEST|STD|LOG)/.test(k),
  );
}

/**
 * Which cloud to use: --os-cloud, OS_CLOUD, img's `cloud` setting, else
 * (loader.py lines after "If there is only one cloud just use it") the only
 * cloud defined, unless OS_* variables are set. A named cloud must exist
 * (`_get_base_cloud_config`: "Cloud {name} was not found.").
 *
 * The `cloud` setting never overrides a cloud the operator described: with
 * OS_AUTH_URL (a sourced openrc) or --os-auth-url it is ignored, so a
 * settings file cannot slip another cloud's image endpoint, CA or TLS
 * settings under the operator's credentials. (OS_CLOUD and --os-cloud beat
 * it anyway.)
 *
 * @returns an empty `cloud` when none is chosen.
 * @throws ConfigError for a named cloud that is not defined (also when it
 *   came from --os-cloud: the name may be right and clouds.yaml wrong).
 */
export function pickCloud(input: Pick<ConfigInput, 'env' | 'flags' | 'cloudFromSettings'>, data: CloudsData): PickedCloud {
  const fromFlag = typeof input.flags.osCloud === 'string' && input.flags.osCloud ? input.flags.osCloud : undefined;
  const described = Boolean(input.env['OS_AUTH_URL'] || input.flags.osAuthUrl);
  const requested: [string, Source] | undefined = fromFlag
    ? [fromFlag, { kind: 'flag', label: '--os-cloud' }]
    : input.env['OS_CLOUD']
      ? [input.env['OS_CLOUD'], { kind: 'env', label: 'OS_CLOUD' }]
      : input.cloudFromSettings && !described
        ? [input.cloudFromSettings, { kind: 'file', label: 'the "cloud" setting of the img config file' }]
        : undefined;
  const names = Object.keys(data.clouds);
  const where = (name: string): string => `cloud ${shown(name)} in ${data.files.join(' + ')}`;
  if (requested) {
    const [name, source] = requested;
    const cloud = Object.hasOwn(data.clouds, name) ? data.clouds[name] : undefined;
    if (cloud) return { name, cloud, where: where(name) };
    // Not UsageError even for --os-cloud: the name may be right and clouds.yaml wrong.
    if (data.files.length === 0) {
      const explicit = input.env['OS_CLIENT_CONFIG_FILE'];
      throw new ConfigError(`Cloud ${shown(name)} (from ${source.label}) not found: no clouds.yaml, clouds.yml or clouds.json ` +
        `${explicit ? `at ${explicit} (OS_CLIENT_CONFIG_FILE) or ` : ''}in ${data.searched.join(', ')}`);
    }
    throw new ConfigError(`Cloud ${shown(name)} (from ${source.label}) is not defined in ${data.files.join(' + ')}; ` +
      `defined clouds: ${names.length ? names.join(', ') : 'none'}`);
  }
  const only = names.length === 1 ? names[0] : undefined;
  if (only !== undefined && !hasOsEnvironment(input.env)) {
    return { name: only, cloud: data.clouds[only] ?? {}, where: where(only) };
  }
  return { cloud: {} };
}

/**
 * loader.py `_get_known_regions()` / `_get_region()`: a cloud may list its
 * regions (`regions:` as names or {name, values}, or `region_name`, possibly
 * comma-separated). Without a requested region the first is used; a requested
 * one must be listed; a region's `values` override the cloud's settings.
 *
 * @returns the cloud with its region's values merged in, and the region (the
 *   requested one as it is when the cloud lists none).
 * @throws ConfigError for a malformed `regions` entry or a requested region
 *   the cloud does not list.
 */
export function applyRegion(cloud: Dict, requested: Value | undefined, where: string): { cloud: Dict; region?: string } {
  const raw = cloud['regions'] ?? cloud['region_name'];
  const list: unknown[] = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [];
  const regions = list.map((r) => {
    if (typeof r === 'string') return { name: r, values: {} as Dict };
    if (isDict(r) && typeof r['name'] === 'string' && Object.keys(r).every((k) => k === 'name' || k === 'values')) {
      return { name: r['name'], values: isDict(r['values']) ? normalizeKeys(r['values']) : {} };
    }
    throw new ConfigError(`Invalid entry in "regions" of ${where}: each must be a name or {name, values}`);
  });
  const wanted = stringOf(requested);
  if (regions.length === 0) return { cloud, region: wanted };
  const region = wanted === undefined ? regions[0] : regions.find((r) => r.name === wanted);
  if (!region) {
    throw new ConfigError(`Region ${shown(wanted)} (from ${requested!.source.label}) is not defined for ${where}; ` +
      `defined regions: ${regions.map((r) => r.name).join(', ')} (region names are case-sensitive)`);
  }
  return { cloud: mergeDicts(cloud, region.values), region: region.name };
}
