import { UsageError } from '../errors.js';

/** Disk formats Glance accepts by default (glance-api.conf [image_format] disk_formats). */
export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'] as const;
/** Container formats Glance accepts by default. */
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] as const;
/** Member statuses Glance filters on (the openstack client's choices). */
export const MEMBER_STATUSES = ['accepted', 'pending', 'rejected', 'all'] as const;

/** `value` if it is one of `allowed`, else a UsageError naming the option and the choices. */
export function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`Invalid value '${value}' for ${option}: choose from ${allowed.join(', ')}`);
}

/** Parses a whole number ≥ `min`; anything else (1.5, -1, 10GB, '') is a UsageError naming the option. */
export function wholeNumber(option: string, value: string, min = 0): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`Invalid value '${value}' for ${option}: expected a whole number${min > 0 ? ` ≥ ${min}` : ''}`);
  }
  return Number(value);
}

/**
 * `key=value` pairs of repeated --property options into an object (later
 * wins). The key must be non-empty; the value may be empty or contain '='.
 */
export function keyValues(option: string, pairs: readonly string[] | undefined): Record<string, string> {
  // No prototype: `__proto__` or `constructor` is a key like any other, never an inherited member.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`Invalid ${option} '${pair}': expected key=value`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** Image attributes img manages itself; --property may not set them (use the dedicated option). */
export const RESERVED_PROPERTIES = new Set([
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'checksum', 'os_hash_algo', 'os_hash_value',
  'size', 'virtual_size', 'disk_format', 'container_format', 'min_disk', 'min_ram', 'owner', 'tags',
  'created_at', 'updated_at', 'file', 'self', 'schema', 'locations', 'direct_url', 'stores',
]);

/** Rejects --property keys that are core attributes, naming the option to use instead. */
export function checkPropertyKeys(props: Record<string, string>): void {
  for (const key of Object.keys(props)) {
    if (RESERVED_PROPERTIES.has(key)) {
      throw new UsageError(`--property ${key}=… is not allowed: '${key}' is a core image attribute (use its own option)`);
    }
  }
}

/** Visibility from the mutually exclusive --public/--private/--shared/--community flags. */
export function visibilityFlag(opts: {
  public?: boolean;
  private?: boolean;
  shared?: boolean;
  community?: boolean;
  all?: boolean;
}): 'public' | 'private' | 'shared' | 'community' | 'all' | undefined {
  const chosen = (['public', 'private', 'shared', 'community', 'all'] as const).filter((v) => opts[v]);
  if (chosen.length > 1) {
    throw new UsageError(`Options ${chosen.map((c) => `--${c}`).join(' and ')} cannot be used together`);
  }
  return chosen[0];
}

/** True/false/undefined from a --x / --no-x style pair, refusing both at once. */
export function onOff(on: boolean | undefined, off: boolean | undefined, onName: string, offName: string): boolean | undefined {
  if (on && off) throw new UsageError(`Options ${onName} and ${offName} cannot be used together`);
  if (on) return true;
  if (off) return false;
  return undefined;
}

/** The image attribute options `create` and `set` share (as commander parses them: strings and flags). */
export interface AttributeOptions {
  diskFormat?: string;
  containerFormat?: string;
  minDisk?: string;
  minRam?: string;
  property?: string[];
  tag?: string[];
  public?: boolean;
  private?: boolean;
  shared?: boolean;
  community?: boolean;
  protected?: boolean;
  unprotected?: boolean;
  hidden?: boolean;
}
