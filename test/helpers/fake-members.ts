// Fake Glance image members: POST/GET/PUT/DELETE /v2/images/{id}/members[/{member}], and the
// member side of image visibility. Follows glance 25 (glance/api/v2/image_members.py,
// glance/db/utils.py is_image_visible, glance/db/sqlalchemy/api.py _select_images_query and
// image_member_find) with its default legacy policy (enforce_secure_rbac off): only shared images
// have members; the owner (or an admin) adds and removes them; the member project (or an admin),
// never a non-admin owner, sets their status; a non-admin sees only its own membership unless it owns the image.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isoSeconds, pyJson, send, type BodyCollector, type Image } from './fake-common.js';

/** One image member as the fake stores it. */
export interface FakeMember {
  member_id: string;
  image_id: string;
  status: 'pending' | 'accepted' | 'rejected';
  created_at: string;
  updated_at: string;
}

/** Who is asking (fake-glance's request context). */
interface Caller {
  project: string | null;
  isAdmin: boolean;
}

/** What the fake Glance lends: its webob-style errors, and its image lookup (404 when missing or invisible). */
export interface MemberHost {
  fail(status: number, explanation?: string): Error;
  getImage(id: string, ctx: Caller, notFound: string): Image;
  hasBody(req: IncomingMessage): boolean;
}

const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';
const STATUSES = ['pending', 'accepted', 'rejected'];

/** The members of every image, and their routes. */
export class FakeMembers {
  /** Members by image id (tests may seed and inspect them). */
  readonly byImage = new Map<string, FakeMember[]>();

  constructor(private readonly host: MemberHost) {}

  /** True when `project` is a member of image `imageId` with `status` ('all': any status), as image_member_find. */
  isMember(imageId: string, project: string | null, status = 'all'): boolean {
    if (project === null) return false;
    return (this.byImage.get(imageId) ?? []).some((m) => m.member_id === project && (status === 'all' || m.status === status));
  }

  /** Seed a member directly (status pending unless given). */
  add(imageId: string, member: string, status: FakeMember['status'] = 'pending'): FakeMember {
    const now = isoSeconds(new Date());
    const m: FakeMember = { member_id: member, image_id: imageId, status, created_at: now, updated_at: now };
    this.byImage.set(imageId, [...(this.byImage.get(imageId) ?? []), m]);
    return m;
  }

  /** Member view (ResponseSerializer._format_image_member): Glance's key order. */
  private view(m: FakeMember): Record<string, unknown> {
    return { ...m, schema: '/v2/schemas/member' };
  }

  /** The members `ctx` may see: all of them for an admin or the owner, else only its own (image_member_find). */
  private visible(img: Image, ctx: Caller): FakeMember[] {
    const all = this.byImage.get(img.id) ?? [];
    if (ctx.isAdmin || (ctx.project !== null && img.owner === ctx.project)) return all;
    return all.filter((m) => m.member_id === ctx.project);
  }

  private async json(req: IncomingMessage, body: BodyCollector): Promise<Record<string, unknown>> {
    if (!this.host.hasBody(req)) throw this.host.fail(400, 'Body expected in request.');
    try {
      const v: unknown = JSON.parse((await body.done).toString('utf8'));
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      throw this.host.fail(400, 'Malformed JSON in request body.');
    }
    throw this.host.fail(400, 'Expected a member in the form: {"member": "image_id"}');
  }

  /** Route …/members (rest = []) or …/members/{member} (rest = [member]). */
  async handle(req: IncomingMessage, res: ServerResponse, imageId: string, rest: string[], body: BodyCollector, ctx: Caller,
    base: Record<string, string>): Promise<void> {
    const method = req.method ?? 'GET';
    const fail = this.host.fail;
    const ok = (status: number, value: unknown): void => send(res, status, { ...base, 'Content-Type': JSON_CONTENT_TYPE }, pyJson(value));
    const img = this.host.getImage(imageId, ctx, `Image ${imageId} not found.`);
    const isOwner = ctx.project !== null && img.owner === ctx.project;
    const lookup = (member: string): FakeMember => {
      const m = this.visible(img, ctx).find((x) => x.member_id === member);
      if (!m) throw fail(404, `${member} not found in the member list of the image ${imageId}.`);
      return m;
    };
    if (rest.length === 0 && method === 'POST') {
      const b = await this.json(req, body);
      if (!('member' in b)) throw fail(400, 'Member to be added not specified');
      const member = b['member'];
      if (!member) throw fail(400, "Member can't be empty");
      if (img.visibility !== 'shared' || (!ctx.isAdmin && !isOwner)) throw fail(403, `Not allowed to create members for image ${imageId}.`);
      if (this.isMember(imageId, String(member))) throw fail(409, `Member ${String(member)} is duplicated for image ${imageId}`);
      return ok(200, this.view(this.add(imageId, String(member))));
    }
    if (rest.length === 0 && method === 'GET') {
      if (img.visibility !== 'shared') throw fail(403, `Not allowed to list members for image ${imageId}: Only shared images have members.`);
      return ok(200, { members: this.visible(img, ctx).map((m) => this.view(m)), schema: '/v2/schemas/members' });
    }
    const member = rest[0];
    if (rest.length !== 1 || member === undefined) throw fail(404);
    if (method === 'GET') {
      if (img.visibility !== 'shared') throw fail(404, 'Only shared images have members.');
      return ok(200, this.view(lookup(member)));
    }
    if (method === 'PUT') {
      const b = await this.json(req, body);
      if (!('status' in b)) throw fail(400, 'Status not specified');
      if (img.visibility !== 'shared' || (!ctx.isAdmin && isOwner)) throw fail(403, `Not allowed to update members for image ${imageId}.`);
      const m = lookup(member);
      if (!STATUSES.includes(String(b['status']))) throw fail(400, 'Incorrect request: Status must be "pending", "accepted" or "rejected".');
      m.status = b['status'] as FakeMember['status'];
      m.updated_at = isoSeconds(new Date());
      return ok(200, this.view(m));
    }
    if (method === 'DELETE') {
      if (img.visibility !== 'shared' || (!ctx.isAdmin && !isOwner)) throw fail(403, `Not allowed to delete members for image ${imageId}.`);
      const m = lookup(member);
      this.byImage.set(imageId, (this.byImage.get(imageId) ?? []).filter((x) => x !== m));
      send(res, 204, { ...base, 'Content-Type': 'text/html; charset=UTF-8' });
      return;
    }
    throw fail(405);
  }
}
