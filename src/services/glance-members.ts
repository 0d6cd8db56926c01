/**
 * Glance v2 image members (sharing): POST/GET/PUT/DELETE
 * /v2/images/{id}/members[/{member}]. A member is a project an image of
 * visibility `shared` is shared with; its status (pending, accepted,
 * rejected) is set by the member project (or an admin), never by the owner.
 */
import type { HttpSession } from '../http/session.js';
import { checkMember, checkMemberList } from './shape.js';

/** An image member as Glance returns it. */
export interface Member {
  member_id: string;
  image_id: string;
  status: string;
  created_at: string;
  updated_at: string;
  schema?: string;
}

/** The statuses a member may be given (PUT …/members/{member}). */
export type MemberStatus = 'accepted' | 'pending' | 'rejected';

/** Image members of one Glance (the same API root and session as {@link ImagesApi}). */
export class MembersApi {
  constructor(
    private readonly session: HttpSession,
    /** The API root without /v2 (ImagesApi.root). */
    private readonly root: string,
  ) {}

  private url(imageId: string, member?: string): string {
    const base = `${this.root}/v2/images/${encodeURIComponent(imageId)}/members`;
    return member === undefined ? base : `${base}/${encodeURIComponent(member)}`;
  }

  /** POST …/members {member}: shares the image with a project (status pending). */
  async add(imageId: string, member: string, signal?: AbortSignal): Promise<Member> {
    return checkMember<Member>(await this.session.json<unknown>({
      method: 'POST',
      url: this.url(imageId),
      json: { member },
      context: `Failed to share image ${imageId} with project ${member}`,
      signal,
    }));
  }

  /** DELETE …/members/{member}. */
  async remove(imageId: string, member: string, signal?: AbortSignal): Promise<void> {
    await this.session.send({
      method: 'DELETE',
      url: this.url(imageId, member),
      context: `Failed to remove project ${member} from image ${imageId}`,
      signal,
    });
  }

  /** GET …/members: the members the caller may see (all for the owner, its own for a member). */
  async list(imageId: string, signal?: AbortSignal): Promise<Member[]> {
    return checkMemberList<Member>(await this.session.json<unknown>({ method: 'GET', url: this.url(imageId), signal }));
  }

  /** GET …/members/{member}. */
  async get(imageId: string, member: string, signal?: AbortSignal): Promise<Member> {
    return checkMember<Member>(await this.session.json<unknown>({ method: 'GET', url: this.url(imageId, member), signal }));
  }

  /** PUT …/members/{member} {status}. Setting the same status again changes nothing, so it may be retried. */
  async setStatus(imageId: string, member: string, status: MemberStatus, signal?: AbortSignal): Promise<Member> {
    return checkMember<Member>(await this.session.json<unknown>({
      method: 'PUT',
      url: this.url(imageId, member),
      json: { status },
      idempotent: true,
      context: `Failed to set the membership of project ${member} in image ${imageId} to ${status}`,
      signal,
    }));
  }
}
