import { dictColumn, listColumn, type Cell } from '../output/columns.js';
import type { Image } from '../services/glance.js';
import type { CommandResult } from './context.js';

/**
 * The attributes the openstack client shows as their own rows (its
 * `_format_image` fields_to_show); every other attribute goes into
 * `properties`. `self`, `locations` and `tags` are handled apart.
 */
const SHOWN_FIELDS = [
  'checksum', 'container_format', 'created_at', 'disk_format', 'file', 'id', 'min_disk', 'min_ram',
  'name', 'owner', 'protected', 'schema', 'size', 'status', 'updated_at', 'virtual_size', 'visibility',
] as const;
const NOT_PROPERTIES = new Set<string>([...SHOWN_FIELDS, 'tags', 'self', 'location', 'locations']);

/** Size as osc_lib.utils.format_size prints it: 345571328 → "345.6M" (powers of 1000). */
function humanSize(size: number | null | undefined): string {
  const suffix = ['', 'K', 'M', 'G', 'T', 'P', 'E', 'Z'];
  let n = size ?? 0;
  let index = 0;
  while (n >= 1000 && index < suffix.length - 1) {
    index++;
    n /= 1000;
  }
  // Python's '%.1f' rounds an exact tie (1.25, 0.75) to even; toFixed rounds it up.
  const tenths = n * 10;
  const padded = Number.isInteger(tenths * 2) && !Number.isInteger(tenths)
    ? (Math.floor(tenths) % 2 === 0 ? Math.floor(tenths) / 10 : Math.ceil(tenths) / 10).toFixed(1)
    : n.toFixed(1);
  return `${padded.replace(/0+$/, '').replace(/\.$/, '')}${suffix[index]}`;
}

/**
 * Field/Value data of one image, as `openstack image show` prints it: the
 * seed table's fields in sorted order (missing ones as None), `tags` sorted,
 * and `properties` holding every other attribute (os_hash_algo,
 * os_hash_value, os_hidden, stores, user properties) when there are any.
 */
export function imageShow(image: Image, humanReadable = false): CommandResult {
  const info = new Map<string, Cell>();
  for (const field of SHOWN_FIELDS) {
    const v = image[field];
    info.set(field, v === undefined ? null : (v as Cell));
  }
  if (humanReadable) info.set('size', humanSize(image.size));
  info.set('tags', listColumn(image.tags ?? []));
  // fromEntries defines every key as its own (assigning `__proto__` would set the prototype instead).
  const properties = Object.fromEntries(Object.entries(image).filter(([key]) => !NOT_PROPERTIES.has(key)));
  if (Object.keys(properties).length > 0) info.set('properties', dictColumn(properties));
  const fields = [...info.keys()].sort();
  return { kind: 'show', fields, values: fields.map((f) => info.get(f) ?? null) };
}

/** Columns of `img list` and `img list --long` (the openstack client's headers). */
export const LIST_COLUMNS = ['ID', 'Name', 'Status'];
export const LONG_LIST_COLUMNS = [
  'ID', 'Name', 'Disk Format', 'Container Format', 'Size', 'Checksum', 'Status', 'Visibility', 'Protected', 'Project', 'Tags',
];

/** One row of `img list` (or `--long`) for an image. */
export function imageRow(image: Image, long: boolean): Cell[] {
  if (!long) return [image.id, image.name, image.status];
  return [
    image.id,
    image.name,
    image.disk_format,
    image.container_format,
    image.size,
    image.checksum,
    image.status,
    image.visibility,
    image.protected,
    image.owner,
    listColumn(image.tags ?? []),
  ];
}
