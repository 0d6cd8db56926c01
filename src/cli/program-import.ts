/**
 * The commands of Glance's interoperable import, stores, tasks and image
 * cache (`img stage`, `img import`, `img import info`, `img stores list`,
 * `img task list|show`, `img cache …`), and the import options of `img create`.
 */
import { Option, type Command, type OptionValues } from '@commander-js/extra-typings';
import { collect, declared, example, listOutputOptions, showOutputOptions, type AddCommand } from './option-builders.js';
import type { GlobalOptions, Runner } from './program.js';
import { dataCheckOptions } from './program-rails.js';

const WAIT_HELP = 'wait until the import is done or failed, with progress on stderr (exit 1 with the reason on failure)';
const WAIT_TIMEOUT_HELP = 'with --wait: give up waiting after this many seconds (default 3600); the import goes on';

/** The store options of an import (`img import`, `img create --import`). */
function storeOptions<Args extends unknown[], Opts extends OptionValues, Globals extends OptionValues>(cmd: Command<Args, Opts, Globals>) {
  return cmd
    .option('--store <store>', 'import into this store (repeatable; multi-store clouds)', collect)
    .option('--all-stores', 'import into every store of the cloud')
    .addOption(new Option('--allow-failure', 'with several stores: the import succeeds if any store gets the data').conflicts('disallowFailure'))
    .option('--disallow-failure', 'with several stores: every store must get the data (default)')
    .option('--wait', WAIT_HELP)
    .option('--wait-timeout <seconds>', WAIT_TIMEOUT_HELP);
}

/** `img create`'s --import and the options that go with it. */
export function importCreateOptions<Args extends unknown[], Opts extends OptionValues, Globals extends OptionValues>(cmd: Command<Args, Opts, Globals>) {
  return storeOptions(cmd
    .option('--import', 'bring the data in by interoperable import: glance-direct with --file, web-download with --uri')
    .option('--uri <url>', 'with --import: the URL Glance downloads the data from (web-download)'));
}

export function registerImportCommands(command: AddCommand<GlobalOptions>, run: Runner): void {
  const stage = dataCheckOptions(command('stage')
    .description('Stage image data for a glance-direct import (PUT /v2/images/{id}/stage)')
    .argument('<image>', 'queued image (name or ID)')
    .option('--file <path>', "data to stage ('-' reads stdin; a file redirected to stdin is read without it)")
    .option('--size <bytes>', 'size of the data (for the progress of stdin; checked against what was sent)'));
  example(stage, 'img stage my-image --file disk.qcow2', 'img stage my-image --file - --size 1073741824 < disk.raw',
    'img stage my-image --file jammy.img --checksum-file SHA256SUMS');
  stage.action(async (ref, opts, cmd) => {
    const { stageImage } = await import('../commands/stage.js');
    await run(cmd, 'none', (ctx) => stageImage(ctx, ref, declared(opts)));
  });

  const imp = showOutputOptions(storeOptions(command('import')
    .description('Import image data (interoperable import), or show the import methods (img import info)')
    .argument('<image>', 'image to import data into (name or ID)')
    .addOption(new Option('--method <method>', 'import method').choices(['glance-direct', 'web-download', 'copy-image', 'glance-download'] as const))
    .option('--uri <url>', 'web-download: the URL Glance downloads the data from')
    .option('--remote-image <id>', 'glance-download: ID of the image in the other region')
    .option('--remote-region <region>', 'glance-download: region of the remote image')
    .option('--remote-service-interface <interface>', 'glance-download: interface of the remote Glance (public, internal, admin)')));
  example(imp,
    'img import my-image --method glance-direct --wait',
    'img import my-image --method web-download --uri https://example.com/disk.qcow2 --wait --wait-timeout 600',
    'img import my-image --method copy-image --store slow --wait');
  imp.action(async (ref, opts, cmd) => {
    const { importImage } = await import('../commands/import.js');
    await run(cmd, 'show', (ctx) => importImage(ctx, ref, declared(opts)));
  });
  const info = showOutputOptions(imp.command('info').description('Show the import methods the cloud offers (GET /v2/info/import)'));
  example(info, 'img import info', 'img import info -f value');
  info.action(async (_o, cmd) => {
    const { importInfo } = await import('../commands/stores.js');
    await run(cmd, 'show', (ctx) => importInfo(ctx));
  });

  const stores = command('stores').description('Image stores (multi-store clouds)');
  const storesList = listOutputOptions(stores.command('list')
    .description('List the stores the cloud offers')
    .option('--detail', 'with each store\'s type and properties (admin only)'));
  example(storesList, 'img stores list', 'img stores list --detail -f json');
  storesList.action(async (opts, cmd) => {
    const { listStores } = await import('../commands/stores.js');
    await run(cmd, 'list', (ctx) => listStores(ctx, declared(opts)));
  });

  const task = command('task').description('Glance tasks (imports)');
  const taskList = listOutputOptions(task.command('list')
    .description('List tasks (admin only on most clouds)')
    .addOption(new Option('--type <type>', 'only tasks of this type').choices(['import'] as const))
    .addOption(new Option('--status <status>', 'only tasks with this status').choices(['pending', 'processing', 'success', 'failure'] as const))
    .addOption(new Option('--sort-key <key>', 'sort by this attribute (default created_at)')
      .choices(['created_at', 'expires_at', 'id', 'status', 'type', 'updated_at'] as const))
    .addOption(new Option('--sort-dir <dir>', 'sort direction (default desc)').choices(['asc', 'desc'] as const))
    .option('--limit <n>', 'at most this many tasks (one page)')
    .option('--marker <id>', 'start after this task'));
  example(taskList, 'img task list --status failure', 'img task list --sort-key updated_at --sort-dir asc --limit 10');
  taskList.action(async (opts, cmd) => {
    const { listTasks } = await import('../commands/tasks.js');
    await run(cmd, 'list', (ctx) => listTasks(ctx, declared(opts)));
  });
  const taskShow = showOutputOptions(task.command('show').description('Show a task').argument('<task>', 'task ID'));
  example(taskShow, 'img task show 1d6f1f6a-9c2c-4a8b-a8f1-1c8f8d7c6b5a', 'img task show <id> -f value -c message');
  taskShow.action(async (id, _o, cmd) => {
    const { showTask } = await import('../commands/tasks.js');
    await run(cmd, 'show', (ctx) => showTask(ctx, id));
  });

  registerCacheCommands(command, run);
}

function registerCacheCommands(command: AddCommand<GlobalOptions>, run: Runner): void {
  const cache = command('cache').description('The image cache of the Glance API (/v2/cache; admin only)');
  const list = listOutputOptions(cache.command('list').description('List cached and queued images'));
  example(list, 'img cache list');
  list.action(async (_o, cmd) => {
    const { listCache } = await import('../commands/cache.js');
    await run(cmd, 'list', (ctx) => listCache(ctx));
  });
  for (const action of ['queue', 'delete'] as const) {
    const c = cache.command(action)
      .description(action === 'queue' ? 'Queue images for caching' : 'Delete images from the cache')
      .argument('<image...>', 'images (names or IDs)');
    example(c, `img cache ${action} Ubuntu18`);
    c.action(async (refs, _o, cmd) => {
      const { cacheImages } = await import('../commands/cache.js');
      await run(cmd, 'none', (ctx) => cacheImages(ctx, refs, action));
    });
  }
  const clear = cache.command('clear')
    .description('Clear the cache and the queue (or only one of them)')
    .addOption(new Option('--cache', 'clear only the cached images').conflicts('queue'))
    .option('--queue', 'clear only the queued images');
  example(clear, 'img cache clear', 'img cache clear --queue');
  clear.action(async (opts, cmd) => {
    const { clearCache } = await import('../commands/cache.js');
    await run(cmd, 'none', (ctx) => clearCache(ctx, declared(opts)));
  });
}
