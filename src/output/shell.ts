/**
 * `-f shell` (show commands only): one `<prefix><name>='<value>'` line per
 * field, for `eval "$(img show IMAGE -f shell)"`.
 *
 * A deliberate difference from cliff's ShellFormatter: cliff writes
 * `name="value"` escaping only `"`, so `$(…)`, backquotes and `\` in a value
 * reach the shell as code, and the README's `eval` would run whatever another
 * tenant wrote into a public image's name or properties. Here every value is
 * a single-quoted shell word (`'` written as `'\''`, see {@link shellQuote}),
 * which the shell takes literally; before quoting it goes through
 * {@link visible}, so a line feed is written as `\n` and ESC as `\x1b` (one
 * line per variable, nothing that acts on a terminal when the output is
 * printed instead of eval'd). Variable names are the field names lower-cased
 * with anything but `a-z`, `0-9` and `_` turned into `_` (cliff turns only
 * ' ', ':' and '-'), and `--prefix` must itself be a name prefix.
 */
import { UsageError } from '../errors.js';
import { type Cell } from './columns.js';
import { shellQuote, visible } from '../util/safe-text.js';
import { machineStr } from './value.js';

/** What may precede a field name in a variable name: empty, or the start of a shell identifier. */
const PREFIX = /^(?:[A-Za-z_][A-Za-z0-9_]*)?$/;

/**
 * `-f shell` for one item. Values print as cliff's `str()` (None, True, Python
 * reprs of lists and dicts), made visible and single-quoted. Throws a
 * UsageError when `prefix` is not empty and not a shell identifier.
 */
export function emitOne(fields: readonly string[], values: readonly Cell[], prefix: string): string {
  if (!PREFIX.test(prefix)) {
    throw new UsageError(`invalid --prefix ${shellQuote(visible(prefix))}: only letters, digits and '_', not starting with a digit`);
  }
  return fields
    .map((field, i) => {
      let name = prefix + field.toLowerCase().replace(/[^a-z0-9_]/g, '_');
      // A field such as "1st" without a prefix would not be a variable name.
      if (!/^[a-z_]/i.test(name)) name = `_${name}`;
      return `${name}=${shellQuote(visible(machineStr(values[i])))}\n`;
    })
    .join('');
}
