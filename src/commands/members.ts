/**
 * Image sharing, with the openstack client's spellings and output:
 * `add project`, `remove project`, `member list`, `member get`, and the
 * member-status change `set --accept|--reject|--pending` uses.
 */
import { ApiError, ConflictError, ImgError } from '../errors.js';
import type { Image } from '../services/glance.js';
import type { Member, MemberStatus } from '../services/glance-members.js';
import type { Cell } from '../output/columns.js';
import { NONE, type CommandContext, type CommandResult } from './context.js';
import { callerProjectId, checkProjectOptions, projectId } from './project-options.js';

/** Fields of one member, as `openstack image add project` prints them (sorted; id, location and name hidden). */
const MEMBER_FIELDS = ['created_at', 'image_id', 'member_id', 'schema', 'status', 'updated_at'] as const;
/** Columns of `openstack image member list`. */
const MEMBER_COLUMNS = ['Image ID', 'Member ID', 'Status'];

/** Finds the image for a member command: a name may be that of a shared image not accepted yet. */
export async function findShared(ctx: CommandContext, ref: string): Promise<Image> {
  return (await ctx.images()).find(ref, ctx.signal, { member_status: 'all' });
}

/** One member as Field/Value data. */
export function memberShow(member: Member): CommandResult {
  const values: Cell[] = MEMBER_FIELDS.map((f) => (member[f] === undefined ? null : member[f]));
  return { kind: 'show', fields: [...MEMBER_FIELDS], values };
}

interface AddOptions {
  projectDomain?: string;
  accept?: boolean;
}

/**
 * `img add project IMAGE PROJECT`: POST …/members. With --accept, the new
 * member is also set to accepted (PUT …/members/{member}), which Glance
 * allows an admin (and the member project), not the image owner: a 403 there
 * keeps the share (it is valid, pending) and says who must accept. With
 * --accept, a project that is already a member is accepted (not a 409).
 */
export async function addProject(ctx: CommandContext, imageRef: string, projectRef: string, opts: AddOptions): Promise<CommandResult> {
  checkProjectOptions({ project: projectRef, projectDomain: opts.projectDomain });
  const member = await projectId(ctx, projectRef, opts.projectDomain);
  const image = await (await ctx.images()).find(imageRef, ctx.signal);
  const members = await ctx.members();
  let added: Member | undefined;
  try {
    added = await members.add(image.id, member, ctx.signal);
  } catch (err) {
    // Already a member: with --accept, accepting it is still what was asked for.
    if (!(opts.accept && err instanceof ConflictError)) throw shareError(err, image);
  }
  if (!opts.accept && added) return memberShow(added);
  try {
    return memberShow(await members.setStatus(image.id, member, 'accepted', ctx.signal));
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 403)) throw err;
    const state = added ? 'kept, status pending' : 'already a member';
    throw new ImgError(
      `image ${image.id} is shared with project ${member} (${state}), but this account may not accept it: ` +
        `a member of that project must run 'img set ${image.id} --accept' (${err.reason})`,
      { cause: err },
    );
  }
}

/** The error for a failed POST of a member: Glance's 403 does not say why; a visibility other than shared is the common cause. */
function shareError(err: unknown, image: Image): unknown {
  if (err instanceof ApiError && err.status === 403 && image.visibility !== 'shared') {
    return new ImgError(
      `image ${image.id} is ${image.visibility}: only shared images have members (make it shared first: img set ${image.id} --shared) (${err.reason})`,
      { cause: err },
    );
  }
  return err;
}

/** `img remove project IMAGE PROJECT`: DELETE …/members/{member}. */
export async function removeProject(ctx: CommandContext, imageRef: string, projectRef: string, opts: { projectDomain?: string }): Promise<CommandResult> {
  checkProjectOptions({ project: projectRef, projectDomain: opts.projectDomain });
  const member = await projectId(ctx, projectRef, opts.projectDomain);
  const image = await (await ctx.images()).find(imageRef, ctx.signal);
  await (await ctx.members()).remove(image.id, member, ctx.signal);
  return NONE;
}

/** `img member list IMAGE`: the members the caller may see, as Image ID / Member ID / Status rows. */
export async function listMembers(ctx: CommandContext, imageRef: string): Promise<CommandResult> {
  const image = await findShared(ctx, imageRef);
  const found = await (await ctx.members()).list(image.id, ctx.signal);
  return { kind: 'list', columns: MEMBER_COLUMNS, rows: found.map((m) => [m.image_id, m.member_id, m.status]) };
}

/** `img member get IMAGE PROJECT`: one member. */
export async function getMember(ctx: CommandContext, imageRef: string, projectRef: string, opts: { projectDomain?: string }): Promise<CommandResult> {
  checkProjectOptions({ project: projectRef, projectDomain: opts.projectDomain });
  const member = await projectId(ctx, projectRef, opts.projectDomain);
  const image = await findShared(ctx, imageRef);
  return memberShow(await (await ctx.members()).get(image.id, member, ctx.signal));
}

/**
 * The member-status part of `img set`: PUT …/members/{member} for `member`
 * (from --project) or the caller's own project. Never touches the owner.
 */
export async function setMembership(ctx: CommandContext, image: Image, status: MemberStatus, member?: string): Promise<Member> {
  const target = member ?? (await callerProjectId(ctx));
  return (await ctx.members()).setStatus(image.id, target, status, ctx.signal);
}
