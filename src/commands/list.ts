import { UsageError } from '../errors.js';
import { attributeOf, type Image, type ImageListQuery } from '../services/glance.js';
import { pyStr } from '../output/python.js';
import type { Cell } from '../output/columns.js';
import type { CommandContext, CommandResult } from './context.js';
import { LIST_COLUMNS, LONG_LIST_COLUMNS, imageRow } from './image-view.js';
import { globToRegExp, isGlob } from './name-glob.js';
import { MEMBER_STATUSES, keyValues, oneOf, visibilityFlag, wholeNumber } from './parse.js';
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


interface SortKey {
  key: string;
  desc: boolean;
}

/**
 * Parses `key[:asc|desc][,…]` as osc_lib's sort_items does. Any attribute or
 * property can be a key (images without it sort as None, as in the openstack client).
 */
function parseSort(spec: string): SortKey[] {
  // osc_lib's sort_items leaves the items as they came when the spec is empty: Glance's order.
  if (spec === '') return [];
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
  return sortEntries(images.map((img) => ({ texts: sortTexts(img, keys), item: img })), keys);
}

/** The str() of each sort key's value in `img`, in the order of `keys`. */
function sortTexts(img: Image, keys: SortKey[]): string[] {
  return keys.map(({ key }) => pyStr(attributeOf(img, key)));
}

/** {@link sortImages} over entries whose key texts were taken already. */
function sortEntries<T>(entries: { texts: string[]; item: T }[], keys: SortKey[]): T[] {
  let out = entries;
  for (let k = keys.length - 1; k >= 0; k--) {
    const dir = keys[k]!.desc ? -1 : 1;
    out = out
      .map((e, i) => ({ e, i, t: e.texts[k]! }))
      .sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0) * dir || a.i - b.i)
      .map((x) => x.e);
  }
  return out.map((e) => e.item);
}

/**
 * `img list`: GET /v2/images with the filters, every page (or one page with
 * --limit), then --property filtering and --sort (default name:asc) done
 * locally, exactly as the openstack client does, so the rows come out in the
 * same order. Each page is reduced to its rows and sort keys as it arrives:
 * memory grows with the rows printed, not with Glance's whole image records.
 * The sort needs every row before the first can be printed; with `--sort ''`
 * (no sort, as in the openstack client: Glance's order) the rows are returned
 * as an async iterable of pages instead, each fetched when the last was printed.
 */
export async function listImages(ctx: CommandContext, opts: ListOptions): Promise<CommandResult> {
  const sortKeys = parseSort(opts.sort ?? 'name:asc');
  const properties = Object.entries(keyValues('--property', opts.property));
  const query: ImageListQuery = {};
  const visibility = visibilityFlag(opts);
  if (visibility) query.visibility = visibility;
  // Empty filters are no filters, as in the openstack client (`--name ''` lists everything).
  // A shell pattern is matched here, after the server's filters: Glance only knows exact names.
  const pattern = opts.name && isGlob(opts.name) ? globToRegExp(opts.name) : undefined;
  if (opts.name && !pattern) query.name = opts.name;
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
  const long = opts.long ?? false;
  const columns = long ? LONG_LIST_COLUMNS : LIST_COLUMNS;
  const wanted = (img: Image) =>
    (!pattern || (typeof img.name === 'string' && pattern.test(img.name))) && properties.every(([key, value]) => attributeOf(img, key) === value);
  if (sortKeys.length === 0) {
    // --sort '': nothing to wait for, each page's rows go out as the page arrives (and the next
    // page is fetched once they were written: the runner pulls it).
    async function* pageRows(): AsyncGenerator<Cell[][]> {
      for await (const page of images.pages(query, ctx.signal)) yield page.filter(wanted).map((img) => imageRow(img, long));
    }
    return { kind: 'list', columns, rows: pageRows() };
  }
  const entries: { texts: string[]; item: Cell[] }[] = [];
  for await (const page of images.pages(query, ctx.signal)) {
    for (const img of page) {
      if (wanted(img)) entries.push({ texts: sortTexts(img, sortKeys), item: imageRow(img, long) });
    }
  }
  return { kind: 'list', columns, rows: sortEntries(entries, sortKeys) };
}
