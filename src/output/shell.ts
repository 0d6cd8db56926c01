/**
 * cliff's ShellFormatter (show commands only): one `<prefix><name>="<value>"`
 * line per field. The name is lower-cased with ' ', ':' and '-' turned into
 * '_'; in the value only '"' is escaped (as cliff does), so `$`, backquotes and
 * backslashes reach the shell as they are.
 */
import { isFormattable, type Cell } from './columns.js';
import { machineStr } from './value.js';

/** `-f shell` for one item. */
export function emitOne(fields: readonly string[], values: readonly Cell[], prefix: string): string {
  return fields
    .map((field, i) => {
      const name = field.toLowerCase().replace(/[ :-]/g, '_');
      const cell = values[i];
      // cliff escapes quotes in str values only; Formattable reprs count as str.
      const text = machineStr(cell);
      const value = typeof cell === 'string' || isFormattable(cell) ? text.replace(/"/g, '\\"') : text;
      return `${prefix}${name}="${value}"\n`;
    })
    .join('');
}
