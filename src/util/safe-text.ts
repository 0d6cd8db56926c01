/**
 * The one place where text that another party controls (image names and
 * properties written by other tenants, Glance and Keystone error bodies,
 * headers and URLs in `--debug`) is made safe for a terminal, a line-based
 * format or a shell.
 *
 * Terminals obey control sequences wherever they appear in what they print:
 * ESC starts CSI/OSC sequences (`\x1b]52;c;…\x07` writes the clipboard,
 * `\x1b]0;…\x07` the window title, `\x1b[2J` clears the screen), CR moves back
 * over what was already printed, C1 controls (`\x9b` is a one-byte CSI) do the
 * same on terminals that honour them, and Unicode format characters (bidi
 * overrides such as U+202E, zero-width characters) make a line read
 * differently from what it holds. {@link visible} shows each of them as an
 * escape instead, so what the user sees is what the server sent, and no more.
 */

/**
 * The regular expressions of this file, each made on first use: V8 parses a
 * Unicode-property pattern when its literal is evaluated (~1 ms each), which a
 * run that prints no server string (`--version`, `--help`) need not pay.
 */
const patterns: { unsafe?: RegExp; hasUnsafe?: RegExp; shellWord?: RegExp } = {};

/**
 * What {@link visible} escapes: C0 controls except TAB (a tab only moves the
 * cursor forward, never rewrites what is on screen, and occurs in ordinary
 * text), DEL, C1 controls, every Unicode format character (general category
 * Cf: bidi embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069,
 * U+061C, zero-width U+200B–U+200F and U+2060–U+2064, U+FEFF, soft hyphen,
 * tag characters U+E0000–U+E007F…), the line and paragraph separators U+2028
 * and U+2029 (line breaks to many editors and parsers), and lone surrogates
 * (which would reach the terminal as U+FFFD, hiding what was sent).
 */
const unsafe = (): RegExp => (patterns.unsafe ??= /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\p{Cf}]|[\ud800-\udfff]/gu);

/** The same set, for a quick test without the `g` flag's lastIndex state. */
const hasUnsafe = (): RegExp => (patterns.hasUnsafe ??= /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\p{Cf}]|[\ud800-\udfff]/u);

/** How {@link visible} treats a line feed. */
interface VisibleOptions {
  /**
   * `'escape'` (the default) shows a line feed as `\n`, for line-based output
   * (`-f value`, `-f shell`, error lines, progress, `--debug`) where a raw one
   * would start a line the server wrote. `'keep'` leaves it, where the format
   * gives a line feed its own meaning: a table cell (cliff prints each line
   * of a cell on its own row of the cell) or a quoted CSV field.
   */
  newline?: 'escape' | 'keep';
}

/** Python-repr-like escape of one code point: `\n`, `\r`, `\x1b`, `\u202e`, `\U000e0041`. */
function escapeOne(ch: string): string {
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  const cp = ch.codePointAt(0)!;
  if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/**
 * `text` with every character a terminal would act on, or that would hide or
 * reorder what is shown, written as a visible escape: CR as `\r`, ESC as
 * `\x1b`, C1 as `\x9b`, DEL as `\x7f`, bidi and other format characters as
 * `\u202e`, astral ones as `\U000e0041`; a line feed as `\n` unless
 * `newline: 'keep'`. TAB and all printable text (any script, emoji, spaces,
 * backslashes, quotes) are returned unchanged, so ordinary names print
 * byte for byte as before, and a string without anything to escape is
 * returned as the very same string (one linear scan).
 *
 * Not an encoding: a name that literally contains the four characters `\x1b`
 * shows the same as one holding ESC. Use `-f json` for the exact data.
 */
export function visible(text: string, options: VisibleOptions = {}): string {
  if (!hasUnsafe().test(text)) return text;
  const keepNewline = options.newline === 'keep';
  return text.replace(unsafe(), (ch) => (keepNewline && ch === '\n' ? ch : escapeOne(ch)));
}

/**
 * `text` as one POSIX shell word that the shell takes literally: wrapped in
 * single quotes, each `'` inside written as `'\''` (close, escaped quote,
 * reopen). Nothing inside single quotes is special to sh, bash or zsh — no
 * `$(…)`, backquotes, `$VAR`, `\`, globs or `;` — so `eval` of such a word,
 * or pasting it, yields exactly `text`. The empty string is `''`.
 *
 * The text is not made visible here: callers that print to a terminal pass
 * it through {@link visible} first.
 */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/**
 * Letters and digits of any script, and `._+:@%,=/-`: what a server string
 * must be made of to be offered as a shell completion. The completion
 * functions put the word on the command line as is (bash's `compgen -W`
 * even expands what it is given), so a name with whitespace, quotes, `$`,
 * backquotes, globs, braces, `~`, `;`, `|`, `&`, controls or format
 * characters is never offered; nor one starting with `-` (an option).
 */
const shellWordPattern = (): RegExp => (patterns.shellWord ??= /^[\p{L}\p{M}\p{N}._+:@%,=/][\p{L}\p{M}\p{N}._+:@%,=/-]*$/u);

/** Whether `text` may be offered as a completion word (see {@link shellWordPattern}). */
export function isShellWord(text: string): boolean {
  return shellWordPattern().test(text) && visible(text) === text;
}

/**
 * `text` as one shell word for a command line a person reads: as it is when
 * it {@link isShellWord} (nothing a shell treats specially), else
 * {@link shellQuote}d.
 */
export function shellWord(text: string): string {
  return isShellWord(text) ? text : shellQuote(text);
}
