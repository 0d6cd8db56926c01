/**
 * The one home of "a project is a name or an ID": Keystone v3 project (and
 * domain) lookups for `--project`, `--project-domain` and `<project>`
 * arguments. As the openstack client (osc_lib find_project_id_sdk): when
 * Keystone refuses the lookup (403: a non-admin may not list projects), the
 * string is used as an ID — except the name of the caller's own project,
 * which its token already names.
 */
import { AmbiguousNameError, ApiError, NoSuchProjectError, NotFoundError } from '../errors.js';
import type { HttpSession } from '../http/session.js';
import { checkIdentityEntity, checkIdentityList } from './shape.js';

interface NamedEntity {
  id: string;
  name: string;
  domain_id?: string;
}

type Kind = 'project' | 'domain';

/** The project of the caller's token, as Keystone described it. */
export interface OwnProject {
  id: string;
  name?: string;
  domain?: { id: string; name?: string };
}

/** Keystone refused to look `ref` up: the caller may not list or read these. */
const FORBIDDEN = Symbol('forbidden');
type Found = string | typeof FORBIDDEN;

function forbidden(err: unknown): boolean {
  return err instanceof ApiError && err.status === 403;
}

/** Keystone v3 projects and domains, by name or ID. */
export class ProjectsApi {
  constructor(
    private readonly session: HttpSession,
    /** Keystone v3 base URL (…/v3). */
    private readonly identityUrl: string,
    private readonly signal?: AbortSignal,
    /** The project the caller's token is scoped to, if any. */
    private readonly ownProject: () => Promise<OwnProject | undefined> = () => Promise.resolve(undefined),
  ) {}

  /**
   * The ID of project `ref` (a name or an ID), in domain `domain` (a name or
   * an ID) when given: GET /v3/projects?name=…[&domain_id=…], then
   * GET /v3/projects/{ref} when no project has that name. Unknown →
   * {@link NoSuchProjectError} (exit 4); one name in several domains and no
   * domain given → {@link AmbiguousNameError} (exit 2).
   */
  async projectId(ref: string, domain?: string): Promise<string> {
    let domainId: string | undefined;
    if (domain !== undefined) {
      const found = await this.find('domain', domain);
      domainId = found === FORBIDDEN ? domain : found;
    }
    const found = await this.find('project', ref, domainId);
    if (found !== FORBIDDEN) return found;
    const own = await this.ownProject();
    const sameDomain = domain === undefined || own?.domain?.id === domain || own?.domain?.name === domain;
    return own && own.name === ref && sameDomain ? own.id : ref;
  }

  private async find(kind: Kind, ref: string, domainId?: string): Promise<Found> {
    const params = new URLSearchParams({ name: ref });
    if (domainId !== undefined) params.set('domain_id', domainId);
    let named: NamedEntity[];
    try {
      const body = await this.session.json<unknown>({ method: 'GET', url: `${this.identityUrl}/${kind}s?${params.toString()}`, signal: this.signal });
      named = checkIdentityList<NamedEntity>(body, `${kind}s`).filter((e) => e.name === ref);
    } catch (err) {
      if (forbidden(err)) return FORBIDDEN;
      throw err;
    }
    if (named.length === 1) return (named[0] as NamedEntity).id;
    if (named.length > 1) {
      const domains = [...new Set(named.map((e) => e.domain_id ?? '?'))].join(', ');
      throw new AmbiguousNameError(`${named.length} ${kind}s are named '${ref}' (in domains ${domains}): give --project-domain, or the ID`);
    }
    return this.byId(kind, ref, domainId);
  }

  /** GET /v3/{kind}s/{ref}: `ref` when it is an ID (of an entity in `domainId`, when given). */
  private async byId(kind: Kind, ref: string, domainId?: string): Promise<Found> {
    const notFound = (cause?: unknown) =>
      new NoSuchProjectError(`No ${kind} found for ${ref}${domainId === undefined ? '' : ` in domain ${domainId}`}`, { cause });
    let entity: NamedEntity;
    try {
      const body = await this.session.json<Record<string, unknown> | null>({
        method: 'GET',
        url: `${this.identityUrl}/${kind}s/${encodeURIComponent(ref)}`,
        signal: this.signal,
      });
      entity = checkIdentityEntity<NamedEntity>(body?.[kind], kind);
    } catch (err) {
      if (forbidden(err)) return FORBIDDEN;
      if (err instanceof NotFoundError) throw notFound(err);
      throw err;
    }
    if (domainId !== undefined && kind === 'project' && entity.domain_id !== domainId) throw notFound();
    return entity.id;
  }
}
