/** `img copy`: declared apart from program.ts (see option-builders.ts), registered by registerImageCommands. */
import type { GlobalOptions, Runner } from './program.js';
import { collect, declared, example, showOutputOptions, visibilityOptions, type AddCommand } from './option-builders.js';

export function registerCopyCommands(command: AddCommand<GlobalOptions>, run: Runner): void {
  const copy = showOutputOptions(visibilityOptions('make the copy visible as one of the', command('copy')
    .description('Copy an image, streamed from its Glance to another cloud, region or the same Glance, verified end to end')
    .argument('<image>', 'image to copy (name or ID)')
    .option('--name <name>', 'name of the copy (default: the source image\'s name)')
    .option('--to-cloud <cloud>', 'copy to this cloud of clouds.yaml (default: the source cloud)')
    .option('--to-region <region>', 'copy to the image endpoint of this region (default: the source region)')
    .option('--property <key=value>', 'set a property on the copy (repeatable; wins over the source\'s)', collect)
    .option('--tag <tag>', 'add a tag to the copy (repeatable)', collect)
    .option('--no-properties', 'do not carry over the source\'s properties')
    .option('--no-tags', 'do not carry over the source\'s tags')));
  example(copy,
    'img copy Ubuntu18 --to-region RegionTwo',
    'img copy Ubuntu18 --to-cloud backup --name Ubuntu18-backup --private',
    'img copy Ubuntu18 --name Ubuntu18-test --property os_version=18.04');
  copy.action(async (ref, opts, cmd) => {
    const { copyImage } = await import('../commands/copy.js');
    await run(cmd, 'show', (ctx) => copyImage(ctx, ref, declared(opts)));
  });
}
