/**
 * A cosmiconfig explorer that can neither run code nor read the working directory for its own "meta config".
 *
 * Why img calls `load()` on its own candidate list (load-first.ts) and not
 * cosmiconfig's `search()` (issue #11 asked for search; checked against
 * cosmiconfig 9.0.2, dist/Explorer.js). search() cannot keep these rules of
 * issue #10:
 *
 * - A file someone else could have planted is never opened. search() reads
 *   each search place with `fs.readFile` before any hook of ours sees its
 *   path: loaders get `(filepath, contents)` only after the read, and there is
 *   no option to check a path first. A FIFO planted as `.imgrc` in a shared
 *   working directory (/tmp, where anyone may mkfifo) would block img for
 *   ever, before the loader could refuse it; a link to a device (/dev/zero)
 *   would be read without bound. untrustedReason stats the file, and what a
 *   link leads to, first: a non-regular file is skipped, unopened.
 * - Every skipped file is named in a warning. search() passes over a file
 *   that is empty or blank without calling the loader, so a planted empty
 *   file could not be named; load-first.ts judges it like any other.
 * - `searchStrategy: 'global'` would also break the search order: it walks
 *   every parent of the start directory up to `stopDir` (the home directory
 *   by default), and takes its global directory from env-paths, which reads
 *   process.env and os.homedir() (not the environment img was given), honours
 *   a relative XDG_CONFIG_HOME, uses ~/Library/Preferences on macOS, and
 *   always adds config.{js,ts,cjs,mjs}. Two `searchStrategy: 'none'` searches
 *   (cwd, then $XDG_CONFIG_HOME/img) would keep the order, but not the rules
 *   above.
 *
 * What does fit: a loader that returns undefined makes search() go on to the
 * next place (with `ignoreEmptySearchPlaces`), so the trust check could live
 * in a loader wrapper if cosmiconfig ever checked (or let us check) a path
 * before reading it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { safeLoaders } from './bounded-parse.js';

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
 * A cosmiconfig explorer for `moduleName` that only parses data (see
 * safeLoaders; `extensions` are the candidates' own) and searches nothing:
 * callers `load()` each file by path.
 *
 * cosmiconfig 9, whenever an explorer is created, reads its "meta config"
 * synchronously from process.cwd() with its default loaders and has no
 * option to turn that off: package.json, package.yaml,
 * .config/config.{json,yaml,yml,js,ts,cjs,mjs}. The working directory (say
 * /tmp as root) may hold one that anyone wrote, so the explorer is created as
 * if the process were in {@link META_CONFIG_DIR}. process.cwd is swapped
 * rather than the process moved (chdir): going back could fail, in a
 * directory the process may stay in but not enter again. No other code runs
 * meanwhile: the creation is synchronous.
 *
 * @throws ConfigError when cosmiconfig could execute a meta config file
 *   there ({@link refuseMetaConfigCode}).
 */
export function newExplorer(cosmiconfig: typeof import('cosmiconfig'), moduleName: string, extensions: string[]) {
  refuseMetaConfigCode();
  const realCwd = process.cwd;
  process.cwd = () => META_CONFIG_DIR;
  try {
    return cosmiconfig.cosmiconfig(moduleName, {
      searchStrategy: 'none',
      searchPlaces: [],
      loaders: safeLoaders(cosmiconfig.defaultLoaders['.yaml'], extensions),
      cache: false,
    });
  } finally {
    process.cwd = realCwd;
  }
}
