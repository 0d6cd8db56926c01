/**
 * The options of an interoperable import (`img import`, `img create
 * --import`) checked and turned into the POST body, before any request.
 */
import { UsageError } from '../errors.js';
import type { ImportBody } from '../services/glance-import.js';
import { oneOf, wholeNumber } from './parse.js';

export const IMPORT_METHODS = ['glance-direct', 'web-download', 'copy-image', 'glance-download'] as const;
export type ImportMethod = (typeof IMPORT_METHODS)[number];

/** Default of --wait-timeout, in seconds. */
export const DEFAULT_WAIT_TIMEOUT_S = 3600;
/** Longest --wait-timeout: 20 days, under the 2^31 ms a Node timer can hold (a longer one would fire at once). */
const MAX_WAIT_TIMEOUT_S = 20 * 86_400;

export interface ImportOptions {
  method?: string;
  uri?: string;
  remoteImage?: string;
  remoteRegion?: string;
  remoteServiceInterface?: string;
  store?: string[];
  allStores?: boolean;
  allowFailure?: boolean;
  disallowFailure?: boolean;
  wait?: boolean;
  waitTimeout?: string;
}

/** What was asked for: the POST body, and how long to wait (undefined: do not wait). */
export interface ImportPlan {
  method: ImportMethod;
  body: ImportBody;
  waitMs: number | undefined;
}

/** --wait / --wait-timeout as milliseconds to wait, or undefined without --wait. */
export function waitMs(opts: Pick<ImportOptions, 'wait' | 'waitTimeout'>): number | undefined {
  if (opts.waitTimeout !== undefined && !opts.wait) throw new UsageError('--wait-timeout needs --wait');
  if (!opts.wait) return undefined;
  const seconds = opts.waitTimeout === undefined ? DEFAULT_WAIT_TIMEOUT_S : wholeNumber('--wait-timeout', opts.waitTimeout, 1);
  if (seconds > MAX_WAIT_TIMEOUT_S) throw new UsageError(`Invalid value '${opts.waitTimeout}' for --wait-timeout: at most ${MAX_WAIT_TIMEOUT_S} seconds`);
  return seconds * 1000;
}

/** Checks a --uri: an absolute http(s) URL with a host (what web-download fetches). */
export function checkUri(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new UsageError(`'${uri}' is not a valid url (--uri)`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new UsageError(`'${uri}' is not a valid url (--uri): web-download takes http or https URLs`);
  }
  return uri;
}

/** --store…/--all-stores/--allow-failure/--disallow-failure into the body's store fields. */
export function storeFields(opts: ImportOptions): Pick<ImportBody, 'stores' | 'all_stores' | 'all_stores_must_succeed'> {
  const stores = opts.store ?? [];
  if (stores.length && opts.allStores) throw new UsageError('--store and --all-stores cannot be used together');
  if (opts.allowFailure && opts.disallowFailure) throw new UsageError('--allow-failure and --disallow-failure cannot be used together');
  if ((opts.allowFailure || opts.disallowFailure) && !stores.length && !opts.allStores) {
    throw new UsageError(`${opts.allowFailure ? '--allow-failure' : '--disallow-failure'} is only usable with --store or --all-stores`);
  }
  for (const s of stores) if (!s.trim() || s.includes(',')) throw new UsageError(`Invalid value '${s}' for --store: expected one store name`);
  const out: Pick<ImportBody, 'stores' | 'all_stores' | 'all_stores_must_succeed'> = {};
  if (stores.length) out.stores = [...new Set(stores)];
  if (opts.allStores) out.all_stores = true;
  if (opts.allowFailure || opts.disallowFailure) out.all_stores_must_succeed = !opts.allowFailure;
  return out;
}

/** Checks the options of `img import` (as the openstack client does, and more) and builds the POST body. */
export function importPlan(opts: ImportOptions): ImportPlan {
  if (opts.method === undefined) throw new UsageError(`img import needs --method (${IMPORT_METHODS.join(', ')})`);
  const method = oneOf('--method', opts.method, IMPORT_METHODS);
  const only = (flag: string, value: unknown, wanted: ImportMethod) => {
    if (value !== undefined && method !== wanted) throw new UsageError(`The '${flag}' option is only supported when using '--method=${wanted}'`);
  };
  only('--uri', opts.uri, 'web-download');
  only('--remote-image', opts.remoteImage, 'glance-download');
  only('--remote-region', opts.remoteRegion, 'glance-download');
  only('--remote-service-interface', opts.remoteServiceInterface, 'glance-download');
  const body: ImportBody = { method: { name: method }, ...storeFields(opts) };
  if (method === 'web-download') {
    if (opts.uri === undefined) throw new UsageError("The '--uri' option is required when using '--method=web-download'");
    body.method.uri = checkUri(opts.uri);
  }
  if (method === 'glance-download') {
    if (!opts.remoteImage || !opts.remoteRegion) {
      throw new UsageError("The '--remote-region' and '--remote-image' options are required when using '--method=glance-download'");
    }
    body.method.glance_image_id = opts.remoteImage;
    body.method.glance_region = opts.remoteRegion;
    if (opts.remoteServiceInterface !== undefined) {
      body.method.glance_service_interface = oneOf('--remote-service-interface', opts.remoteServiceInterface, ['public', 'internal', 'admin']);
    }
  }
  if (method === 'copy-image' && !body.stores && !body.all_stores) {
    throw new UsageError("The '--store' or '--all-stores' options are required when using '--method=copy-image'");
  }
  return { method, body, waitMs: waitMs(opts) };
}

/** Options of `img create` that only make sense with --import. */
export type ImportOnlyOptions = Pick<ImportOptions, 'uri' | 'allStores' | 'allowFailure' | 'disallowFailure' | 'wait' | 'waitTimeout' | 'store'>;

/** `img create` without --import: refuses the import-only options, and more than one --store. */
export function refuseImportOnly(opts: ImportOnlyOptions): void {
  const flags: [string, unknown][] = [
    ['--uri', opts.uri], ['--all-stores', opts.allStores], ['--allow-failure', opts.allowFailure],
    ['--disallow-failure', opts.disallowFailure], ['--wait', opts.wait], ['--wait-timeout', opts.waitTimeout],
  ];
  const used = flags.find(([, v]) => v !== undefined);
  if (used) throw new UsageError(`${used[0]} needs --import`);
  if ((opts.store?.length ?? 0) > 1) throw new UsageError('several --store need --import (an upload goes to one store)');
  for (const s of opts.store ?? []) if (!s.trim() || s.includes(',')) throw new UsageError(`Invalid value '${s}' for --store: expected one store name`);
}
