/**
 * Finding and reading clouds.yaml and secure.yaml exactly where openstacksdk
 * looks (openstack/config/loader.py: CONFIG_SEARCH_PATH, CONFIG_FILES,
 * SECURE_FILES, `_load_yaml_json_file`, `_util.merge_clouds`).
 */
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { isDict, type Dict } from '../util/is-dict.js';
import { loadFirst, type Found, type Warn } from './load-first.js';
import { shown } from './shown.js';
import type { Candidate } from './trusted-file.js';
import { xdgConfigDirs, xdgConfigHome } from './xdg.js';

interface CloudsSearch {
  cwd: string;
  homeDir: string;
  env: Record<string, string | undefined>;
  /** openstacksdk's UNIX_SITE_CONFIG_HOME; injectable so tests never read the real /etc. */
  systemConfigDir: string;
  /** Told about every file skipped because someone else could have planted or changed it. */
  warn?: Warn;
}

export interface CloudsData {
  /** The clouds file and the secure file that were found, in that order (for messages). */
  files: string[];
  /** Cloud name → settings, secure.yaml deep-merged in, keys normalised (see normalizeKeys). */
  clouds: Record<string, Dict>;
  /** Directories searched, for "not found" messages. */
  searched: string[];
}

/**
 * The directories of openstacksdk's CONFIG_SEARCH_PATH after cwd: appdirs'
 * user config dir ($XDG_CONFIG_HOME/openstack), ~/.config/openstack, appdirs'
 * site config dir ($XDG_CONFIG_DIRS entries or /etc/xdg, + /openstack),
 * /etc/openstack. Relative XDG_CONFIG_HOME / XDG_CONFIG_DIRS entries are
 * ignored (see xdg.ts).
 */
function configDirs(s: CloudsSearch): string[] {
  const userDir = path.join(s.homeDir, '.config', 'openstack');
  const xdgHome = path.join(xdgConfigHome(s.env, s.homeDir), 'openstack');
  const xdgDirs = xdgConfigDirs(s.env).map((d) => path.join(d, 'openstack'));
  return [xdgHome, userDir, ...xdgDirs, s.systemConfigDir];
}

/** openstacksdk's CONFIG_SEARCH_PATH: cwd, then {@link configDirs}, each once. */
function searchDirs(s: CloudsSearch): string[] {
  return [...new Set([s.cwd, ...configDirs(s)])];
}

/**
 * `<base>.yaml|.yml|.json` in each of `dirs` (directory-major, as
 * openstacksdk builds CONFIG_FILES), after `explicit` (OS_CLIENT_CONFIG_FILE
 * or OS_CLIENT_SECURE_FILE, relative to cwd) when set. An empty file still
 * wins, as in openstacksdk. Files in `s.cwd` are held to the stricter rule of
 * the working directory (trusted-file.ts `untrustedReason`); a skipped file is told
 * to `s.warn` and the search goes on.
 */
function findFirst(base: string, explicit: string | undefined, dirs: string[], s: CloudsSearch): Promise<Found | undefined> {
  // A working directory that is also a configuration directory (img run from /etc/openstack) is judged as the latter.
  const plainCwd = !configDirs(s).includes(s.cwd);
  const candidates: Candidate[] = dirs.flatMap((d) =>
    ['.yaml', '.yml', '.json'].map((ext) => ({ filepath: path.join(d, base + ext), ...(d === s.cwd && plainCwd ? { cwd: s.cwd } : {}) })));
  if (explicit) candidates.unshift({ filepath: path.resolve(s.cwd, explicit) });
  return loadFirst('openstack', candidates, false, s.warn);
}

/**
 * openstacksdk's `_util.normalize_keys`: `-` becomes `_` in every mapping key,
 * and numbers become strings (YAML `identity_api_version: 3`). Lists are left alone.
 */
export function normalizeKeys(d: Dict): Dict {
  const out: Dict = {};
  for (const [k, v] of Object.entries(d)) {
    out[k.replace(/-/g, '_')] = isDict(v) ? normalizeKeys(v) : typeof v === 'number' ? String(v) : v;
  }
  return out;
}

/** openstacksdk's `_util.merge_clouds`: nested mappings merge, anything else is replaced. */
export function mergeDicts(base: Dict, over: Dict): Dict {
  const out: Dict = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const old = out[k];
    out[k] = isDict(v) && isDict(old) ? mergeDicts(old, v) : v;
  }
  return out;
}

/** Check the document's shape: a mapping whose optional `clouds` maps names to mappings. */
function asDocument(found: Found | undefined): Dict {
  if (!found || found.data === undefined || found.data === null) return {};
  const { filepath, data } = found;
  if (!isDict(data)) throw new ConfigError(`${filepath}: expected a mapping with a "clouds" key at the top level`);
  const clouds = data['clouds'];
  if (clouds === undefined || clouds === null) return data;
  if (!isDict(clouds)) throw new ConfigError(`${filepath}: "clouds" must map cloud names to their settings`);
  for (const [name, cloud] of Object.entries(clouds)) {
    if (!isDict(cloud)) throw new ConfigError(`${filepath}: cloud ${shown(name)} must be a mapping of settings`);
  }
  return data;
}

/**
 * Find clouds.yaml and secure.yaml (each: OS_CLIENT_*_FILE first, then the
 * search path; first file found wins) and merge the secure file into the
 * clouds file. Missing files are not an error: there may be no clouds at all;
 * nor are files skipped because others could have planted or changed them
 * (each is named to `s.warn`).
 *
 * @throws ConfigError for a file that cannot be parsed, is too deep or too
 *   large, or has the wrong shape.
 */
export async function loadClouds(s: CloudsSearch): Promise<CloudsData> {
  const dirs = searchDirs(s);
  const main = await findFirst('clouds', s.env['OS_CLIENT_CONFIG_FILE'], dirs, s);
  const secure = await findFirst('secure', s.env['OS_CLIENT_SECURE_FILE'], dirs, s);
  const merged = mergeDicts(asDocument(main), asDocument(secure));
  const clouds: Record<string, Dict> = {};
  if (isDict(merged['clouds'])) {
    for (const [name, cloud] of Object.entries(merged['clouds'])) clouds[name] = normalizeKeys(cloud as Dict);
  }
  return { files: [main, secure].flatMap((f) => (f ? [f.filepath] : [])), clouds, searched: dirs };
}
