/** Which endpoint of a token's service catalog img talks to: by service type, interface and region. */
import { ConfigError } from '../errors.js';
import type { Interface } from '../config/types.js';
import { endpointUrl } from './endpoint.js';
import { interfaceOf } from '../config/index.js';
import type { CatalogService } from './keystone.js';

/**
 * URL of the `type` service in the catalog for an interface and, when given,
 * a region (matched against `region_id` and the older `region`). Errors say
 * which regions/interfaces the catalog does offer. An endpoint that is not an
 * http(s) URL with a host (`file:`, `javascript:`, …) is a ConfigError, like
 * a malformed OS_AUTH_URL (see {@link endpointUrl}).
 */
export function findEndpoint(
  catalog: CatalogService[],
  want: { type: string; interface: Interface; region?: string | undefined },
): string {
  const services = catalog.filter((s) => s.type === want.type);
  if (services.length === 0) {
    throw new ConfigError(
      `The service catalog has no '${want.type}' service: set OS_IMAGE_URL or --os-image-url, or check the project scope`,
    );
  }
  const endpoints = services.flatMap((s) => s.endpoints);
  const inRegion = want.region
    ? endpoints.filter((e) => (e.region_id ?? e.region) === want.region)
    : endpoints;
  if (inRegion.length === 0) {
    const regions = [...new Set(endpoints.map((e) => e.region_id ?? e.region ?? '(none)'))].sort();
    throw new ConfigError(
      `No '${want.type}' endpoint in region '${want.region}' (OS_REGION_NAME / --os-region-name); the catalog has: ${regions.join(', ')}`,
    );
  }
  const match = inRegion.find((e) => interfaceOf(e.interface) === want.interface);
  if (!match) {
    const ifaces = [...new Set(inRegion.map((e) => e.interface))].sort();
    throw new ConfigError(
      `No '${want.interface}' endpoint for '${want.type}'${want.region ? ` in region '${want.region}'` : ''} (OS_INTERFACE / --os-interface); the catalog has: ${ifaces.join(', ')}`,
    );
  }
  const what = `The service catalog's ${want.interface} ${want.type} endpoint${want.region ? ` (region '${want.region}')` : ''}`;
  endpointUrl(typeof match.url === 'string' ? match.url : '', what, 'http://controller:9292');
  return match.url;
}
