// The -f/--format choices of list and show commands: the one list of each, its check, its help text.
// Kept apart from the formatters so that the command line can name the choices without loading them.
import { UsageError } from '../errors.js';

/** `-f` choices of list commands; the first is the default. Help texts list them in this order. */
export const LIST_FORMATS = ['table', 'json', 'yaml', 'value', 'csv'] as const;
/** `-f` choices of show commands; the first is the default. Help texts list them in this order. */
export const SHOW_FORMATS = ['table', 'json', 'yaml', 'value', 'shell'] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];
export type ShowFormat = (typeof SHOW_FORMATS)[number];

/**
 * `given` if it is one of `choices`; otherwise a UsageError in argparse's
 * words, listing the choices in the order given, e.g.
 * `argument --quote: invalid choice: 'x' (choose from 'all', 'minimal', …)`.
 */
export function checkChoice<T extends string>(option: string, given: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(given)) return given as T;
  const allowed = choices.map((c) => `'${c}'`).join(', ');
  throw new UsageError(`argument ${option}: invalid choice: '${given}' (choose from ${allowed})`);
}

/**
 * The -f/--format of a list (`kind` 'list') or show command, checked: a
 * format the command cannot print is a UsageError whose message lists the
 * choices sorted, as cliff (which sorts its formatter names) prints them.
 */
export function checkFormat(kind: 'list', given: string): ListFormat;
export function checkFormat(kind: 'show', given: string): ShowFormat;
export function checkFormat(kind: 'list' | 'show', given: string): ListFormat | ShowFormat;
export function checkFormat(kind: 'list' | 'show', given: string): ListFormat | ShowFormat {
  const choices: readonly (ListFormat | ShowFormat)[] = kind === 'list' ? LIST_FORMATS : SHOW_FORMATS;
  return checkChoice('-f/--format', given, [...choices].sort());
}

/** The help text of -f/--format for a list or show command: its choices and the default. */
export function formatHelp(kind: 'list' | 'show'): string {
  const choices = kind === 'list' ? LIST_FORMATS : SHOW_FORMATS;
  return `output format: ${choices.join(', ')} (default: ${choices[0]})`;
}
