/** Parsers for img's table output in tests. */

/** Rows of a prettytable as arrays of trimmed cells (header row first). Multi-line cells are not merged. */
export function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map((l) =>
      l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
}

/** A Field/Value table as a Map (field → value). */
export function fieldTable(text: string): Map<string, string> {
  const rows = tableRows(text);
  const out = new Map<string, string>();
  for (const [field, value] of rows.slice(1)) {
    if (field !== undefined) out.set(field, value ?? '');
  }
  return out;
}

/** `key='value', …` of the properties cell as an object. */
export function propertiesCell(cell: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of cell.matchAll(/([\w.:-]+)='([^']*)'/g)) out[m[1] as string] = m[2] as string;
  return out;
}

/** The fields of `openstack image show` in the seed document, in order. */
export const SEED_FIELDS = [
  'checksum', 'container_format', 'created_at', 'disk_format', 'file', 'id', 'min_disk', 'min_ram', 'name', 'owner',
  'properties', 'protected', 'schema', 'size', 'status', 'tags', 'updated_at', 'virtual_size', 'visibility',
];
