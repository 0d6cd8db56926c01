/** A cosmiconfig explorer that can neither run code nor read the working directory for its own "meta config". */
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
