/**
 * img's own defaults (cloud, output format, progress, token cache), from a
 * YAML/JSON file found with cosmiconfig.
 */
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { isDict, loadFirst, shown } from './files.js';
import type { ImgSettings } from './types.js';

/** Per-directory names, in cosmiconfig's default order minus package.json and every JS/TS variant. */
const SEARCH_PLACES = [
  '.imgrc',
  '.imgrc.json',
  '.imgrc.yaml',
  '.imgrc.yml',
  '.config/imgrc',
  '.config/imgrc.json',
  '.config/imgrc.yaml',
  '.config/imgrc.yml',
  'img.config.json',
  'img.config.yaml',
  'img.config.yml',
];
/** In the global directory, as cosmiconfig's globalConfigSearchPlaces minus JS/TS. */
const GLOBAL_PLACES = ['config', 'config.json', 'config.yaml', 'config.yml'];

const KEYS: Record<string, 'string' | 'boolean'> = {
  cloud: 'string',
  format: 'string',
  progress: 'boolean',
  tokenCache: 'boolean',
};

/** cwd, its parents up to and including `homeDir` (or up to / when cwd is outside home). */
function upwardDirs(cwd: string, homeDir: string): string[] {
  const dirs: string[] = [];
  const stop = path.resolve(homeDir);
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    dirs.push(dir);
    if (dir === stop || path.dirname(dir) === dir) return dirs;
  }
}

function validate(data: unknown, filepath: string): ImgSettings {
  if (!isDict(data)) throw new ConfigError(`${filepath}: expected a mapping of settings (${Object.keys(KEYS).join(', ')})`);
  const out: ImgSettings = { configFile: filepath };
  for (const [key, value] of Object.entries(data)) {
    const type = Object.hasOwn(KEYS, key) ? KEYS[key] : undefined;
    if (!type) {
      throw new ConfigError(`${filepath}: unknown setting ${shown(key)} (known settings: ${Object.keys(KEYS).join(', ')})`);
    }
    if (typeof value !== type || value === '') {
      throw new ConfigError(`${filepath}: setting ${shown(key)} must be ${type === 'string' ? 'a non-empty string' : 'true or false'}`);
    }
    Object.assign(out, { [key]: value });
  }
  return out;
}

/**
 * Find and read img's settings file. Search order, first file wins:
 * `.imgrc`, `.imgrc.{json,yaml,yml}`, `.config/imgrc[.json|.yaml|.yml]`,
 * `img.config.{json,yaml,yml}` in `cwd`, then each parent up to `homeDir`
 * (to / when cwd is outside home); then `config[.json|.yaml|.yml]` in
 * `$XDG_CONFIG_HOME/img` (default `~/.config/img`). Empty files are skipped.
 *
 * Only YAML and JSON are read (`.imgrc` without extension is YAML, which also
 * accepts JSON): a settings file can never run code.
 *
 * Unknown keys are an error rather than ignored, so that a typo such as
 * `tokencache: false` does not silently leave the token cache on.
 *
 * @returns the settings with `configFile` set, or `{}` when no file exists.
 * @throws ConfigError naming the file for unparsable content, unknown keys or wrong types.
 */
export async function loadImgSettings(
  cwd: string,
  homeDir: string,
  env: Record<string, string | undefined>,
): Promise<ImgSettings> {
  const globalDir = path.join(env['XDG_CONFIG_HOME'] || path.join(homeDir, '.config'), 'img');
  const candidates = [
    ...upwardDirs(cwd, homeDir).flatMap((d) => SEARCH_PLACES.map((p) => path.join(d, p))),
    ...GLOBAL_PLACES.map((p) => path.join(globalDir, p)),
  ];
  const found = await loadFirst('img', candidates, true);
  if (found) return validate(found.data, found.filepath);
  return {};
}
