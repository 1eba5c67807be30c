import type { Static } from '@fastify/type-provider-typebox';
// Read side of Cinder's volumes API over the inventory: OpenStack clients resolve a volume's name or
// id through it before they back up or restore.
import { AppError } from '../../domain/errors.js';
import type { Volume } from '../../domain/inventory.js';
import { volumeNotFound } from './faults.js';
import { nextLinks, parseListQuery } from './paging.js';
import { ListQuery, VolumeList, VolumeParams } from './schemas.js';
import { type CinderRequestScope, type RouteRegistration, bothPaths, scopeOf } from './scope.js';
import { type VolumeViewInput, links, volumeDetail } from './views.js';

const VOLUME_FILTERS = ['name', 'status', 'availability_zone', 'bootable', 'metadata', 'id'] as const;
const VOLUME_SORT_KEYS = ['id', 'name', 'status', 'size', 'created_at', 'updated_at', 'availability_zone'];

function toView(v: Volume, busy?: Map<string, string>): VolumeViewInput {
  return {
    id: v.id,
    projectId: v.projectId,
    name: v.name,
    description: v.description,
    sizeBytes: v.size,
    availabilityZone: v.availabilityZone,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    status: busy?.get(v.id) ?? (v.serverId ? 'in-use' : 'available'),
    attachments: v.serverId
      ? [{ serverId: v.serverId, position: v.position ?? 0, attachedAt: v.updatedAt }]
      : [],
  };
}

function sortValue(v: Volume, key: string, busy: Map<string, string>): string | number {
  switch (key) {
    case 'name':
      return v.name;
    case 'status':
      return busy.get(v.id) ?? (v.serverId ? 'in-use' : 'available');
    case 'size':
      return v.size;
    case 'created_at':
      return v.createdAt;
    case 'updated_at':
      return v.updatedAt;
    case 'availability_zone':
      return v.availabilityZone;
    default:
      return v.id;
  }
}

/** Volumes of the caller's project (or every project for an admin's all_tenants), filtered and paged. */
async function listVolumes(scope: CinderRequestScope, query: Record<string, string | string[] | undefined>) {
  const p = parseListQuery(query, scope.version, VOLUME_FILTERS, VOLUME_SORT_KEYS);
  const projects =
    p.allTenants && scope.isAdmin
      ? (await scope.ctx.identity.listProjects()).map((pr) => pr.id)
      : [scope.projectId];
  let all: Volume[] = [];
  const busy = new Map<string, string>();
  const records = scope.ctx.services.cinderRecords;
  for (const pid of projects) {
    const vols = await scope.ctx.inventory.listVolumes(pid);
    for (const [k, st] of await records.busyVolumes(pid, vols)) busy.set(k, st);
    all = all.concat(vols);
  }
  const match = (val: string, want: string, like: boolean) =>
    like ? val.toLowerCase().includes(want.toLowerCase()) : val === want;
  for (const [like, filters] of [
    [false, p.exact],
    [true, p.like],
  ] as const) {
    for (const [k, want] of Object.entries(filters)) {
      all = all.filter((v) => {
        const view = toView(v, busy);
        if (k === 'name') return match(v.name, want, like);
        if (k === 'status') return match(view.status, want, like);
        if (k === 'availability_zone') return match(v.availabilityZone, want, like);
        if (k === 'id') return match(v.id, want, like);
        if (k === 'bootable')
          return match(view.attachments.some((a) => a.position === 0) ? 'true' : 'false', want, like);
        if (k === 'metadata') return want === '' || want === '{}';
        return true;
      });
    }
  }
  all.sort((a, b) => {
    for (const s of p.sort) {
      const x = sortValue(a, s.key, busy);
      const y = sortValue(b, s.key, busy);
      if (x !== y) return (x < y ? -1 : 1) * (s.dir === 'asc' ? 1 : -1);
    }
    return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
  });
  const count = all.length;
  let start = 0;
  if (p.marker !== null) {
    const i = all.findIndex((v) => v.id === p.marker);
    if (i < 0)
      throw new AppError('volume_not_found', `Marker ${p.marker} could not be found.`, { status: 400 });
    start = i + 1;
  }
  const page = all.slice(start + p.offset, start + p.offset + p.limit);
  return { page, count, params: p, busy };
}

export function registerVolumeRoutes(r: RouteRegistration): void {
  const { app, ctx, root, preHandler } = r;

  for (const url of bothPaths('/volumes')) {
    app.get(
      url,
      {
        preHandler,
        schema: {
          tags: ['cinder'],
          summary: 'List volumes',
          querystring: ListQuery,
          response: { 200: VolumeList },
        },
      },
      async (request) => {
        const scope = scopeOf(request, ctx, root);
        const query = request.query as Record<string, string | string[] | undefined>;
        const { page, count, params } = await listVolumes(scope, query);
        const base = { root: scope.root, projectId: scope.projectId };
        const out: Static<typeof VolumeList> = {
          volumes: page.map((v) => ({ id: v.id, name: v.name, links: links(base, 'volumes', v.id) })),
        };
        const next = nextLinks(params, page, `${scope.root}/v3/${scope.projectId}/volumes`, query);
        if (next) out.volumes_links = next;
        if (params.withCount) out.count = count;
        return out;
      },
    );
  }

  for (const url of bothPaths('/volumes/detail')) {
    app.get(
      url,
      {
        preHandler,
        schema: {
          tags: ['cinder'],
          summary: 'List volumes with details',
          querystring: ListQuery,
          response: { 200: VolumeList },
        },
      },
      async (request) => {
        const scope = scopeOf(request, ctx, root);
        const query = request.query as Record<string, string | string[] | undefined>;
        const { page, count, params, busy } = await listVolumes(scope, query);
        const base = { root: scope.root, projectId: scope.projectId };
        const out: Static<typeof VolumeList> = {
          volumes: page.map((v) => volumeDetail(toView(v, busy), base, scope.version)),
        };
        const next = nextLinks(params, page, `${scope.root}/v3/${scope.projectId}/volumes/detail`, query);
        if (next) out.volumes_links = next;
        if (params.withCount) out.count = count;
        return out;
      },
    );
  }

  for (const url of bothPaths('/volumes/:volume_id')) {
    app.get(
      url,
      { preHandler, schema: { tags: ['cinder'], summary: 'Show a volume', params: VolumeParams } },
      async (request) => {
        const scope = scopeOf(request, ctx, root);
        const id = (request.params as { volume_id: string }).volume_id;
        const vol = await findVolume(scope, id);
        return {
          volume: volumeDetail(
            toView(vol, await volumeBusy(scope, vol)),
            { root: scope.root, projectId: scope.projectId },
            scope.version,
          ),
        };
      },
    );
  }
}

/** `backing-up` / `restoring-backup` for a volume a job is working on. */
export async function volumeBusy(scope: CinderRequestScope, vol: Volume): Promise<Map<string, string>> {
  return scope.ctx.services.cinderRecords.busyVolumes(scope.projectId, [vol]);
}

/** A volume of the caller's project by id, with Cinder's 404. */
export async function findVolume(scope: CinderRequestScope, id: string): Promise<Volume> {
  try {
    return await scope.ctx.inventory.getVolume(scope.projectId, id);
  } catch (err) {
    if (err instanceof AppError && err.code === 'volume_not_found') throw volumeNotFound(id);
    throw err;
  }
}
