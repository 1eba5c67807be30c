// Read side of Cinder's volumes API over the inventory: OpenStack clients resolve a volume's name or
// id through it before they back up or restore.
import type { Static } from '@fastify/type-provider-typebox';
import type { Volume } from '../../domain/inventory.js';
import {
  VOLUME_FILTERS,
  VOLUME_SORT_KEYS,
  findVolume,
  listVolumes,
  volumeBusy,
  volumeStatus,
} from '../../services/cinder-volumes.js';
import { protocolDeps } from '../../services/protocol-deps.js';
import { nextLinks, parseListQuery } from './paging.js';
import { ListQuery, VolumeList, VolumeParams } from './schemas.js';
import { type CinderRequestScope, type RouteRegistration, bothPaths, scopeOf } from './scope.js';
import { type VolumeViewInput, links, volumeDetail } from './views.js';

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
    status: volumeStatus(v, busy),
    attachments: v.serverId
      ? [{ serverId: v.serverId, position: v.position ?? 0, attachedAt: v.updatedAt }]
      : [],
  };
}

async function volumesPage(scope: CinderRequestScope, query: Record<string, string | string[] | undefined>) {
  const params = parseListQuery(query, scope.version, VOLUME_FILTERS, VOLUME_SORT_KEYS);
  return { params, ...(await listVolumes(protocolDeps(scope.ctx), scope, params)) };
}

export function registerVolumeRoutes(r: RouteRegistration): void {
  const { app, ctx, root, preHandler } = r;

  for (const [path, detail, summary] of [
    ['/volumes', false, 'List volumes'],
    ['/volumes/detail', true, 'List volumes with details'],
  ] as const) {
    for (const url of bothPaths(path)) {
      app.get(
        url,
        {
          preHandler,
          schema: { tags: ['cinder'], summary, querystring: ListQuery, response: { 200: VolumeList } },
        },
        async (request) => {
          const scope = scopeOf(request, ctx, root);
          const query = request.query as Record<string, string | string[] | undefined>;
          const { page, count, params, busy } = await volumesPage(scope, query);
          const base = { root: scope.root, projectId: scope.projectId };
          const out: Static<typeof VolumeList> = {
            volumes: page.map((v) =>
              detail
                ? volumeDetail(toView(v, busy), base, scope.version)
                : { id: v.id, name: v.name, links: links(base, 'volumes', v.id) },
            ),
          };
          const next = nextLinks(params, page, `${scope.root}/v3/${scope.projectId}${path}`, query);
          if (next) out.volumes_links = next;
          if (params.withCount) out.count = count;
          return out;
        },
      );
    }
  }

  for (const url of bothPaths('/volumes/:volume_id')) {
    app.get(
      url,
      { preHandler, schema: { tags: ['cinder'], summary: 'Show a volume', params: VolumeParams } },
      async (request) => {
        const scope = scopeOf(request, ctx, root);
        const id = (request.params as { volume_id: string }).volume_id;
        const deps = protocolDeps(ctx);
        const vol = await findVolume(deps, scope.projectId, id);
        return {
          volume: volumeDetail(
            toView(vol, await volumeBusy(deps, scope.projectId, vol)),
            { root: scope.root, projectId: scope.projectId },
            scope.version,
          ),
        };
      },
    );
  }
}
