/**
 * `img completion bash` and `img completion zsh`: one script for both (zsh
 * runs it through its bashcompinit, with 0-based arrays inside the
 * function). Every word in it comes from the program's spec and is
 * single-quoted; image and cloud names come from `img __complete` at TAB
 * time, filtered to words that are safe for compgen and the shell.
 */
import { shellQuote } from '../../util/safe-text.js';
import type { CommandSpec, OptionSpec } from './spec.js';
import type { Values } from './values.js';

const key = (spec: CommandSpec) => shellQuote(spec.path.join(' '));

/** A script value list: the words, or `@images` / `@clouds` / `@stores` for a list img gives at TAB time. */
function listOf(values: Values): string {
  if (values.kind === 'words') return shellQuote(values.words.join(' '));
  if (values.kind === 'dynamic') return shellQuote(`@${values.what}`);
  return "''";
}

/** `case "$1" in 'path') echo '…' ;; … esac` over the commands, for what `pick` gives (skipped when empty). */
function caseOver(specs: CommandSpec[], pick: (s: CommandSpec) => string | undefined, indent = '  '): string {
  const arms = specs.flatMap((s) => {
    const v = pick(s);
    return v === undefined ? [] : [`${indent}  ${key(s)}) echo ${v} ;;`];
  });
  return `${indent}case "$1" in\n${arms.join('\n')}\n${indent}esac`;
}

const names = (options: OptionSpec[]) => shellQuote(options.flatMap((o) => o.names).join(' '));

/** Option → values arms, for the options of `options` that have values. */
function valueArms(options: OptionSpec[], indent: string): string[] {
  return options
    .filter((o) => o.takesValue && o.values.kind !== 'none')
    .map((o) => `${indent}${o.names.join('|')}) echo ${listOf(o.values)} ;;`);
}

export function bashScript(specs: CommandSpec[]): string {
  const root = specs[0];
  const globals = new Set(root?.options.map((o) => o.names.join('|')));
  const ownOptions = (s: CommandSpec) => s.options.filter((o) => s.path.length === 0 || !globals.has(o.names.join('|')));
  const perCommandValues = specs.flatMap((s) => {
    const arms = valueArms(ownOptions(s).filter(() => s.path.length > 0), '        ');
    return arms.length ? [`    ${key(s)})\n      case "$2" in\n${arms.join('\n')}\n      esac ;;`] : [];
  });
  return `# img completion for bash and zsh, generated from img's own command line by \`img completion\`.
# bash: source <(img completion bash)
# zsh:  autoload -U compinit && compinit; source <(img completion zsh)

_img_subcommands() {
${caseOver(specs, (s) => (s.subcommands.length ? shellQuote(s.subcommands.join(' ')) : undefined))}
}

# Each command's own options; '' (img itself) has the global ones, which every command takes.
_img_options() {
${caseOver(specs, (s) => names(ownOptions(s)))}
}

_img_value_options() {
${caseOver(specs, (s) => names(ownOptions(s).filter((o) => o.takesValue)))}
}

# $1 for the command $2 and for img itself.
_img_all() {
  "$1" "$2"
  [[ -z $2 ]] || "$1" ''
}

_img_values() {
  case "$1" in
${perCommandValues.join('\n')}
  esac
  case "$2" in
${valueArms(root?.options ?? [], '    ').join('\n')}
  esac
}

_img_argument() {
${caseOver(specs, (s) => (s.argument.kind === 'none' ? undefined : listOf(s.argument)))}
}

# Completes $cur from a word list, or from \`img __complete images|clouds|stores\` for @images/@clouds/@stores:
# img answers from its cache or within about a second, and prints nothing on any error.
_img_reply() {
  local list=$1 w
  case $list in
    @images|@clouds|@stores) list=$("\${COMP_WORDS[0]}" __complete "\${list#@}" "$cur" "\${extra[@]}" 2>/dev/null </dev/null) ;;
  esac
  # No names in time (a cold token or name cache): fill the cache in the background for the next TAB.
  if [[ -z $list && $1 == @images ]]; then
    ("\${COMP_WORDS[0]}" __complete refresh-images '' "\${extra[@]}" >/dev/null 2>&1 </dev/null &)
  fi
  # Not compgen -W, which would expand $(…) and the like in the words it is given.
  for w in $list; do
    [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
  done
}

_img() {
  # zsh (bashcompinit): 0-based arrays and word splitting, as in bash.
  [[ -n \${ZSH_VERSION-} ]] && setopt localoptions ksharrays shwordsplit
  local cur=\${COMP_WORDS[COMP_CWORD]} prev= cmd= w i
  local -a extra=()
  ((COMP_CWORD > 0)) && prev=\${COMP_WORDS[COMP_CWORD-1]}
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    case $w in
      --os-cloud|--os-region-name) extra+=("$w" "\${COMP_WORDS[i+1]}") ;;
    esac
    if [[ $w == -* ]]; then
      [[ $w != *=* && " $(_img_all _img_value_options "$cmd") " == *" $w "* ]] && i=$((i + 1))
    elif [[ " $(_img_subcommands "$cmd") " == *" $w "* ]]; then
      cmd=\${cmd:+$cmd }$w
    fi
  done
  if [[ $prev == -* && " $(_img_all _img_value_options "$cmd") " == *" $prev "* ]]; then
    _img_reply "$(_img_values "$cmd" "$prev")"
  elif [[ $cur == -* ]]; then
    _img_reply "$(_img_all _img_options "$cmd")"
  elif [[ -n $(_img_subcommands "$cmd") ]]; then
    _img_reply "$(_img_subcommands "$cmd")"
  else
    _img_reply "$(_img_argument "$cmd")"
  fi
  return 0
}

complete -F _img img
`;
}

/** The zsh script: the bash one, run through zsh's bashcompinit. */
export function zshScript(specs: CommandSpec[]): string {
  return `# img completion for zsh (through bashcompinit), generated by \`img completion zsh\`.
autoload -U +X bashcompinit && bashcompinit
${bashScript(specs)}`;
}
