/** The one test for "a JSON/YAML mapping", shared by layers that may not import each other (config, output). */

/** A JSON/YAML mapping (a Python dict). */
export type Dict = Record<string, unknown>;

/**
 * Whether `v` is a mapping: any non-null object that is not an array. Not a
 * prototype check: parsed JSON and YAML hold only mappings, arrays and
 * primitives, so nothing else reaches the callers.
 */
export function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
