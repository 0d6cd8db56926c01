/**
 * Python's `textwrap.fill(text, width)` with default TextWrapper options, which
 * prettytable applies to every cell line wider than its column. Like Python it
 * counts code points, not display cells, so wide characters may overflow.
 */
import { cpLength } from './python.js';

// textwrap._whitespace: the only characters it treats as breakable space.
const WS = '[\\t\\n\\x0b\\x0c\\r ]';
const NWS = '[^\\t\\n\\x0b\\x0c\\r ]';
// Python's Unicode \w (alphanumerics and '_'); LETTER is textwrap's [^\d\W].
const WORD = '[\\p{L}\\p{N}_]';
const LETTER = '(?:(?!\\p{Nd})[\\p{L}\\p{N}_])';
const WORD_PUNCT = `(?:${WORD}|[!"'&.,?])`;

// TextWrapper.wordsep_re (break_on_hyphens=True), verbatim apart from syntax.
const WORDSEP = new RegExp(
  `(${WS}+` +
    `|(?<=${WORD_PUNCT})-{2,}(?=${WORD})` +
    `|${NWS}+?(?:` +
    `-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})` +
    `|(?=${WS}|$)` +
    `|(?<=${WORD_PUNCT})(?=-{2,}${WORD})` +
    '))',
  'u',
);

// str.isspace(), used by textwrap's `chunk.strip() == ''`.
const PY_SPACE = /^[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/u;

/** str.expandtabs(8): columns restart after \n and \r and count code points. */
function expandTabs(text: string): string {
  let out = '';
  let column = 0;
  for (const ch of text) {
    if (ch === '\t') {
      const n = 8 - (column % 8);
      out += ' '.repeat(n);
      column += n;
    } else {
      out += ch;
      column = ch === '\n' || ch === '\r' ? 0 : column + 1;
    }
  }
  return out;
}

/** The UTF-16 offset just after the first `n` code points of `s` (or its length): O(n), not O(len(s)). */
function cpOffset(s: string, n: number): number {
  let i = 0;
  for (let k = 0; k < n && i < s.length; k++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return i;
}

/**
 * The chunks still to place, last one first (CPython consumes them from the
 * end), with their lengths in code points (Python's len) measured once.
 * Parallel arrays rather than objects: a long text has a million of them.
 */
interface Chunks {
  text: string[];
  len: number[];
}

/**
 * TextWrapper._handle_long_word with break_long_words and break_on_hyphens.
 * Only the part that goes on this line is scanned (the rest is sliced off by
 * UTF-16 offset and its length derived), so breaking a word of n characters
 * into lines of width w costs O(n) in all, not O(n²/w).
 */
function breakLongWord(chunks: Chunks, line: string[], lineLen: number, width: number): void {
  const spaceLeft = width < 1 ? 1 : width - lineLen;
  const last = chunks.text.length - 1;
  const text = chunks.text[last]!;
  let end = cpOffset(text, spaceLeft);
  if (chunks.len[last]! > spaceLeft) {
    // Prefer breaking right after the last hyphen that fits.
    const head = text.slice(0, end);
    const hyphen = head.lastIndexOf('-');
    if (hyphen > 0 && /[^-]/.test(head.slice(0, hyphen))) end = hyphen + 1;
  }
  const taken = text.slice(0, end);
  line.push(taken);
  chunks.text[last] = text.slice(end);
  chunks.len[last] = chunks.len[last]! - cpLength(taken);
}

/** textwrap.wrap(text, width): the wrapped lines (none for blank text). Linear in the length of `text`. */
function wrap(text: string, width: number): string[] {
  const munged = expandTabs(text).replace(/[\t\n\x0b\x0c\r]/g, ' ');
  const pieces = munged.split(WORDSEP).filter((c): c is string => !!c).reverse();
  const chunks: Chunks = { text: pieces, len: pieces.map(cpLength) };
  const { text: texts, len: lens } = chunks;
  const lines: string[] = [];
  while (texts.length > 0) {
    const line: string[] = [];
    let lineLen = 0;
    // Whitespace at the start of a continuation line is dropped.
    if (lines.length > 0 && PY_SPACE.test(texts[texts.length - 1]!)) {
      texts.pop();
      lens.pop();
    }
    while (texts.length > 0) {
      const len = lens[lens.length - 1]!;
      if (lineLen + len > width) break;
      line.push(texts.pop()!);
      lens.pop();
      lineLen += len;
    }
    if (texts.length > 0 && lens[lens.length - 1]! > width) {
      breakLongWord(chunks, line, lineLen, width);
    }
    // ... and so is whitespace at the end of any line.
    if (line.length > 0 && PY_SPACE.test(line[line.length - 1]!)) line.pop();
    if (line.length > 0) lines.push(line.join(''));
  }
  return lines;
}

/** textwrap.fill(text, width): the wrapped lines joined with '\n'. */
export function fill(text: string, width: number): string {
  return wrap(text, width).join('\n');
}
