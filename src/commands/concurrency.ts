/**
 * `--concurrency` of the bulk commands (src/commands/batch.ts): its default,
 * its limit and its check. A file of its own, with no service behind it,
 * because the command-line declaration (src/cli/option-builders.ts) names
 * the numbers in --help, and that is loaded at every start.
 */
import { UsageError } from '../errors.js';
import { wholeNumber } from './parse.js';

/** How many images a bulk command works on at once when not told (`--concurrency`). */
export const DEFAULT_CONCURRENCY = 8;

/** The most `--concurrency` accepts: more would only queue behind the connection pool. */
export const MAX_CONCURRENCY = 64;

/**
 * `--concurrency N` as a number: a whole number from 1 to
 * {@link MAX_CONCURRENCY}; absent means {@link DEFAULT_CONCURRENCY}.
 * @throws UsageError (exit 2) for anything else.
 */
export function concurrencyOption(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CONCURRENCY;
  const n = wholeNumber('--concurrency', value, 1);
  if (n > MAX_CONCURRENCY) throw new UsageError(`Invalid value '${value}' for --concurrency: at most ${MAX_CONCURRENCY}`);
  return n;
}
