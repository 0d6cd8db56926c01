/** `img completion bash|zsh|fish`: declared apart from program.ts (see option-builders.ts), registered by buildProgram. */
import { Argument } from '@commander-js/extra-typings';
import type { GlobalOptions, Runner } from './program.js';
import { example, type AddCommand } from './option-builders.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

export function registerCompletionCommands(command: AddCommand<GlobalOptions>): void {
  const completion = command('completion')
    .description('Print a shell completion script (commands, options, values, image and cloud names)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS));
  example(completion,
    'source <(img completion bash)          # in ~/.bashrc',
    'source <(img completion zsh)           # in ~/.zshrc, after compinit',
    'img completion fish > ~/.config/fish/completions/img.fish');
  completion.action(async (shell, _o, cmd) => {
    const [{ buildProgram }, { completionSpec }, { version }] = await Promise.all([
      import('./program.js'), import('./completion/spec.js'), import('../version.js'),
    ]);
    // The whole command line, `img image …` included, as the spec to generate from; it is never run.
    const never: Runner = () => Promise.reject(new Error('not run'));
    const specs = completionSpec(buildProgram(version, never, { imageGroup: true }));
    let script: string;
    if (shell === 'fish') script = (await import('./completion/fish.js')).fishScript(specs);
    else {
      const { bashScript, zshScript } = await import('./completion/bash.js');
      script = shell === 'zsh' ? zshScript(specs) : bashScript(specs);
    }
    // stdout as commander writes --help there (run-cli.ts points it at the run's io).
    (cmd.configureOutput().writeOut ?? (() => undefined))(script);
  });
}
