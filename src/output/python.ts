/**
 * The few pieces of Python semantics the cliff formatters rely on: `str()` /
 * `repr()` of the values a cell can hold, float repr, code-point string order
 * and `<` / `==` between cells (for --sort-column).
 *
 * Values are JSON-like: null/undefined (None), boolean, number, bigint,
 * string, arrays (list) and plain objects (dict). A JS number that is an
 * integer is treated as a Python int, any other number as a float: glance
 * never sends floats like `2.0`, so nothing is lost in practice.
 */
import { isDict } from '../util/is-dict.js';

/** Python's `len()`: counts code points, not UTF-16 units. */
export function cpLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Python's ordering of two str: by code point (JS `<` compares UTF-16 units). */
export function compareStr(a: string, b: string): number {
  if (a === b) return 0;
  const x = Array.from(a);
  const y = Array.from(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const p = x[i]!.codePointAt(0)!;
    const q = y[i]!.codePointAt(0)!;
    if (p !== q) return p - q;
  }
  return x.length - y.length;
}

/** Whether a number should print like a Python int (see the module comment). */
export function isInt(n: number): boolean {
  return Number.isInteger(n);
}

/** Python's `repr(float)`: shortest round-trip digits, exponent outside 1e-4..1e16. */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  // toExponential() with no argument gives the same shortest digits as repr.
  const [mantissa, expText] = Math.abs(n).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  const sign = n < 0 ? '-' : '';
  const decpt = exp + 1; // position of the decimal point within `digits`
  if (decpt <= -4 || decpt > 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** `str(int)` / `repr(float)` of a number. */
function numberStr(n: number): string {
  // BigInt keeps every digit of large integers (JS would switch to 1e+21).
  return isInt(n) ? BigInt(n).toString() : floatRepr(n);
}

// str.isprintable() is false for these general categories (space excepted).
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's `repr(str)`: picks ' or " like CPython and escapes what is not printable. */
function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp === 0x20 || !NOT_PRINTABLE.test(ch)) out += ch;
    else if (cp <= 0xff) out += `\\x${hex(cp, 2)}`;
    else if (cp <= 0xffff) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out + quote;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Python's `repr()` of a JSON-like value (lists and dicts as Python prints them). */
export function pyRepr(value: unknown): string {
  if (typeof value === 'string') return strRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (isDict(value)) {
    const items = Object.entries(value).map(([k, v]) => `${strRepr(k)}: ${pyRepr(v)}`);
    return `{${items.join(', ')}}`;
  }
  return pyStr(value);
}

/** Python's `str()` of a JSON-like value: None, True/False, ints, float repr, containers via repr. */
export function pyStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return numberStr(value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value) || isDict(value)) return pyRepr(value);
  return String(value);
}

/** `repr()` of a tuple of strings, e.g. `('ID',)` or `('ID', 'Name')`. */
export function tupleRepr(items: readonly string[]): string {
  const inner = items.map(strRepr).join(', ');
  return items.length === 1 ? `(${inner},)` : `(${inner})`;
}

/** Python's TypeError for `<` between values that have no order. */
export class Unorderable extends Error {}

function isNumeric(v: unknown): v is number | boolean | bigint {
  return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint';
}

/** Python `a == b` for JSON-like values (True == 1, lists and dicts deeply). */
export function pyEq(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (isNumeric(a) && isNumeric(b)) return Number(a) === Number(b);
  if (typeof a === 'string' || typeof b === 'string' || a === null || b === null) return a === b;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => pyEq(x, b[i]));
  }
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && pyEq(a[k], b[k]));
  }
  return false;
}

/** Python `a < b` for JSON-like values; throws {@link Unorderable} where Python raises TypeError. */
export function pyLt(a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) return Number(a) < Number(b);
  if (typeof a === 'string' && typeof b === 'string') return compareStr(a, b) < 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    // Lexicographic: the first unequal pair decides, else the shorter list.
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (!pyEq(a[i], b[i])) return pyLt(a[i], b[i]);
    }
    return a.length < b.length;
  }
  throw new Unorderable();
}
