/**
 * Image sharing and ownership, as the openstack client spells them:
 * `add project`, `remove project`, `member list`, `member get`, and the
 * `--project`/`--project-domain` and `--accept/--reject/--pending` options
 * that `create`, `list` and `set` (program.ts) take.
 */
import type { Command, OptionValues } from '@commander-js/extra-typings';
import { declared, example, showOutputOptions, listOutputOptions, type AddCommand } from './option-builders.js';
import type { GlobalOptions, Runner } from './program.js';

/** `--project <project>` and `--project-domain <domain>`, worded for the command (`what` the project does). */
export function projectOptions<Args extends unknown[], Opts extends OptionValues, Globals extends OptionValues>(what: string, cmd: Command<Args, Opts, Globals>) {
  return cmd
    .option('--project <project>', `${what} (name or ID)`)
    .option('--project-domain <domain>', 'domain of --project (name or ID), when project names repeat across domains');
}

/** `--accept | --reject | --pending`: the membership of the caller's project (or of --project) in a shared image. */
export function membershipOptions<Args extends unknown[], Opts extends OptionValues, Globals extends OptionValues>(cmd: Command<Args, Opts, Globals>) {
  return cmd
    .option('--accept', "accept the shared image for your project (or --project's); never changes the owner")
    .option('--reject', "reject the shared image for your project (or --project's)")
    .option('--pending', "reset the membership of your project (or --project's) to pending");
}

/** Declares the sharing commands with `command` (on the program itself, and on `img image`). */
export function registerSharingCommands(command: AddCommand<GlobalOptions>, run: Runner): void {
  const add = command('add').description('Share an image (add project)');
  const addProject = showOutputOptions(add.command('project')
    .description('Share an image with a project (image visibility must be shared)')
    .argument('<image>', 'image to share (name or ID)')
    .argument('<project>', 'project to share it with (name or ID)')
    .option('--project-domain <domain>', 'domain of the project (name or ID)')
    .option('--accept', 'also accept the share for the project (needs admin under Glance\'s default policy)'));
  example(addProject, 'img add project Ubuntu18 demo', 'img add project Ubuntu18 demo --accept   # as admin: shown in demo\'s default list at once');
  addProject.action(async (image, project, opts, cmd) => {
    const { addProject: action } = await import('../commands/members.js');
    await run(cmd, 'show', (ctx) => action(ctx, image, project, declared(opts)));
  });

  const remove = command('remove').description('Stop sharing an image (remove project)');
  const removeProject = remove.command('project')
    .description('Stop sharing an image with a project')
    .argument('<image>', 'image (name or ID)')
    .argument('<project>', 'project to remove (name or ID)')
    .option('--project-domain <domain>', 'domain of the project (name or ID)');
  example(removeProject, 'img remove project Ubuntu18 demo');
  removeProject.action(async (image, project, opts, cmd) => {
    const { removeProject: action } = await import('../commands/members.js');
    await run(cmd, 'none', (ctx) => action(ctx, image, project, declared(opts)));
  });

  const member = command('member').description('Image members (the projects an image is shared with)');
  const list = listOutputOptions(member.command('list')
    .description('List the projects an image is shared with, and their status')
    .argument('<image>', 'image (name or ID)'));
  example(list, 'img member list Ubuntu18', 'img member list Ubuntu18 -f value -c "Member ID"');
  list.action(async (image, _o, cmd) => {
    const { listMembers } = await import('../commands/members.js');
    await run(cmd, 'list', (ctx) => listMembers(ctx, image));
  });
  const get = showOutputOptions(member.command('get')
    .description('Show one project an image is shared with')
    .argument('<image>', 'image (name or ID)')
    .argument('<project>', 'member project (name or ID)')
    .option('--project-domain <domain>', 'domain of the project (name or ID)'));
  example(get, 'img member get Ubuntu18 demo -c status -f value');
  get.action(async (image, project, opts, cmd) => {
    const { getMember } = await import('../commands/members.js');
    await run(cmd, 'show', (ctx) => getMember(ctx, image, project, declared(opts)));
  });
}
