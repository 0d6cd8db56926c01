/** Reading the first configuration file of a list that exists and that only the user (or root) could have written. */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { checkBounds } from './bounded-parse.js';
import { newExplorer } from './explorer.js';
import { untrustedReason, type Candidate } from './trusted-file.js';

/** cosmiconfig, imported only when a candidate file exists: most runs (a sourced openrc) need none. */
let cosmiconfigModule: typeof import('cosmiconfig') | undefined;

/** Errors that mean "try the next candidate": openstacksdk checks os.path.exists and skips unreadable files. */
const SKIPPABLE = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM']);

export interface Found {
  filepath: string;
  /** Parsed content; undefined for an empty file. */
  data: unknown;
}

/** Receives one-line warnings (no `img: ` prefix) about files that were skipped. */
export type Warn = (message: string) => void;

/**
 * Load the first of `candidates` (absolute paths, in order) that exists and
 * may be trusted ({@link untrustedReason}); one that may not is skipped, and
 * `warn` gets `warning: ignoring <file>: <why>`. Each is loaded with
 * cosmiconfig's `load()` rather than `search()`, so the order is exactly ours
 * and a meta config (a `cosmiconfig` key in package.json) cannot redirect
 * the lookup; search() would also open a file before it could be judged
 * (explorer.ts says why). Only YAML and JSON are parsed, never code (see safeLoaders).
 *
 * @param skipEmpty whether an empty (or `null`) file is passed over, as
 *   cosmiconfig does by default, or wins, as openstacksdk's loader does.
 * @throws ConfigError for a file that cannot be parsed, or is too deep or too
 *   large ({@link checkBounds}), naming the file but never quoting it.
 */
export async function loadFirst(
  moduleName: string,
  candidates: Candidate[],
  skipEmpty: boolean,
  warn?: Warn,
): Promise<Found | undefined> {
  // Nothing to load (the usual case with a sourced openrc): skip loading cosmiconfig at all.
  const present = candidates.filter((c) => fs.existsSync(c.filepath));
  if (present.length === 0) return undefined;
  cosmiconfigModule ??= await import('cosmiconfig');
  let explorer: ReturnType<typeof newExplorer> | undefined;
  for (const candidate of present) {
    const { filepath } = candidate;
    const why = untrustedReason(candidate);
    if (why) {
      warn?.(`warning: ignoring ${filepath}: ${why}`);
      continue;
    }
    explorer ??= newExplorer(cosmiconfigModule, moduleName, candidates.map((c) => path.extname(c.filepath)));
    let result;
    try {
      result = await explorer.load(filepath);
    } catch (err) {
      if (SKIPPABLE.has((err as NodeJS.ErrnoException).code ?? '')) continue;
      throw asConfigError(err, filepath);
    }
    const data: unknown = result?.config;
    if (data === undefined || data === null) {
      if (skipEmpty) continue;
      return { filepath, data: undefined };
    }
    checkBounds(data, filepath);
    return { filepath, data };
  }
  return undefined;
}

/** Rethrow our own ConfigErrors; anything else becomes one naming the file (never echoing its content). */
function asConfigError(err: unknown, filepath: string): ConfigError {
  if (err instanceof ConfigError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  return new ConfigError(`Could not read ${filepath}${code ? ` (${code})` : ''}`, { cause: err });
}
