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

function cpSlice(s: string, start: number, end?: number): string {
  return Array.from(s).slice(start, end).join('');
}

/** TextWrapper._handle_long_word with break_long_words and break_on_hyphens. */
function breakLongWord(chunks: string[], line: string[], lineLen: number, width: number): void {
  const spaceLeft = width < 1 ? 1 : width - lineLen;
  const chunk = chunks[chunks.length - 1]!;
  let end = spaceLeft;
  if (cpLength(chunk) > spaceLeft) {
    // Prefer breaking right after the last hyphen that fits.
    const head = Array.from(chunk).slice(0, spaceLeft);
    const hyphen = head.lastIndexOf('-');
    if (hyphen > 0 && head.slice(0, hyphen).some((c) => c !== '-')) end = hyphen + 1;
  }
  line.push(cpSlice(chunk, 0, end));
  chunks[chunks.length - 1] = cpSlice(chunk, end);
}

/** textwrap.wrap(text, width): the wrapped lines (none for blank text). */
export function wrap(text: string, width: number): string[] {
  const munged = expandTabs(text).replace(/[\t\n\x0b\x0c\r]/g, ' ');
  // Chunks are consumed from the end, so keep them reversed like CPython.
  const chunks = munged
    .split(WORDSEP)
    .filter((c): c is string => !!c)
    .reverse();
  const lines: string[] = [];
  while (chunks.length > 0) {
    const line: string[] = [];
    let lineLen = 0;
    // Whitespace at the start of a continuation line is dropped.
    if (lines.length > 0 && PY_SPACE.test(chunks[chunks.length - 1]!)) chunks.pop();
    while (chunks.length > 0) {
      const len = cpLength(chunks[chunks.length - 1]!);
      if (lineLen + len > width) break;
      line.push(chunks.pop()!);
      lineLen += len;
    }
    if (chunks.length > 0 && cpLength(chunks[chunks.length - 1]!) > width) {
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
