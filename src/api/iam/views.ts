// Domain → Keystone wire shapes.
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Project, TokenInfo } from '../../domain/identity-service.js';
import { keystoneTime } from '../../domain/identity.js';

/** Stable 32-hex id derived from a name (service and endpoint ids never change between restarts). */
const stableId = (s: string): string => createHash('md5').update(s).digest('hex');

/** `http://host[:port]` as the client reached us (Host header), for catalog and links. */
export function baseUrl(request: FastifyRequest): string {
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = typeof forwarded === 'string' && /^https?$/.test(forwarded) ? forwarded : request.protocol;
  const host = request.headers.host ?? `${request.hostname}`;
  return `${proto}://${host}`;
}

interface ServiceDef {
  type: string;
  name: string;
  path: (projectId: string) => string;
}

/** The services opencbr serves, as advertised in the token catalog. */
const SERVICES: ServiceDef[] = [
  { type: 'identity', name: 'keystone', path: () => '/identity/v3' },
  { type: 'cbr', name: 'cbr', path: (p) => `/v3/${p}` },
  { type: 'block-storage', name: 'cinderv3', path: (p) => `/volume/v3/${p}` },
  { type: 'volumev3', name: 'cinderv3', path: (p) => `/volume/v3/${p}` },
  { type: 'hss', name: 'hss', path: (p) => `/v5/${p}` },
];

export function catalogView(base: string, projectId: string, region: string) {
  return SERVICES.map((s) => ({
    id: stableId(`service:${s.type}`),
    type: s.type,
    name: s.name,
    endpoints: (['public', 'internal', 'admin'] as const).map((iface) => ({
      id: stableId(`endpoint:${s.type}:${iface}:${projectId}`),
      interface: iface,
      region,
      region_id: region,
      url: `${base}${s.path(projectId)}`,
    })),
  }));
}

export function tokenView(info: TokenInfo, opts: { base: string; region: string; catalog: boolean }) {
  const body: Record<string, unknown> = {
    methods: info.methods,
    user: {
      id: info.user.id,
      name: info.user.name,
      domain: { id: info.userDomain.id, name: info.userDomain.name },
      password_expires_at: null,
    },
    audit_ids: [info.auditId],
    expires_at: keystoneTime(info.expiresAt),
    issued_at: keystoneTime(info.issuedAt),
  };
  if (info.project) {
    body.project = {
      id: info.project.id,
      name: info.project.name,
      domain: { id: info.project.domain.id, name: info.project.domain.name },
    };
    body.is_domain = false;
    body.roles = info.roles.map((r) => ({ id: r.id, name: r.name }));
    if (opts.catalog) body.catalog = catalogView(opts.base, info.project.id, opts.region);
  }
  return body;
}

export function projectView(p: Project, base: string) {
  return {
    id: p.id,
    name: p.name,
    domain_id: p.domainId,
    enabled: p.enabled,
    is_domain: false,
    parent_id: p.domainId,
    description: p.description,
    links: { self: `${base}/identity/v3/projects/${p.id}` },
  };
}

export function versionView(base: string) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${base}/identity/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}
