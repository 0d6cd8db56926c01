/**
 * `img completion fish`: `complete` lines for every command path, option and
 * value of the program's spec; image and cloud names from `img __complete`
 * at TAB time.
 */
import type { CommandSpec, OptionSpec } from './spec.js';
import type { Values } from './values.js';

/** A fish single-quoted string (only `\\` and `'` are special inside). */
const q = (s: string) => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;

/** `-a` of a value list: the words, or a call of __img_dynamic. */
function args(values: Values): string {
  if (values.kind === 'words') return ` -a ${q(values.words.join(' '))}`;
  if (values.kind === 'dynamic') return ` -a ${q(`(__img_dynamic ${values.what})`)}`;
  return '';
}

function optionLine(o: OptionSpec, condition: string): string {
  const short = o.names.find((n) => /^-[^-]$/.test(n));
  const long = o.names.find((n) => n.startsWith('--'));
  const flags = `${short ? ` -s ${short.slice(1)}` : ''}${long ? ` -l ${long.slice(2)}` : ''}`;
  const value = o.takesValue ? ` -r${o.values.kind === 'none' ? '' : ' -f'}${args(o.values)}` : '';
  return `complete -c img${condition}${flags}${value} -d ${q(o.description)}`;
}

/** fish's switch arms `case 'path'` → printf of `words`, for every spec where `pick` gives some. */
function switchOver(specs: CommandSpec[], pick: (s: CommandSpec) => string[]): string {
  const arms = specs.flatMap((s) => {
    const words = pick(s);
    return words.length ? [`        case ${q(s.path.join(' '))}\n            printf '%s\\n' ${words.map(q).join(' ')}`] : [];
  });
  return `    switch "$argv[1]"\n${arms.join('\n')}\n    end`;
}

export function fishScript(specs: CommandSpec[]): string {
  const root = specs[0];
  const globals = new Set(root?.options.map((o) => o.names.join('|')));
  const lines: string[] = [];
  for (const s of specs) {
    const at = ` -n ${q(`__img_at ${q(s.path.join(' '))}`)}`;
    for (const name of s.subcommands) {
      const sub = specs.find((x) => x.path.join(' ') === [...s.path, name].join(' '));
      lines.push(`complete -c img${at} -a ${q(name)} -d ${q(sub?.description ?? '')}`);
    }
    if (s.argument.kind !== 'none') lines.push(`complete -c img${at}${args(s.argument)}`);
    for (const o of s.options) {
      if (s.path.length > 0 && globals.has(o.names.join('|'))) continue;
      lines.push(optionLine(o, s.path.length === 0 ? '' : at));
    }
  }
  return `# img completion for fish, generated from img's own command line by \`img completion fish\`.
# Load it with: img completion fish | source

function __img_subcommands
${switchOver(specs, (s) => s.subcommands)}
end

function __img_value_options
${switchOver(specs, (s) => s.options.filter((o) => o.takesValue).flatMap((o) => o.names))}
end

# The command path on the line so far (\`image list\`), options and their values skipped.
function __img_path
    set -l words (commandline -opc)
    set -e words[1]
    set -l path
    set -l skip 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case '--*=*'
            case '-*'
                contains -- $w (__img_value_options "$path") && set skip 1
            case '*'
                contains -- $w (__img_subcommands "$path") && set path $path $w
        end
    end
    echo "$path"
end

function __img_at
    test "$(__img_path)" = "$argv[1]"
end

# Image or cloud names from img (its cache, or about a second of network at most; nothing on errors).
function __img_dynamic
    set -l words (commandline -opc)
    set -l extra
    for i in (seq (count $words))
        if contains -- $words[$i] --os-cloud --os-region-name; and test $i -lt (count $words)
            set extra $extra $words[$i] $words[(math $i + 1)]
        end
    end
    set -l found ($words[1] __complete $argv[1] (commandline -ct) $extra 2>/dev/null </dev/null)
    if test (count $found) -eq 0; and test $argv[1] = images
        # No names in time (a cold token or name cache): fill the cache in the background for the next TAB.
        $words[1] __complete refresh-images '' $extra >/dev/null 2>&1 </dev/null &
        disown 2>/dev/null
    end
    test (count $found) -gt 0; and printf '%s\n' $found
end

complete -c img -f
${lines.join('\n')}
`;
}
