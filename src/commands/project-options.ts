/**
 * The command-line side of projects and memberships: `--project` /
 * `--project-domain` (resolved through services/projects.ts, the one home of
 * project lookups) and the `--accept | --reject | --pending` flags.
 */
import { UsageError } from '../errors.js';
import type { MemberStatus } from '../services/glance-members.js';
import type { CommandContext } from './context.js';

/** `--project P [--project-domain D]` as commander parses them. */
export interface ProjectOptions {
  project?: string;
  projectDomain?: string;
}

/** `--accept | --reject | --pending` as commander parses them. */
export interface MembershipOptions {
  accept?: boolean;
  reject?: boolean;
  pending?: boolean;
}

/** Refuses `--project-domain` without `--project` (it would silently do nothing) and an empty --project. */
export function checkProjectOptions(opts: ProjectOptions): void {
  if (opts.projectDomain !== undefined && opts.project === undefined) {
    throw new UsageError('--project-domain needs --project (the domain of that project)');
  }
  if (opts.project === '') throw new UsageError('Invalid value \'\' for --project: expected a project name or ID');
  if (opts.projectDomain === '') throw new UsageError('Invalid value \'\' for --project-domain: expected a domain name or ID');
}

/** The ID of project `ref` (name or ID) in `domain` (name or ID), resolved through Keystone. */
export function projectId(ctx: CommandContext, ref: string, domain?: string): Promise<string> {
  if (ref === '') throw new UsageError('Invalid project \'\': expected a project name or ID');
  return ctx.projects().projectId(ref, domain);
}

/** The ID of `--project` (checked with {@link checkProjectOptions}), or undefined when not given. */
export async function projectOption(ctx: CommandContext, opts: ProjectOptions): Promise<string | undefined> {
  checkProjectOptions(opts);
  return opts.project === undefined ? undefined : projectId(ctx, opts.project, opts.projectDomain);
}

/** The member status of `--accept | --reject | --pending` (at most one), or undefined. */
export function membershipFlag(opts: MembershipOptions): MemberStatus | undefined {
  const flags = { accept: 'accepted', reject: 'rejected', pending: 'pending' } as const;
  const chosen = (Object.keys(flags) as (keyof typeof flags)[]).filter((f) => opts[f]);
  if (chosen.length > 1) throw new UsageError(`Options ${chosen.map((c) => `--${c}`).join(' and ')} cannot be used together`);
  return chosen[0] === undefined ? undefined : flags[chosen[0]];
}

/** The project of the caller's token: the member whose status `set --accept` changes when no --project is given. */
export async function callerProjectId(ctx: CommandContext): Promise<string> {
  const issued = await (await ctx.keystone()).issue();
  if (!issued.project) {
    throw new UsageError('The token is not scoped to a project: give --project with --accept, --reject or --pending');
  }
  return issued.project.id;
}
