import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { OS_FLAGS, type FlagName } from '../config/flags.js';
import {
  collect, concurrencyOption, declared, example, listOutputOptions, showOutputOptions, visibilityOptions,
  type AddCommand, type ListOutputOptions, type NoOptions, type ShowOutputOptions,
} from './option-builders.js';
import type { CommandContext, CommandResult } from '../commands/context.js';
import { checksumOptions, dataCheckOptions, shortcutOptions } from './program-rails.js';
import { membershipOptions, projectOptions, registerSharingCommands } from './program-sharing.js';
import { registerCompletionCommands } from './program-completion.js';
import { registerCopyCommands } from './program-copy.js';
import { importCreateOptions, registerImportCommands } from './program-import.js';

// Re-exported: test/unit/typed-seam.test.ts checks the seam through the program's own module.
export { declared } from './option-builders.js';

/** How a command's result is printed: a list, one item, or nothing. */
export type OutputKind = 'list' | 'show' | 'none';

/**
 * The options the runner reads, typed from their declarations below: img's
 * global options, the --os-* flags (declared from the OS_FLAGS table), the
 * output options of either kind, and --file (which may name stdin). Renaming
 * one of these flags here makes the runner's read of it fail to compile.
 */
export type RunOptions = GlobalOptions &
  Partial<Record<FlagName, string | boolean>> &
  Partial<ListOutputOptions & ShowOutputOptions> & { file?: string };

/** What the runner reads of the command being run: its options with its parents' (the global ones). */
export interface RunnableCommand {
  optsWithGlobals(): RunOptions;
}

/**
 * Runs one command: resolves configuration from the options of `cmd` (and
 * its parents), builds the context, calls `action`, renders the result.
 * Implemented in ./run.ts; passed in so this file only declares the CLI.
 */
export type Runner = (cmd: RunnableCommand, kind: OutputKind, action: (ctx: CommandContext) => Promise<CommandResult>) => Promise<void>;

/**
 * Declares every image command with `command` (on the program itself, and on
 * `img image`). Each action hands its command's options over through
 * {@link declared}, so that they are checked against the options struct the
 * command takes.
 */
function registerImageCommands(command: AddCommand<GlobalOptions>, run: Runner): void {
  const create = projectOptions('project that owns the new image', shortcutOptions(dataCheckOptions(showOutputOptions(importCreateOptions(visibilityOptions('make the image visible as one of the', command('create')
    .description('Create an image, uploading its data from a file or stdin')
    .argument('<name>', 'name of the new image')
    .option('--file <path>', "upload image data from this file ('-' reads stdin; a file redirected to stdin is read without it)")
    .option('--disk-format <format>', 'ami, ari, aki, vhd, vhdx, vmdk, raw, qcow2, vdi, iso, ploop (default: read from the data, else raw)')
    .option('--container-format <format>', 'ami, ari, aki, bare, ovf, ova, docker, compressed (default: bare)')
    .option('--min-disk <gb>', 'minimum disk size needed to boot the image, in GB')
    .option('--min-ram <mb>', 'minimum RAM needed to boot the image, in MB')
    .option('--property <key=value>', 'set a property (repeatable)', collect)
    .option('--tag <tag>', 'set a tag (repeatable)', collect)
    .option('--id <id>', 'ID (UUID) to give the new image')
    .option('--protected', 'prevent the image from being deleted')
    .option('--unprotected', 'allow the image to be deleted (default)')
    .option('--hidden', 'hide the image from default image lists (os_hidden)')
    .option('--keep-partial', 'keep the image if the upload fails (default: delete it)')))))));
  example(create, 'img create Ubuntu18 --file bionic-server-cloudimg-amd64.img --disk-format qcow2 --container-format bare --public',
    'img create jammy --file jammy.img --checksum-file https://cloud-images.ubuntu.com/jammy/current/SHA256SUMS --os-distro ubuntu',
    'img create cirros < cirros-0.6.2-x86_64-disk.img',
    'img create Ubuntu22 --import --file jammy.qcow2 --disk-format qcow2 --wait');
  create.action(async (name, opts, cmd) => {
    if (opts.import) {
      const { createImported } = await import('../commands/create-import.js');
      return run(cmd, 'show', (ctx) => createImported(ctx, name, declared(opts)));
    }
    const { createImage } = await import('../commands/create.js');
    await run(cmd, 'show', (ctx) => createImage(ctx, name, declared(opts)));
  });

  const list = projectOptions('only images owned by this project', listOutputOptions(visibilityOptions('list only', command('list')
    .description('List images (every page), sorted by name')
    .option('--name <name>', "only images with this name, or matching this shell pattern ('ubuntu-22.04-*'; '[*]' is a literal *)")
    .option('--status <status>', 'only images with this status (queued, active, deactivated, …)')
    .option('--tag <tag>', 'only images with this tag (repeatable: all must match)', collect)
    .option('--property <key=value>', 'only images with this property value (repeatable)', collect)
    .option('--member-status <status>', 'only shared images with this member status (accepted, pending, rejected, all)')
    .option('--hidden', 'list hidden images (os_hidden) instead')
    .option('--long', 'more columns: formats, size, checksum, visibility, protected, project, tags')
    .option('--sort <key[:asc|desc],…>', "sort by these image attributes ('' for Glance's order: each page is printed as it arrives)", 'name:asc')
    .option('--limit <n>', 'at most this many images (one page)')
    .option('--marker <image>', 'start after this image (name or ID)')
  ).option('--all', 'list all images (any visibility)')));
  example(list, 'img list', 'img list --long --public -f json', 'img list --status active -c ID -f value', "img list --name 'ubuntu-22.04-*'", 'img list --project demo --long', "img list --sort '' -f value -c ID");
  list.action(async (opts, cmd) => {
    const { listImages } = await import('../commands/list.js');
    await run(cmd, 'list', (ctx) => listImages(ctx, declared(opts)));
  });

  const show = showOutputOptions(command('show')
    .description('Show an image')
    .argument('<image>', 'image to show (name or ID)')
    .option('--human-readable', 'print the size as 345.6M instead of bytes')
    .option('--show-tasks', "add the image's import tasks (GET /v2/images/{id}/tasks)"));
  example(show, 'img show Ubuntu18', 'img show Ubuntu18 -f value -c status');
  show.action(async (ref, opts, cmd) => {
    const { showImage } = await import('../commands/show.js');
    await run(cmd, 'show', (ctx) => showImage(ctx, ref, declared(opts)));
  });

  const del = concurrencyOption(command('delete')
    .description('Delete images (several at once; goes on past failures)')
    .argument('<image...>', 'images to delete (names or IDs)')
    .option('--store <store>', "only remove the images' data from this store (multi-store)"));
  example(del, 'img delete cirros', 'img delete old-1 old-2 old-3', "img delete --concurrency 16 $(img list --tag ci -f value -c ID)",
    'img delete --store slow cirros');
  del.action(async (refs, opts, cmd) => {
    if (opts.store !== undefined) {
      const { deleteFromStore } = await import('../commands/delete-store.js');
      return run(cmd, 'none', (ctx) => deleteFromStore(ctx, refs, opts.store ?? ''));
    }
    const { deleteImages } = await import('../commands/delete.js');
    await run(cmd, 'none', (ctx) => deleteImages(ctx, refs, declared(opts)));
  });

  for (const action of ['deactivate', 'reactivate'] as const) {
    const c = concurrencyOption(command(action)
      .description(action === 'deactivate' ? 'Deactivate images (their data cannot be downloaded)' : 'Reactivate deactivated images')
      .argument('<image...>', 'images (names or IDs)'));
    example(c, `img ${action} Ubuntu18`);
    c.action(async (refs, opts, cmd) => {
      const { setActivation } = await import('../commands/activation.js');
      await run(cmd, 'none', (ctx) => setActivation(ctx, refs, action, declared(opts)));
    });
  }

  const set = membershipOptions(projectOptions('new owner; with --accept/--reject/--pending: the member project', shortcutOptions(showOutputOptions(visibilityOptions('make the image visible as one of the', command('set')
    .description('Change image attributes, properties, tags, visibility or protection')
    .argument('<image>', 'image to change (name or ID)')
    .option('--name <name>', 'new name')
    .option('--min-disk <gb>', 'minimum disk size in GB')
    .option('--min-ram <mb>', 'minimum RAM in MB')
    .option('--disk-format <format>', 'disk format')
    .option('--container-format <format>', 'container format')
    .option('--property <key=value>', 'set a property (repeatable)', collect)
    .option('--tag <tag>', 'add a tag (repeatable)', collect)
    .option('--protected', 'prevent the image from being deleted')
    .option('--unprotected', 'allow the image to be deleted')
    .option('--hidden', 'hide the image from default lists')
    .option('--unhidden', 'show the image in default lists')
    .option('--deactivate', 'deactivate the image')
    .option('--activate', 'reactivate the image'))))));
  example(set, 'img set Ubuntu18 --property os_distro=ubuntu --tag lts', 'img set --unprotected Ubuntu18',
    'img set Ubuntu18 --os-distro ubuntu --os-version 18.04 --architecture x86_64',
    'img set Ubuntu18 --accept   # as a member of the project it is shared with');
  set.action(async (ref, opts, cmd) => {
    const { setImage } = await import('../commands/set.js');
    await run(cmd, 'show', (ctx) => setImage(ctx, ref, declared(opts)));
  });

  const unset = showOutputOptions(command('unset')
    .description('Remove image properties and tags')
    .argument('<image>', 'image to change (name or ID)')
    .option('--property <key>', 'remove this property (repeatable)', collect)
    .option('--tag <tag>', 'remove this tag (repeatable)', collect));
  example(unset, 'img unset Ubuntu18 --property os_distro --tag lts');
  unset.action(async (ref, opts, cmd) => {
    const { unsetImage } = await import('../commands/unset.js');
    await run(cmd, 'show', (ctx) => unsetImage(ctx, ref, declared(opts)));
  });

  const save = checksumOptions(command('save')
    .description('Download image data, verified against its os_hash_value')
    .argument('<image>', 'image to download (name or ID)')
    .option('--file <path>', 'write to this file (default: stdout, never a terminal)')
    .option('--resume', 'continue an interrupted download (<file>.partial)')
    .option('--allow-md5-fallback', 'verify with the md5 checksum when the hash algorithm is unsupported'));
  example(save, 'img save Ubuntu18 --file ubuntu18.qcow2', 'img save Ubuntu18 | qemu-img info /dev/stdin',
    'img save jammy --file jammy.img --checksum-file SHA256SUMS');
  save.action(async (ref, opts, cmd) => {
    const { saveImage } = await import('../commands/save.js');
    await run(cmd, 'none', (ctx) => saveImage(ctx, ref, declared(opts)));
  });

  const upload = dataCheckOptions(showOutputOptions(command('upload')
    .description('Upload data into a queued image')
    .argument('<image>', 'queued image (name or ID)')
    .option('--file <path>', "data to upload ('-' reads stdin; a file redirected to stdin is read without it)")
    .option('--store <store>', 'upload into this store (multi-store)')));
  example(upload, 'img upload my-queued-image --file disk.raw', 'img upload my-queued-image --file disk.qcow2 --checksum sha256:<hex>',
    'img upload my-queued-image --file disk.raw --store slow');
  upload.action(async (ref, opts, cmd) => {
    const { uploadImage } = await import('../commands/upload.js');
    await run(cmd, 'show', (ctx) => uploadImage(ctx, ref, declared(opts)));
  });
  registerSharingCommands(command, run);
  registerCopyCommands(command, run);
  registerImportCommands(command, run);
}

/** img's own global options (the --os-* ones are added from the OS_FLAGS table). */
function imgProgram(version: string) {
  return new Command('img')
    .description('Fast, trustworthy client for the OpenStack Image service (Glance v2)')
    .version(version, '--version', 'print the img version')
    .option('--debug', 'print each HTTP request and response to stderr (secrets redacted)')
    .option('--timeout <seconds>', 'idle timeout: fail if no data moves for this long (default 600)')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--no-token-cache', 'do not read or write the token cache')
    .option('--progress', 'show transfer progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show transfer progress')
    .showHelpAfterError(false);
}

export type GlobalOptions = ReturnType<ReturnType<typeof imgProgram>['opts']>;

/**
 * Stands in for a command that this run does not declare (see buildProgram's
 * `words`): every method call is accepted, ignored, and returns it again, so
 * a declaration chain runs through it at no cost.
 */
const SKIPPED: unknown = new Proxy(() => undefined, { get: () => () => SKIPPED });

/**
 * The img command line: global options (every --os-* flag of the openstack
 * client except secrets, plus img's own), and the image commands both as
 * `img <action>` and `img image <action>` (the latter left empty with
 * `imageGroup: false`, for a command line that has no `image` word).
 *
 * With `words` (the command line), only the commands named among them are
 * declared: declaring every command and its options is ~5 ms of each start,
 * and commander only runs one (bench/RESULTS.md). A word that is an option's
 * value and also a command's name only declares one command more. When no
 * word names a command, everything is declared (help, and commander's
 * "unknown command … did you mean" need them all), except for `--version`,
 * which needs none.
 */
export function buildProgram(version: string, run: Runner, opts: { imageGroup?: boolean; words?: readonly string[] } = {}): CommandUnknownOpts {
  const program = imgProgram(version);
  for (const f of OS_FLAGS) {
    program.addOption(new Option(f.flag, f.help));
  }
  program.addHelpText(
    'after',
    '\nConfiguration comes from a sourced openrc (OS_* variables) or clouds.yaml (--os-cloud); flags win.\n' +
      'Examples:\n  $ . admin-openrc\n  $ img create Ubuntu18 --file bionic.img --disk-format qcow2 --public\n  $ img list\n  $ img image show Ubuntu18\n',
  );
  let wanted = opts.words && new Set(opts.words);
  let declaredAny = false;
  const declare = (parent: CommandUnknownOpts, name: string) => {
    if (wanted && !wanted.has(name)) return SKIPPED as Command<[], NoOptions, GlobalOptions>;
    declaredAny = true;
    return parent.command(name) as unknown as Command<[], NoOptions, GlobalOptions>;
  };
  const declareAll = () => {
    registerImageCommands((name) => declare(program, name), run);
    const image = declare(program, 'image').description('Image commands (same as img <action>)');
    // The copy under `img image` only when it can be used (see `imageGroup`); all of it for `img image --help`.
    if (image !== SKIPPED && (opts.imageGroup ?? true)) {
      const before = image.commands.length;
      registerImageCommands((name) => declare(image, name), run);
      if (image.commands.length === before) registerImageCommands((name) => image.command(name), run);
    }
    registerOtherCommands(program, declare, run);
  };
  declareAll();
  if (wanted && !declaredAny && (!wanted.has('--version') || wanted.has('--help') || wanted.has('-h'))) {
    wanted = undefined;
    declareAll();
  }
  return program;
}

/** The commands that are not image commands: completion and token. */
function registerOtherCommands(
  program: CommandUnknownOpts,
  declare: (parent: CommandUnknownOpts, name: string) => Command<[], NoOptions, GlobalOptions>,
  run: Runner,
): void {
  registerCompletionCommands((name) => declare(program, name));
  const token = declare(program, 'token').description('Keystone tokens');
  const issue = showOutputOptions(token.command('issue').description('Issue a token (as openstack token issue)'));
  example(issue, 'export OS_TOKEN=$(img token issue -f value -c id)', 'img token issue --os-system-scope all');
  issue.action(async (_o, cmd) => {
    const { issueToken } = await import('../commands/token.js');
    await run(cmd, 'show', (ctx) => issueToken(ctx));
  });
  const revoke = token.command('revoke').description('Revoke the current (cached) token');
  example(revoke, 'img token revoke');
  revoke.action(async (_o, cmd) => {
    const { revokeToken } = await import('../commands/token.js');
    await run(cmd, 'none', (ctx) => revokeToken(ctx));
  });
}
