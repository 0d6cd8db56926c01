/**
 * Reading YAML/JSON configuration files through cosmiconfig, safely:
 *
 * - Only data loaders. cosmiconfig would `import()` .js/.mjs/.cjs and compile
 *   .ts files; a clouds.yaml named by OS_CLIENT_CONFIG_FILE or a `$import`
 *   could point at one, so every such extension is parsed as YAML instead
 *   (openstacksdk likewise parses any non-.json file as YAML).
 * - No `$import`: openstacksdk has no such feature, and following it would
 *   let one file pull in arbitrary others.
 * - Parse errors name the file, line and column but never quote its content,
 *   which may hold passwords (both js-yaml and JSON.parse echo snippets).
 *
 * - cosmiconfig 9 itself, whenever an explorer is created, reads its "meta
 *   config" from process.cwd() with its default loaders and has no option to
 *   turn that off: package.json, package.yaml,
 *   .config/config.{json,yaml,yml,js,ts,cjs,mjs}. When one of those is code
 *   we refuse (see refuseMetaConfigCode) instead of letting it run.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Loader, Loaders } from 'cosmiconfig';
import { ConfigError } from '../errors.js';

/** A plain JSON/YAML mapping. */
export type Dict = Record<string, unknown>;

/**
 * A value quoted for an error message: JSON string syntax, so control
 * characters (a newline in an environment variable…) cannot split the
 * one-line message or inject text into it.
 */
export function shown(v: unknown): string {
  return JSON.stringify(String(v));
}

export function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Line/column (1-based) of a character offset, for messages that must not quote content. */
function lineCol(content: string, offset: number): string {
  const before = content.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/** cosmiconfig, imported only when a candidate file exists: most runs (a sourced openrc) need none. */
let cosmiconfigModule: typeof import('cosmiconfig') | undefined;

const parseYaml: Loader = (filepath, content) => {
  try {
    return (cosmiconfigModule as typeof import('cosmiconfig')).defaultLoaders['.yaml'](filepath, content);
  } catch (err) {
    // js-yaml's YAMLException: `reason` is a fixed phrase, `mark` is 0-based.
    const e = err as { reason?: string; mark?: { line: number; column: number } };
    const where = e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : '';
    throw new ConfigError(`Could not parse ${filepath}: invalid YAML${where}${e.reason ? ` (${e.reason})` : ''}`);
  }
};

const parseJson: Loader = (filepath, content) => {
  try {
    return JSON.parse(content) as unknown;
  } catch (err) {
    const pos = /position (\d+)/.exec(String((err as Error).message));
    const where = pos ? ` at ${lineCol(content, Number(pos[1]))}` : '';
    throw new ConfigError(`Could not parse ${filepath}: invalid JSON${where}`);
  }
};

function withoutImport(load: Loader): Loader {
  return async (filepath, content) => {
    const data: unknown = await load(filepath, content);
    if (isDict(data) && Object.hasOwn(data, '$import')) {
      throw new ConfigError(`${filepath}: "$import" is not supported`);
    }
    return data;
  };
}

/** Loaders for every extension cosmiconfig knows, plus `extra` ones: JSON for .json, YAML for the rest. */
function safeLoaders(extra: string[]): Loaders {
  const yaml = withoutImport(parseYaml);
  const loaders: Loaders = { '.json': withoutImport(parseJson) };
  for (const ext of ['.yaml', '.yml', 'noExt', '.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', ...extra]) {
    if (ext !== '.json') loaders[ext] = yaml;
  }
  return loaders;
}

/** Errors that mean "try the next candidate": openstacksdk checks os.path.exists and skips unreadable files. */
const SKIPPABLE = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM']);

export interface Found {
  filepath: string;
  /** Parsed content; undefined for an empty file. */
  data: unknown;
}

/**
 * Throw if cosmiconfig could execute a meta config file from process.cwd()
 * (e.g. a planted `.config/config.js` in a directory img is run from).
 * Conservative: cosmiconfig would skip it if an earlier meta file
 * (package.json with a "cosmiconfig" key, .config/config.json, …) matched,
 * but replicating that lookup is not worth the risk of getting it wrong.
 */
function refuseMetaConfigCode(): void {
  for (const ext of ['js', 'ts', 'cjs', 'mjs']) {
    const file = path.join(process.cwd(), '.config', `config.${ext}`);
    if (fs.existsSync(file)) {
      throw new ConfigError(`Refusing to read configuration: cosmiconfig would execute ${file} ` +
        '(its meta configuration); run img from another directory');
    }
  }
}

/**
 * Load the first of `candidates` (absolute paths, in order) that exists.
 * Each is loaded with cosmiconfig's `load()` rather than `search()`, so the
 * order is exactly ours and a meta config (a `cosmiconfig` key in
 * package.json) cannot redirect the lookup.
 *
 * @param skipEmpty whether an empty (or `null`) file is passed over, as
 *   cosmiconfig does by default, or wins, as openstacksdk's loader does.
 */
export async function loadFirst(moduleName: string, candidates: string[], skipEmpty: boolean): Promise<Found | undefined> {
  // Nothing to load (the usual case with a sourced openrc): skip loading cosmiconfig at all.
  if (!candidates.some((c) => fs.existsSync(c))) return undefined;
  refuseMetaConfigCode();
  cosmiconfigModule ??= await import('cosmiconfig');
  const explorer = cosmiconfigModule.cosmiconfig(moduleName, {
    searchStrategy: 'none',
    searchPlaces: [],
    loaders: safeLoaders(candidates.map((c) => path.extname(c))),
    cache: false,
  });
  for (const filepath of candidates) {
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
