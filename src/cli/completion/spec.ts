/**
 * What a completion script completes, read from the commander program
 * itself (so the scripts never drift from the command line): every visible
 * command path (`list`, `image list`, `token issue`), its options (the
 * global ones included), which options take a value and what values they
 * take, and what its positional argument is.
 */
import { Help, type CommandUnknownOpts, type Option } from '@commander-js/extra-typings';
import { argumentValues, optionValues, type Values } from './values.js';

export interface OptionSpec {
  /** `-f`, `--format`: every spelling. */
  names: string[];
  takesValue: boolean;
  values: Values;
  description: string;
}

export interface CommandSpec {
  /** Words after `img`: [] for img itself, ['image', 'list'] … */
  path: string[];
  description: string;
  subcommands: string[];
  options: OptionSpec[];
  /** What the first positional argument completes to. */
  argument: Values;
}

const help = new Help();

function optionSpec(cmd: CommandUnknownOpts, o: Option): OptionSpec {
  const names = [o.short, o.long].filter((n): n is string => typeof n === 'string');
  const takesValue = o.required || o.optional;
  return {
    names,
    takesValue,
    values: takesValue ? optionValues(cmd, o.long ?? '', o.argChoices) : { kind: 'none' },
    description: o.description,
  };
}

/** Every command of `program` (img itself first), depth first, hidden ones left out. */
export function completionSpec(program: CommandUnknownOpts): CommandSpec[] {
  const globals = help.visibleOptions(program).map((o) => optionSpec(program, o));
  const out: CommandSpec[] = [];
  const walk = (cmd: CommandUnknownOpts, path: string[]): void => {
    const subs = help.visibleCommands(cmd).filter((c) => c.name() !== 'help');
    const own = path.length === 0 ? [] : help.visibleOptions(cmd).map((o) => optionSpec(cmd, o));
    const first = cmd.registeredArguments[0];
    out.push({
      path,
      description: cmd.description(),
      subcommands: subs.map((c) => c.name()),
      options: [...own, ...globals],
      argument: first ? argumentValues(first.name(), first.argChoices) : { kind: 'none' },
    });
    for (const sub of subs) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return out;
}

/** The spelling of a spec's values for the shells: a word list, or the name of a dynamic list. */
export function valueWords(values: Values): string[] {
  return values.kind === 'words' ? values.words : [];
}
