/**
 * The building blocks every command declaration uses: `declared` (the typed
 * hand-over of commander's options to a command), the cliff output options of
 * list and show commands, --public/--private/…, `example` for --help, and
 * `collect` for repeatable options. One file per group of commands
 * (program.ts, and the program-*.ts beside it) declares its commands with these.
 */
import { Command, Option, type CommandUnknownOpts, type OptionValues } from '@commander-js/extra-typings';
import { formatHelp } from '../output/formats.js';
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from '../commands/concurrency.js';

/** Options of `Wanted` (what a command takes) that commander's parsed options `Parsed` do not declare. */
type Undeclared<Parsed, Wanted> = Exclude<keyof Wanted, keyof Parsed>;

/**
 * Commander's parsed options of a command, handed over unchanged as the
 * options struct its command function takes. Compiles only when each option
 * the command reads is declared on the command here (same name, a type it
 * accepts). `Wanted` comes only from where the result goes (NoInfer), so it
 * cannot be narrowed to fit `parsed`. Why: every option is optional, so a
 * flag renamed here without its command would otherwise still compile and
 * reach the command as a silent `undefined`.
 */
export function declared<Wanted, Parsed>(
  parsed: Parsed & NoInfer<Wanted> & Record<Undeclared<Parsed, NoInfer<Wanted>>, { notDeclaredInProgram: true }>,
): Wanted {
  return parsed;
}

/** The options of a command that declares none. */
export type NoOptions = Record<never, never>;

/** Commander's argParser for a repeatable option: every value, in order. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** -f/-c and the other cliff output options that both kinds of output take. */
export function outputOptions<Args extends unknown[], Opts extends OptionValues, Globals extends OptionValues>(cmd: Command<Args, Opts, Globals>, kind: 'list' | 'show') {
  return cmd
    .option('-f, --format <format>', formatHelp(kind))
    .option('-c, --column <column>', 'show only this column (repeatable)', collect)
    .option('--noindent', 'json: no indentation')
    .option('--max-width <n>', 'table: maximum display width, 0 to disable')
    .option('--fit-width', 'table: fit the table to the terminal width')
    .option('--print-empty', 'table: print an empty table if there is no data');
}

/** The output options of a command that prints a list. */
export function listOutputOptions<Args extends unknown[], Opts extends OptionValues, Globals extends OptionValues>(cmd: Command<Args, Opts, Globals>) {
  return outputOptions(cmd, 'list')
    .option('--sort-column <column>', 'sort the printed rows by this column (repeatable)', collect)
    .addOption(new Option('--sort-ascending', 'with --sort-column: ascending (default)').conflicts('sortDescending'))
    .option('--sort-descending', 'with --sort-column: descending')
    .addOption(new Option('--quote <mode>', 'csv: when to quote').choices(['all', 'minimal', 'none', 'nonnumeric'] as const));
}

/** The output options of a command that prints one item. */
export function showOutputOptions<Args extends unknown[], Opts extends OptionValues, Globals extends OptionValues>(cmd: Command<Args, Opts, Globals>) {
  return outputOptions(cmd, 'show').option('--prefix <prefix>', 'shell: add a prefix to all variable names', '');
}

export type ListOutputOptions = ReturnType<ReturnType<typeof listOutputOptions<[], NoOptions, NoOptions>>['opts']>;
export type ShowOutputOptions = ReturnType<ReturnType<typeof showOutputOptions<[], NoOptions, NoOptions>>['opts']>;

/** --public/--private/--community/--shared, worded for the command (`verb`). */
export function visibilityOptions<Args extends unknown[], Opts extends OptionValues, Globals extends OptionValues>(verb: string, cmd: Command<Args, Opts, Globals>) {
  return cmd
    .option('--public', `${verb} public images`)
    .option('--private', `${verb} private images`)
    .option('--community', `${verb} community images`)
    .option('--shared', `${verb} shared images`);
}

/** Adds an `Example(s):` block to the command's --help. */
export function example<C extends CommandUnknownOpts>(cmd: C, ...lines: string[]): C {
  cmd.addHelpText('after', `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
  return cmd;
}

/** Adds a subcommand to the program itself or to `img image`: either way, under img's global options. */
export type AddCommand<Globals extends OptionValues> = (name: string) => Command<[], NoOptions, Globals>;


/** --concurrency of the commands that work on several images. */
export function concurrencyOption<Args extends unknown[], Opts extends OptionValues, Globals extends OptionValues>(cmd: Command<Args, Opts, Globals>) {
  return cmd.option('--concurrency <n>', `how many images at once, 1 to ${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY}; 1 = one after the other, in order)`);
}
