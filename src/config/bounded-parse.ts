/** Configuration text to data: YAML or JSON only, no `$import`, errors that never quote the file, bounded depth and size. */
import type { Loader, Loaders } from 'cosmiconfig';
import { ConfigError } from '../errors.js';
import { isDict } from '../util/is-dict.js';

/** Deepest nesting a configuration document may have; the deepest real clouds.yaml (a region's values) is about 6. */
const MAX_DEPTH = 32;
/** Most values (mapping entries and list items, each use of a YAML alias counted again) a document may have. */
const MAX_VALUES = 100_000;

/** Line/column (1-based) of a character offset, for messages that must not quote content. */
function lineCol(content: string, offset: number): string {
  const before = content.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

function yamlParser(load: Loader): Loader {
  return (filepath, content) => {
    try {
      return load(filepath, content);
    } catch (err) {
      // js-yaml's YAMLException: `reason` is a fixed phrase, `mark` is 0-based.
      const e = err as { reason?: string; mark?: { line: number; column: number } };
      const where = e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : '';
      throw new ConfigError(`Could not parse ${filepath}: invalid YAML${where}${e.reason ? ` (${e.reason})` : ''}`);
    }
  };
}

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

/**
 * cosmiconfig loaders for every extension it knows, plus `extra` ones: JSON
 * for .json, `yaml` (cosmiconfig's own YAML loader) for the rest.
 *
 * - Only data loaders. cosmiconfig would `import()` .js/.mjs/.cjs and compile
 *   .ts files; a clouds.yaml named by OS_CLIENT_CONFIG_FILE or a `$import`
 *   could point at one, so every such extension is parsed as YAML instead
 *   (openstacksdk likewise parses any non-.json file as YAML).
 * - No `$import`: openstacksdk has no such feature, and following it would
 *   let one file pull in arbitrary others.
 * - Parse errors name the file, line and column but never quote its content,
 *   which may hold passwords (both js-yaml and JSON.parse echo snippets).
 */
export function safeLoaders(yaml: Loader, extra: string[]): Loaders {
  const yamlLoader = withoutImport(yamlParser(yaml));
  const loaders: Loaders = { '.json': withoutImport(parseJson) };
  for (const ext of ['.yaml', '.yml', 'noExt', '.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', ...extra]) {
    if (ext !== '.json') loaders[ext] = yamlLoader;
  }
  return loaders;
}

/**
 * Throw a ConfigError when `data` is nested deeper than {@link MAX_DEPTH} or
 * holds more than {@link MAX_VALUES} values. Values reached through a YAML
 * alias count each time they are reached, so that a "billion laughs" file
 * (aliases of aliases, tiny on disk, exponential once walked) fails here at
 * once instead of hanging whatever walks it next. Aliases themselves stay
 * allowed: clouds.yaml files use anchors to share settings between clouds.
 */
export function checkBounds(data: unknown, filepath: string): void {
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
