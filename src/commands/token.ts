import { NONE, type CommandContext, type CommandResult } from './context.js';

/**
 * `img token issue`: the current token (from the cache when still valid) as
 * `openstack token issue` prints it: expires, id, project_id, user_id
 * (domain_id instead of project_id for a domain-scoped token, system for a
 * system-scoped one).
 */
export async function issueToken(ctx: CommandContext): Promise<CommandResult> {
  const issued = await (await ctx.keystone()).issue();
  const info = new Map<string, string>([
    ['expires', issued.expires_at.replace(/\.\d+Z$/, '+0000').replace(/Z$/, '+0000')],
    ['id', issued.token],
    ['user_id', issued.user.id],
  ]);
  if (issued.project) info.set('project_id', issued.project.id);
  if (issued.domain) info.set('domain_id', issued.domain.id);
  // openstackclient identity/v3/token.py: a system-scoped token shows `system  all`.
  if (issued.system?.all) info.set('system', 'all');
  const fields = [...info.keys()].sort();
  return { kind: 'show', fields, values: fields.map((f) => info.get(f) ?? null) };
}

/** `img token revoke`: revokes the current token in Keystone and drops it from the cache. */
export async function revokeToken(ctx: CommandContext): Promise<CommandResult> {
  await (await ctx.keystone()).revoke();
  return NONE;
}
