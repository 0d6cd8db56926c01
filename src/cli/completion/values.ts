/**
 * The values an option or argument completes to, from the same lists the
 * program checks them against (output formats, disk and container formats,
 * commander's choices), or a dynamic list that the script asks img for
 * (`img __complete images|clouds|stores`).
 */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { CONTAINER_FORMATS, DISK_FORMATS, MEMBER_STATUSES } from '../../commands/parse.js';
import { AUTH_TYPES } from '../../config/index.js';
import { LIST_FORMATS, SHOW_FORMATS } from '../../output/formats.js';

/** What `img __complete` can list. */
export const DYNAMIC = ['images', 'clouds', 'stores'] as const;
export type Dynamic = (typeof DYNAMIC)[number];

export type Values = { kind: 'none' } | { kind: 'words'; words: string[] } | { kind: 'dynamic'; what: Dynamic };

const words = (list: readonly string[]): Values => ({ kind: 'words', words: [...list] });

/** Glance's image statuses (glance/db/sqlalchemy/models.py, and the import states). */
const STATUSES = ['queued', 'saving', 'active', 'killed', 'deleted', 'pending_delete', 'deactivated', 'uploading', 'importing'];
/** Glance's sort keys (api/v2/images.py _available_sort_keys), each also with a direction. */
const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'];

const BY_OPTION: Record<string, Values> = {
  '--disk-format': words(DISK_FORMATS),
  '--container-format': words(CONTAINER_FORMATS),
  '--status': words(STATUSES),
  '--member-status': words(MEMBER_STATUSES),
  '--sort': words(SORT_KEYS.flatMap((k) => [k, `${k}:asc`, `${k}:desc`])),
  '--os-interface': words(['public', 'internal', 'admin']),
  '--os-auth-type': words([...AUTH_TYPES.keys()]),
  '--os-identity-api-version': words(['3']),
  '--os-image-api-version': words(['2']),
  '--os-cloud': { kind: 'dynamic', what: 'clouds' },
  '--to-cloud': { kind: 'dynamic', what: 'clouds' },
  '--marker': { kind: 'dynamic', what: 'images' },
  '--store': { kind: 'dynamic', what: 'stores' },
};

/** The values of option `long` of `cmd`; -f/--format by the kind of output the command prints. */
export function optionValues(cmd: CommandUnknownOpts, long: string, choices: readonly string[] | undefined): Values {
  if (choices?.length) return words(choices);
  if (long === '--format') {
    const isList = cmd.options.some((o) => o.long === '--sort-column');
    return words(isList ? LIST_FORMATS : SHOW_FORMATS);
  }
  return BY_OPTION[long] ?? { kind: 'none' };
}

/** The values of a positional argument: image names for `<image>`, commander's choices, else nothing. */
export function argumentValues(name: string, choices: readonly string[] | undefined): Values {
  if (choices?.length) return words(choices);
  if (name === 'image') return { kind: 'dynamic', what: 'images' };
  return { kind: 'none' };
}
