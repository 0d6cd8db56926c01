/**
 * cliff's YAMLFormatter: PyYAML 6.0 `yaml.safe_dump(data,
 * default_flow_style=False)` — sorted keys, block collections (`[]` / `{}`
 * when empty), indent 2, lines folded at 80 columns, and no allow_unicode, so
 * non-ASCII text is written double-quoted with \u escapes.
 *
 * This is a port of the parts of PyYAML's representer, resolver and emitter
 * that JSON-like data reaches, kept close to the original so the two can be
 * compared line by line. Not covered: anchors/aliases (PyYAML emits them when
 * the very same list object appears twice) and flow collections with items
 * (never chosen with default_flow_style=False).
 */
import { machineValue, type Cell } from './columns.js';
import { compareStr, floatRepr, isInt } from './python.js';
import { isDict } from '../util/is-dict.js';
import { record } from './json.js';

type Tag = 'str' | 'int' | 'float' | 'bool' | 'null';
type Node =
  | { kind: 'scalar'; tag: Tag; value: string }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'map'; pairs: [Node, Node][] };

/** SafeRepresenter.represent_float: repr, lower-cased, with '.0' before a bare exponent. */
function floatText(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (n === Infinity) return '.inf';
  if (n === -Infinity) return '-.inf';
  const text = floatRepr(n).toLowerCase();
  return !text.includes('.') && text.includes('e') ? text.replace('e', '.0e') : text;
}

/** SafeRepresenter: JSON-like value to node; dict keys sorted (sort_keys=True). */
function represent(value: unknown): Node {
  if (value === null || value === undefined) return { kind: 'scalar', tag: 'null', value: 'null' };
  if (typeof value === 'boolean') return { kind: 'scalar', tag: 'bool', value: value ? 'true' : 'false' };
  if (typeof value === 'bigint') return { kind: 'scalar', tag: 'int', value: value.toString() };
  if (typeof value === 'number') {
    return isInt(value)
      ? { kind: 'scalar', tag: 'int', value: BigInt(value).toString() }
      : { kind: 'scalar', tag: 'float', value: floatText(value) };
  }
  if (Array.isArray(value)) return { kind: 'seq', items: value.map(represent) };
  if (isDict(value)) {
    const keys = Object.keys(value).sort(compareStr);
    return { kind: 'map', pairs: keys.map((k) => [represent(k), represent(value[k])]) };
  }
  return { kind: 'scalar', tag: 'str', value: String(value) };
}

// Resolver.add_implicit_resolver: what a plain scalar would be read back as,
// keyed by the first characters each rule applies to.
const IMPLICIT: [Tag | 'other', RegExp, string][] = [
  ['bool', /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/, 'yYnNtTfFoO'],
  [
    'float',
    /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
    '-+0123456789.',
  ],
  [
    'int',
    /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
    '-+0123456789',
  ],
  ['other', /^(?:<<)$/, '<'], // merge
  ['null', /^(?:~|null|Null|NULL|)$/, '~nN'],
  [
    'other', // timestamp
    /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
    '0123456789',
  ],
  ['other', /^(?:=)$/, '='], // value
  ['other', /^(?:!|&|\*)$/, '!&*'], // yaml
];

/** Resolver.resolve(ScalarNode, value, (True, False)). */
function resolve(value: string): Tag | 'other' {
  if (value === '') return 'null';
  for (const [tag, re, first] of IMPLICIT) {
    if (first.includes(value[0]!) && re.test(value)) return tag;
  }
  return 'str';
}

interface Analysis {
  chars: string[]; // code points: PyYAML indexes the scalar by character
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

const BREAKS = '\n\x85\u2028\u2029';
const SPACE_OR_BREAK = '\0 \t\r\n\x85\u2028\u2029';

/** Emitter.analyze_scalar (allow_unicode=False: every non-ASCII character is "special"). */
function analyze(scalar: string): Analysis {
  const chars = Array.from(scalar);
  if (chars.length === 0) {
    return { chars, empty: true, multiline: false, allowFlowPlain: false, allowBlockPlain: true, allowSingleQuoted: true };
  }
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (scalar.startsWith('---') || scalar.startsWith('...')) {
    blockIndicators = true;
    flowIndicators = true;
  }
  let precededByWhitespace = true;
  let followedByWhitespace = chars.length === 1 || SPACE_OR_BREAK.includes(chars[1]!);
  let previousSpace = false;
  let previousBreak = false;
  const last = chars.length - 1;
  chars.forEach((ch, index) => {
    if (index === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) {
        flowIndicators = true;
        blockIndicators = true;
      }
      if ('?:'.includes(ch)) {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '-' && followedByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    } else {
      if (',?[]{}'.includes(ch)) flowIndicators = true;
      if (ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '#' && precededByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    // Only printable ASCII and '\n' may appear outside double quotes.
    if (!(ch === '\n' || (ch >= ' ' && ch <= '~'))) specialCharacters = true;
    if (ch === ' ') {
      if (index === 0) leadingSpace = true;
      if (index === last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (index === 0) leadingBreak = true;
      if (index === last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = SPACE_OR_BREAK.includes(ch);
    followedByWhitespace = index + 2 >= chars.length || SPACE_OR_BREAK.includes(chars[index + 2]!);
  });
  let allowFlowPlain = true;
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowFlowPlain = allowBlockPlain = false;
  if (breakSpace) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (spaceBreak || specialCharacters) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (lineBreaks) allowFlowPlain = allowBlockPlain = false;
  if (flowIndicators) allowFlowPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return { chars, empty: false, multiline: lineBreaks, allowFlowPlain, allowBlockPlain, allowSingleQuoted };
}

const ESCAPE_REPLACEMENTS: Record<string, string> = {
  '\0': '0', '\x07': 'a', '\x08': 'b', '\x09': 't', '\x0A': 'n', '\x0B': 'v', '\x0C': 'f', '\x0D': 'r',
  '\x1B': 'e', '"': '"', '\\': '\\', '\x85': 'N', '\xA0': '_', '\u2028': 'L', '\u2029': 'P',
};

function escapeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const hex = (width: number) => cp.toString(16).toUpperCase().padStart(width, '0');
  if (ch in ESCAPE_REPLACEMENTS) return `\\${ESCAPE_REPLACEMENTS[ch]}`;
  if (cp <= 0xff) return `\\x${hex(2)}`;
  if (cp <= 0xffff) return `\\u${hex(4)}`;
  return `\\U${hex(8)}`;
}

const BEST_INDENT = 2;
const BEST_WIDTH = 80;
const SIMPLE_KEY_TAG_LENGTH = '!!str'.length; // check_simple_key counts the prepared tag

interface Context {
  sequence?: boolean;
  mapping?: boolean;
  simpleKey?: boolean;
}

/** yaml.emitter.Emitter for one document, with the state PyYAML tracks. */
class Emitter {
  private out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent: number | null = null;
  private readonly indents: (number | null)[] = [];
  private flowLevel = 0;
  private mappingContext = false;
  private simpleKeyContext = false;

  document(root: Node): string {
    this.node(root, {});
    this.writeIndent(); // expect_document_end
    return this.out;
  }

  // -- expect_node and the collection states

  private node(node: Node, ctx: Context): void {
    this.mappingContext = !!ctx.mapping;
    this.simpleKeyContext = !!ctx.simpleKey;
    if (node.kind === 'scalar') {
      this.increaseIndent(true);
      this.scalar(node);
      this.indent = this.indents.pop()!;
    } else if (node.kind === 'seq') {
      if (this.flowLevel > 0 || node.items.length === 0) this.emptyFlow('[', ']');
      else this.blockSequence(node.items);
    } else if (this.flowLevel > 0 || node.pairs.length === 0) {
      this.emptyFlow('{', '}');
    } else {
      this.blockMapping(node.pairs);
    }
  }

  private emptyFlow(open: string, close: string): void {
    this.writeIndicator(open, true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    this.indent = this.indents.pop()!;
    this.flowLevel--;
    this.writeIndicator(close, false);
  }

  private blockSequence(items: Node[]): void {
    // A sequence that is a mapping value is not indented further.
    this.increaseIndent(false, this.mappingContext && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.node(item, { sequence: true });
    }
    this.indent = this.indents.pop()!;
  }

  private blockMapping(pairs: [Node, Node][]): void {
    this.increaseIndent(false);
    for (const [key, value] of pairs) {
      this.writeIndent();
      if (this.isSimpleKey(key)) {
        this.node(key, { mapping: true, simpleKey: true });
        this.writeIndicator(':', false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.node(key, { mapping: true });
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.node(value, { mapping: true });
    }
    this.indent = this.indents.pop()!;
  }

  private isSimpleKey(key: Node): boolean {
    if (key.kind !== 'scalar') return false;
    const a = analyze(key.value);
    return SIMPLE_KEY_TAG_LENGTH + a.chars.length < 128 && !a.empty && !a.multiline;
  }

  private increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  // -- scalars: choose_scalar_style and process_scalar

  private scalar(node: { tag: Tag; value: string }): void {
    const a = analyze(node.value);
    // A str that would read back as something else (123, yes, null, a date) is never plain.
    const implicit = node.tag !== 'str' || resolve(node.value) === 'str';
    const split = !this.simpleKeyContext;
    const plainAllowed = this.flowLevel > 0 ? a.allowFlowPlain : a.allowBlockPlain;
    if (implicit && !(this.simpleKeyContext && (a.empty || a.multiline)) && plainAllowed) {
      this.writePlain(a.chars, split);
    } else if (a.allowSingleQuoted && !(this.simpleKeyContext && a.multiline)) {
      this.writeSingleQuoted(a.chars, split);
    } else {
      this.writeDoubleQuoted(a.chars, split);
    }
  }

  // -- writers

  private write(data: string): void {
    this.out += data;
    this.column += data.length; // only ASCII reaches here (see analyze)
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    this.write(this.whitespace || !needWhitespace ? indicator : ` ${indicator}`);
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.writeLineBreak();
    }
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
    }
  }

  private writeLineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.out += data;
    this.column = 0;
  }

  /** Line breaks inside a scalar: a leading '\n' is doubled, each break kept. */
  private writeBreaks(breaks: string[]): void {
    if (breaks[0] === '\n') this.writeLineBreak();
    for (const br of breaks) this.writeLineBreak(br);
    this.writeIndent();
  }

  private writePlain(text: string[], split: boolean): void {
    if (text.length === 0) return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let start = 0;
    // Plain scalars never hold line breaks (analyze forbids it), only spaces.
    for (let end = 0; end <= text.length; end++) {
      const ch = text[end];
      if (spaces) {
        if (ch !== ' ') {
          // A single space past the width becomes a line break.
          if (start + 1 === end && this.column > BEST_WIDTH && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.write(text.slice(start, end).join(''));
          }
          start = end;
        }
      } else if (ch === undefined || ch === ' ') {
        this.write(text.slice(start, end).join(''));
        start = end;
      }
      spaces = ch === ' ';
    }
  }

  private writeSingleQuoted(text: string[], split: boolean): void {
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = text[end];
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split && start !== 0 && end !== text.length) {
            this.writeIndent();
          } else {
            this.write(text.slice(start, end).join(''));
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          this.writeBreaks(text.slice(start, end));
          start = end;
        }
      } else if (ch === undefined || ' \n\x85\u2028\u2029'.includes(ch) || ch === "'") {
        if (start < end) {
          this.write(text.slice(start, end).join(''));
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== undefined) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
    }
    this.writeIndicator("'", false);
  }

  private writeDoubleQuoted(text: string[], split: boolean): void {
    this.writeIndicator('"', true);
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = text[end];
      if (ch === undefined || '"\\\x85\u2028\u2029\uFEFF'.includes(ch) || !(ch >= ' ' && ch <= '~')) {
        if (start < end) {
          this.write(text.slice(start, end).join(''));
          start = end;
        }
        if (ch !== undefined) {
          this.write(escapeChar(ch));
          start = end + 1;
        }
      }
      // Fold at a space (or between escapes) past the width, with a trailing '\'.
      if (0 < end && end < text.length - 1 && (ch === ' ' || start >= end) && this.column + (end - start) > BEST_WIDTH && split) {
        this.write(text.slice(start, end).join('') + '\\');
        if (start < end) start = end;
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (text[start] === ' ') this.write('\\');
      }
    }
    this.writeIndicator('"', false);
  }
}

function dump(value: unknown): string {
  return new Emitter().document(represent(value));
}

/** `-f yaml` for a list: one sequence of mappings (keys sorted), `[]` when empty. */
export function emitList(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return dump(rows.map((row) => record(columns, row)));
}

/** `-f yaml` for one item: like cliff, one `field: value` document per field, in field order. */
export function emitOne(fields: readonly string[], values: readonly Cell[]): string {
  return fields.map((name, i) => dump({ [name]: machineValue(values[i]) })).join('');
}
