/**
 * img's own defaults (cloud, output format, progress, token cache), from a
 * YAML/JSON file found with cosmiconfig.
 */
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { isDict } from '../util/is-dict.js';
import { loadFirst, type Warn } from './load-first.js';
import { shown } from './shown.js';
import type { Candidate } from './trusted-file.js';
import { xdgConfigHome } from './xdg.js';
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
 * `img.config.{json,yaml,yml}` in `cwd`; then `config[.json|.yaml|.yml]` in
 * `$XDG_CONFIG_HOME/img` (default `~/.config/img`; a relative
 * XDG_CONFIG_HOME is ignored). Empty files are skipped.
 *
 * Never the parents of `cwd`: a directory above the working directory (/tmp,
 * a shared project tree) is often writable by others, and a settings file
 * there could pick the cloud img sends credentials to. A file that someone
 * else could have planted or changed (see trusted-file.ts `untrustedReason`; in
 * `cwd` both the directory and the file must be the user's own and not
 * writable by group or others) is skipped, and `warn` names it.
 *
 * Only YAML and JSON are read (`.imgrc` without extension is YAML, which also
 * accepts JSON): a settings file can never run code.
 *
 * Unknown keys are an error rather than ignored, so that a typo such as
 * `tokencache: false` does not silently leave the token cache on.
 *
 * @returns the settings with `configFile` set, or `{}` when no file exists.
 * @throws ConfigError naming the file for unparsable content, unknown keys or
 *   wrong types, or a document too deep or too large (bounded-parse.ts `checkBounds`).
 */
export async function loadImgSettings(
  cwd: string,
  homeDir: string,
  env: Record<string, string | undefined>,
  warn?: Warn,
): Promise<ImgSettings> {
  const globalDir = path.join(xdgConfigHome(env, homeDir), 'img');
  const candidates: Candidate[] = [
    ...SEARCH_PLACES.map((p) => ({ filepath: path.join(cwd, p), cwd })),
    ...GLOBAL_PLACES.map((p) => ({ filepath: path.join(globalDir, p) })),
  ];
  const found = await loadFirst('img', candidates, true, warn);
  if (found) return validate(found.data, found.filepath);
  return {};
}
