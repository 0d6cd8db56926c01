import { ImgError, NotFoundError } from '../errors.js';
import { ImportApi, isDefaultStore } from '../services/glance-import.js';
import { dictColumn, listColumn, type Cell } from '../output/columns.js';
import type { CommandContext, CommandResult } from './context.js';

/** `img import info`: the import methods of GET /v2/info/import, as `openstack image import info`. */
export async function importInfo(ctx: CommandContext): Promise<CommandResult> {
  const methods = await ImportApi.of(await ctx.images()).importMethods(ctx.signal);
  return { kind: 'show', fields: ['import-methods'], values: [listColumn(methods)] };
}

/**
 * `img stores list [--detail]`: ID, Description, Default (and Properties),
 * as `openstack image stores list`. A cloud with one store has no /v2/info/stores (404).
 */
export async function listStores(ctx: CommandContext, opts: { detail?: boolean }): Promise<CommandResult> {
  const api = ImportApi.of(await ctx.images());
  let stores;
  try {
    stores = await api.stores(opts.detail ?? false, ctx.signal);
  } catch (err) {
    if (err instanceof NotFoundError) throw new ImgError(`Multi Backend support not enabled: this cloud has a single store (${err.reason})`, { cause: err });
    throw err;
  }
  const columns = ['ID', 'Description', 'Default'];
  if (opts.detail) columns.push('Properties');
  const rows = stores.map((s): Cell[] => {
    // As the openstack client: True for the default store, None for the others.
    const row: Cell[] = [s.id, s.description ?? null, isDefaultStore(s) ? true : null];
    if (opts.detail) row.push(dictColumn({ ...(s.properties ?? {}), ...(s.type === undefined ? {} : { type: s.type }) }));
    return row;
  });
  return { kind: 'list', columns, rows };
}
