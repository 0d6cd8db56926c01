/** Service catalog interface names: the three img uses, and the older spellings that mean the same. */
import type { Interface } from './types.js';

// keystoneauth1 access/service_catalog.py accepts the v2 `publicURL` spellings too.
const INTERFACES = new Map<string, Interface>([
  ['public', 'public'], ['internal', 'internal'], ['admin', 'admin'],
  ['publicURL', 'public'], ['internalURL', 'internal'], ['adminURL', 'admin'],
]);

/**
 * The interface `name` stands for: `public`, `internal` and `admin` as they
 * are, and the Identity v2 spellings `publicURL`, `internalURL` and
 * `adminURL`, which keystoneauth1 accepts both in settings (OS_INTERFACE,
 * clouds.yaml `endpoint_type`) and in catalog entries.
 *
 * @returns undefined for any other name; matching is case-sensitive, as in
 *   keystoneauth1.
 */
export function interfaceOf(name: string): Interface | undefined {
  return INTERFACES.get(name);
}
