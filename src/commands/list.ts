import { UsageError } from '../errors.js';
import { attributeOf, type Image, type ImageListQuery } from '../services/glance.js';
import { pyStr } from '../output/python.js';
import type { CommandContext, CommandResult } from './context.js';
import { LIST_COLUMNS, LONG_LIST_COLUMNS, imageRow } from './image-view.js';
import { keyValues, oneOf, visibilityFlag, wholeNumber } from './parse.js';
import { type ProjectOptions, projectOption } from './project-options.js';

interface ListOptions extends ProjectOptions {
  public?: boolean;
  private?: boolean;
  shared?: boolean;
  community?: boolean;
  all?: boolean;
  name?: string;
  status?: string;
  tag?: string[];
  property?: string[];
  memberStatus?: string;
  hidden?: boolean;
  long?: boolean;
  sort?: string;
  limit?: string;
  marker?: string;
}

/** A sort key is an image attribute or property name; anything else cannot match and is a typo. */
const SORT_KEY_RE = /^[A-Za-z0-9_.:-]+$/;

/** Member statuses Glance filters on (the openstack client's choices). */
const MEMBER_STATUSES = ['accepted', 'pending', 'rejected', 'all'] as const;

interface SortKey {
  key: string;
  desc: boolean;
}

/**
 * Parses `key[:asc|desc][,…]` as osc_lib's sort_items does. Any attribute or
 * property can be a key (images without it sort as None, as in the openstack client).
 */
function parseSort(spec: string): SortKey[] {
  return spec
    .trim()
    .split(',')
    .map((part) => {
      const [key = '', direction, extra] = part.split(':');
      if (!key) throw new UsageError(`Invalid --sort '${spec}': empty sort key`);
      if (extra !== undefined || (direction !== undefined && direction !== 'asc' && direction !== 'desc')) {
        throw new UsageError(
          `Invalid --sort '${spec}': '${direction || '<empty string>'}' is not a valid sort direction for sort key ${key}, use 'asc' or 'desc' instead`,
        );
      }
      if (!SORT_KEY_RE.test(key)) throw new UsageError(`Invalid --sort key '${key}': expected an image attribute or property name`);
      return { key, desc: direction === 'desc' };
    });
}

/**
 * Sorts as osc_lib.utils.sort_items(items, spec, str): each key compared as
 * Python's str() of the value (so None is 'None' and sizes compare as
 * text), stable, applying the last key first.
 */
export function sortImages(images: Image[], keys: SortKey[]): Image[] {
  let out = [...images];
  for (const { key, desc } of [...keys].reverse()) {
    const text = (img: Image) => pyStr(attributeOf(img, key));
    out = out
      .map((img, i) => ({ img, i, k: text(img) }))
      .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0) * (desc ? -1 : 1) || a.i - b.i)
      .map((e) => e.img);
  }
  return out;
}

/**
 * `img list`: GET /v2/images with the filters, every page (or one page with
 * --limit), then --property filtering and --sort (default name:asc) done
 * locally, exactly as the openstack client does, so the rows come out in the
 * same order.
 */
export async function listImages(ctx: CommandContext, opts: ListOptions): Promise<CommandResult> {
  const sortKeys = parseSort(opts.sort ?? 'name:asc');
  const properties = keyValues('--property', opts.property);
  const query: ImageListQuery = {};
  const visibility = visibilityFlag(opts);
  if (visibility) query.visibility = visibility;
  // Empty filters are no filters, as in the openstack client (`--name ''` lists everything).
  if (opts.name) query.name = opts.name;
  if (opts.status) query.status = opts.status;
  if (opts.memberStatus) query.member_status = oneOf('--member-status', opts.memberStatus, MEMBER_STATUSES);
  if (opts.tag?.length) query.tag = opts.tag;
  if (opts.hidden) query.os_hidden = true;
  // --limit 0 means no limit, as in the openstack client.
  if (opts.limit !== undefined) {
    const limit = wholeNumber('--limit', opts.limit, 0);
    if (limit > 0) query.limit = limit;
  }

  const owner = await projectOption(ctx, opts);
  if (owner !== undefined) query.owner = owner;
  const images = await ctx.images();
  if (opts.marker !== undefined) query.marker = (await images.find(opts.marker, ctx.signal)).id;
  let found = await images.list(query, ctx.signal);
  for (const [key, value] of Object.entries(properties)) {
    found = found.filter((img) => attributeOf(img, key) === value);
  }
  found = sortImages(found, sortKeys);
  return {
    kind: 'list',
    columns: opts.long ? LONG_LIST_COLUMNS : LIST_COLUMNS,
    rows: found.map((img) => imageRow(img, opts.long ?? false)),
  };
}
