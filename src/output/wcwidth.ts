/**
 * Terminal cell width of text, as prettytable measures it: Python's wcwidth
 * 0.2.5 (`wcswidth`) after stripping the colour escapes prettytable ignores.
 */
import { WIDE_EASTASIAN, ZERO_WIDTH, ZERO_WIDTH_CF } from './wcwidth-tables.js';

const ZERO_CF = new Set(ZERO_WIDTH_CF);

// Binary search in a flattened list of [first, last] ranges.
function inRanges(cp: number, ranges: readonly number[]): boolean {
  let lo = 0;
  let hi = ranges.length / 2 - 1;
  if (hi < 0 || cp < ranges[0]! || cp > ranges[ranges.length - 1]!) return false;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp > ranges[2 * mid + 1]!) lo = mid + 1;
    else if (cp < ranges[2 * mid]!) hi = mid - 1;
    else return true;
  }
  return false;
}

/** wcwidth.wcwidth: -1 for C0/C1 controls, 0 for combining/format marks, 2 for wide, else 1. */
function wcwidth(cp: number): number {
  if (ZERO_CF.has(cp)) return 0;
  if (cp < 32 || (cp >= 0x7f && cp < 0xa0)) return -1;
  if (inRanges(cp, ZERO_WIDTH)) return 0;
  return inRanges(cp, WIDE_EASTASIAN) ? 2 : 1;
}

/** wcwidth.wcswidth: the sum of the widths, or -1 as soon as one character is unprintable. */
function wcswidth(s: string): number {
  let width = 0;
  for (const ch of s) {
    const w = wcwidth(ch.codePointAt(0)!);
    if (w < 0) return -1;
    width += w;
  }
  return width;
}

// prettytable's _re: SGR colour sequences and the "(B" charset reset.
const ANSI = /\x1b\[[0-9;]*m|\x1b\(B/g;
const PRINTABLE_ASCII = /^[ -~]*$/;

/** prettytable's _str_block_width: width of one line, colour codes excluded (-1 if unprintable). */
export function blockWidth(line: string): number {
  // Fast path: printable ASCII (most cells) is one cell per character.
  if (PRINTABLE_ASCII.test(line)) return line.length;
  return wcswidth(line.replace(ANSI, ''));
}
