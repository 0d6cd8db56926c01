// Fake Keystone project and domain lookups: GET /v3/projects[?name=&domain_id=], /v3/projects/{id},
// /v3/domains[?name=], /v3/domains/{id}. Bodies and policy follow keystone 22 with its default
// (legacy-compatible) policy: listing needs the admin role (else 403 identity:list_projects); a
// project may be read by an admin or by a token scoped to it; domains by an admin.
import type { TokenRecord } from './fake-common.js';
import type { FakeDomain } from './fake-keystone.js';

interface Project { id: string; name: string; domainId: string }

/** A Keystone answer: 200 with a body, or an error for keystone's {"error": …} body. */
export type LookupAnswer = { status: 200; body: unknown } | { status: 403 | 404; title: string; message: string };

const forbidden = (action: string): LookupAnswer => ({
  status: 403, title: 'Forbidden', message: `You are not authorized to perform the requested action: identity:${action}.`,
});

/** Answers a project or domain lookup (`sub` is the path below /identity); undefined for any other path. */
export function projectLookup(base: string, method: string, sub: string, query: URLSearchParams, token: TokenRecord,
  projects: Project[], domains: FakeDomain[]): LookupAnswer | undefined {
  const m = /^\/v3\/(projects|domains)(?:\/([^/]+))?$/.exec(sub);
  if (!m || method !== 'GET') return undefined;
  const kind = m[1] as 'projects' | 'domains';
  const id = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
  const isAdmin = token.roles.some((r) => r.name === 'admin');
  const projectView = (p: Project) => ({
    id: p.id, name: p.name, domain_id: p.domainId, description: '', enabled: true, parent_id: p.domainId,
    is_domain: false, tags: [], options: {}, links: { self: `${base}/v3/projects/${p.id}` },
  });
  const domainView = (d: FakeDomain) => ({ id: d.id, name: d.name, description: '', enabled: true, tags: [], options: {}, links: { self: `${base}/v3/domains/${d.id}` } });
  const self = `${base}${sub}${query.size ? `?${query.toString()}` : ''}`;
  if (kind === 'projects') {
    if (id === undefined) {
      if (!isAdmin) return forbidden('list_projects');
      const found = projects.filter((p) => (!query.has('name') || p.name === query.get('name')) &&
        (!query.has('domain_id') || p.domainId === query.get('domain_id')));
      return { status: 200, body: { projects: found.map(projectView), links: { next: null, self, previous: null } } };
    }
    const p = projects.find((x) => x.id === id);
    if (!isAdmin && token.projectId !== id) return forbidden('get_project');
    if (!p) return { status: 404, title: 'Not Found', message: `Could not find project: ${id}.` };
    return { status: 200, body: { project: projectView(p) } };
  }
  if (!isAdmin) return forbidden(id === undefined ? 'list_domains' : 'get_domain');
  if (id === undefined) {
    const found = domains.filter((d) => !query.has('name') || d.name === query.get('name'));
    return { status: 200, body: { domains: found.map(domainView), links: { next: null, self, previous: null } } };
  }
  const d = domains.find((x) => x.id === id);
  if (!d) return { status: 404, title: 'Not Found', message: `Could not find domain: ${id}.` };
  return { status: 200, body: { domain: domainView(d) } };
}
