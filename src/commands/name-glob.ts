/**
 * `img list --name PATTERN`: shell-style patterns (`*`, `?`, `[abc]`,
 * `[!abc]`, `[a-z]`), matched as Python's fnmatch.fnmatchcase. Glance
 * matches only exact names, so a pattern is never sent as `name=`: the
 * list is filtered here, after the server-side filters. A name without
 * pattern characters is sent to the server as before. A literal `*`, `?`
 * or `[` is written `[*]`, `[?]`, `[[]`.
 */

/** Whether `name` holds a pattern character (then it is matched here, not sent to Glance). */
export function isGlob(name: string): boolean {
  return /[*?[]/.test(name);
}

/** A RegExp matching a whole name against the shell pattern `pattern` (fnmatch.translate, case-sensitive). */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') {
      out += '.*';
    } else if (c === '?') {
      out += '.';
    } else if (c === '[') {
      const cls = bracket(pattern, i);
      if (cls) {
        out += cls.source;
        i = cls.end;
      } else {
        out += '\\[';
      }
    } else {
      out += escapeChar(c);
    }
  }
  return new RegExp(`^${out}$`, 'su');
}

/** A `[...]` class starting at `start`: its RegExp source and the index of its `]`, or undefined when unclosed. */
function bracket(pattern: string, start: number): { source: string; end: number } | undefined {
  let j = start + 1;
  if (pattern[j] === '!') j++;
  // A `]` right after `[` or `[!` is a member, not the end.
  if (pattern[j] === ']') j++;
  while (j < pattern.length && pattern[j] !== ']') j++;
  if (j >= pattern.length) return undefined;
  let body = pattern.slice(start + 1, j);
  const negate = body.startsWith('!');
  if (negate) body = body.slice(1);
  // Inside a class only `\`, `]` and `^` (and `-` at the ends, kept as ranges are) need care.
  const inner = [...body].map((ch) => (ch === '\\' || ch === ']' || ch === '^' || ch === '[' ? `\\${ch}` : ch)).join('');
  if (!inner) return { source: negate ? '.' : '(?!)', end: j };
  return { source: `[${negate ? '^' : ''}${inner}]`, end: j };
}

function escapeChar(c: string): string {
  return /[\\^$.|?*+()[\]{}/]/.test(c) ? `\\${c}` : c;
}
