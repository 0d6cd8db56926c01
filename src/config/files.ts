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
 * - Only files the user controls (see {@link untrustedReason}): a file someone
 *   else could have planted or could change is skipped, with a warning.
 * - Bounded: a document nested deeper than {@link MAX_DEPTH} levels, or with
 *   more than {@link MAX_VALUES} values once YAML aliases are expanded (a
 *   "billion laughs"), is refused before anything walks it.
 *
 * - cosmiconfig 9 itself, whenever an explorer is created, reads its "meta
 *   config" from process.cwd() with its default loaders and has no option to
 *   turn that off: package.json, package.yaml,
 *   .config/config.{json,yaml,yml,js,ts,cjs,mjs}. The explorer is therefore
 *   created as if the process were in {@link META_CONFIG_DIR} (see
 *   newExplorer), so the working directory, which may be anyone's, is never
 *   read for it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Loader, Loaders } from 'cosmiconfig';
import { ConfigError } from '../errors.js';
import { isDict } from '../util/is-dict.js';

/**
 * A value quoted for an error message: JSON string syntax, so control
 * characters (a newline in an environment variable…) cannot split the
 * one-line message or inject text into it.
 */
export function shown(v: unknown): string {
  return JSON.stringify(String(v));
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

/** Deepest nesting a configuration document may have; the deepest real clouds.yaml (a region's values) is about 6. */
const MAX_DEPTH = 32;
/** Most values (mapping entries and list items, each use of a YAML alias counted again) a document may have. */
const MAX_VALUES = 100_000;

export interface Found {
  filepath: string;
  /** Parsed content; undefined for an empty file. */
  data: unknown;
}

/** A file to look for, and whether it sits in the working directory (held to the stricter rule). */
export interface Candidate {
  filepath: string;
  /** The working directory, for a candidate found in it (or in a subdirectory of it, such as `.config/`). */
  cwd?: string;
}

/** Receives one-line warnings (no `img: ` prefix) about files that were skipped. */
export type Warn = (message: string) => void;

/**
 * `$XDG_CONFIG_HOME`, else `~/.config`. A relative XDG_CONFIG_HOME is
 * ignored, as the XDG Base Directory specification says (it would make the
 * configuration depend on the working directory).
 */
export function xdgConfigHome(env: Record<string, string | undefined>, homeDir: string): string {
  const given = env['XDG_CONFIG_HOME'];
  return given && path.isAbsolute(given) ? given : path.join(homeDir, '.config');
}

const modeOf = (mode: number): string => `0${(mode & 0o7777).toString(8)}`;

/**
 * Why a directory may not hold configuration, or undefined when it may: it
 * must be owned by one of `owners` and not writable by group or others. With
 * `stickyOk`, a world-writable directory with the sticky bit (/tmp) is
 * accepted, since no one else can then replace or remove a file of ours in it.
 */
function dirProblem(dir: string, owners: number[], stickyOk: boolean): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (err) {
    return `its directory ${dir} cannot be checked (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  if (!owners.includes(st.uid)) return `its directory ${dir} is owned by uid ${st.uid}`;
  if ((st.mode & 0o022) !== 0 && !(stickyOk && (st.mode & 0o1000) !== 0)) {
    return `its directory ${dir} is writable by group or others (mode ${modeOf(st.mode)})`;
  }
  return undefined;
}

/**
 * Why `c` must not be read, or undefined when it may be (also when it does
 * not exist: loading then skips it as missing). The rule, for a file that
 * someone else could have planted or could change under us:
 *
 * - The file (after symbolic links) is a regular file, owned by the
 *   effective uid, or by root outside the working directory (/etc/openstack),
 *   and not writable by group or others.
 * - Its directory, and the directory of the file a symbolic link leads to,
 *   are owned by the effective uid or root and not writable by group or
 *   others (a sticky directory such as /tmp is accepted: there no one else
 *   can replace or remove a file of ours).
 * - In the working directory (`c.cwd`), stricter, as the working directory
 *   of a root shell is often a shared one: the file and each directory from
 *   the working directory down to it are owned by the effective uid itself
 *   and not writable by group or others, sticky or not.
 *
 * Directories above those are not checked. Files are checked and then read
 * by path: nobody else can swap them in between, as no one else can write
 * the directories that hold them. On systems without uids (Windows)
 * nothing is checked.
 */
export function untrustedReason(c: Candidate): string | undefined {
  const euid = process.geteuid?.();
  if (euid === undefined) return undefined;
  let st: fs.Stats;
  try {
    st = fs.statSync(c.filepath);
  } catch {
    return undefined;
  }
  const owners = c.cwd !== undefined ? [euid] : [euid, 0];
  if (!st.isFile()) return st.isDirectory() ? undefined : 'not a regular file';
  if (!owners.includes(st.uid)) return `owned by uid ${st.uid}`;
  if ((st.mode & 0o022) !== 0) return `writable by group or others (mode ${modeOf(st.mode)})`;
  const dirs: [string, boolean][] = [];
  if (c.cwd !== undefined) {
    for (let d = path.dirname(c.filepath); ; d = path.dirname(d)) {
      dirs.push([d, false]);
      if (d === c.cwd || path.dirname(d) === d) break;
    }
  } else {
    dirs.push([path.dirname(c.filepath), true]);
  }
  let real = c.filepath;
  try {
    real = fs.realpathSync(c.filepath);
  } catch {
    // Checked above with stat; realpath fails only in a race, which the read below then reports.
  }
  if (path.dirname(real) !== path.dirname(c.filepath)) dirs.push([path.dirname(real), c.cwd === undefined]);
  for (const [dir, stickyOk] of dirs) {
    const problem = dirProblem(dir, owners, stickyOk);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Throw a ConfigError when `data` is nested deeper than {@link MAX_DEPTH} or
 * holds more than {@link MAX_VALUES} values. Values reached through a YAML
 * alias count each time they are reached, so that a "billion laughs" file
 * (aliases of aliases, tiny on disk, exponential once walked) fails here at
 * once instead of hanging whatever walks it next. Aliases themselves stay
 * allowed: clouds.yaml files use anchors to share settings between clouds.
 */
function checkBounds(data: unknown, filepath: string): void {
  let values = 0;
  const visit = (v: unknown, depth: number): void => {
    if (typeof v !== 'object' || v === null) return;
    if (depth > MAX_DEPTH) {
      throw new ConfigError(`${filepath}: nested more than ${MAX_DEPTH} levels deep; no real configuration file is`);
    }
    const children = Array.isArray(v) ? v : Object.values(v);
    values += children.length;
    if (values > MAX_VALUES) {
      throw new ConfigError(`${filepath}: more than ${MAX_VALUES} values once YAML aliases are expanded; ` +
        'refusing a file that large (a "billion laughs"?)');
    }
    for (const child of children) visit(child, depth + 1);
  };
  visit(data, 1);
}

/**
 * Where cosmiconfig's explorer is created (see newExplorer): root's, so its
 * meta config is one only root could have written, whoever runs img from
 * wherever.
 */
const META_CONFIG_DIR = '/';

/**
 * Throw if cosmiconfig could execute a meta config file from
 * {@link META_CONFIG_DIR} (a `.config/config.js` there).
 * Conservative: cosmiconfig would skip it if an earlier meta file
 * (package.json with a "cosmiconfig" key, .config/config.json, …) matched,
 * but replicating that lookup is not worth the risk of getting it wrong.
 */
function refuseMetaConfigCode(): void {
  for (const ext of ['js', 'ts', 'cjs', 'mjs']) {
    const file = path.join(META_CONFIG_DIR, '.config', `config.${ext}`);
    if (fs.existsSync(file)) {
      throw new ConfigError(`Refusing to read configuration: cosmiconfig would execute ${file} (its meta configuration)`);
    }
  }
}

/**
 * A cosmiconfig explorer that takes its meta config from
 * {@link META_CONFIG_DIR}: cosmiconfig reads it from process.cwd() when an
 * explorer is created, synchronously, and the working directory (say /tmp as
 * root) may hold a package.json or .config/config.yaml that anyone wrote.
 * process.cwd is swapped rather than the process moved (chdir): going back
 * could fail, in a directory the process may stay in but not enter again.
 * No other code runs meanwhile: the creation is synchronous.
 */
function newExplorer(cosmiconfig: typeof import('cosmiconfig'), moduleName: string, extensions: string[]) {
  refuseMetaConfigCode();
  const realCwd = process.cwd;
  process.cwd = () => META_CONFIG_DIR;
  try {
    return cosmiconfig.cosmiconfig(moduleName, {
      searchStrategy: 'none',
      searchPlaces: [],
      loaders: safeLoaders(extensions),
      cache: false,
    });
  } finally {
    process.cwd = realCwd;
  }
}

/**
 * Load the first of `candidates` (absolute paths, in order) that exists and
 * may be trusted ({@link untrustedReason}); one that may not is skipped, and
 * `warn` gets `warning: ignoring <file>: <why>`. Each is loaded with
 * cosmiconfig's `load()` rather than `search()`, so the order is exactly ours
 * and a meta config (a `cosmiconfig` key in package.json) cannot redirect
 * the lookup.
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
