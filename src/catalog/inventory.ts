// SQL for the inventory (PLATFORM).
import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { InventoryStore, NameFilter, Server, Volume } from '../domain/inventory.js';
import type { ServerRow, VolumeRow } from './inventory-tables.js';
import type { Database } from './schema.js';

type VolumeWithAttachment = VolumeRow & { server_id: string | null; position: number | null };

const toVolume = (r: VolumeWithAttachment): Volume => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  description: r.description,
  path: r.path,
  size: Number(r.size),
  kind: r.kind === 'block' ? 'block' : 'file',
  availabilityZone: r.availability_zone,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  serverId: r.server_id,
  position: r.position === null ? null : Number(r.position),
});

function likePattern(s: string): string {
  return `%${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class SqlInventoryStore implements InventoryStore {
  constructor(private readonly db: Kysely<Database>) {}

  private volumes() {
    return this.db
      .selectFrom('volumes')
      .leftJoin('server_volumes', 'server_volumes.volume_id', 'volumes.id')
      .selectAll('volumes')
      .select(['server_volumes.server_id', 'server_volumes.position']);
  }

  private filterVolumes<O>(
    q: SelectQueryBuilder<
      Database & { server_volumes: Database['server_volumes'] },
      'volumes' | 'server_volumes',
      O
    >,
    projectId: string,
    filter: NameFilter & { serverId?: string },
  ) {
    let out = q.where('volumes.project_id', '=', projectId);
    if (filter.name !== undefined) out = out.where('volumes.name', '=', filter.name);
    if (filter.nameLike !== undefined) {
      const pattern = likePattern(filter.nameLike);
      out = out.where(sql<boolean>`lower(volumes.name) like ${pattern} escape '\\'`);
    }
    if (filter.ids !== undefined) {
      out =
        filter.ids.length === 0
          ? out.where((eb) => eb.val(1), '=', 0)
          : out.where('volumes.id', 'in', filter.ids);
    }
    if (filter.serverId !== undefined) out = out.where('server_volumes.server_id', '=', filter.serverId);
    return out;
  }

  async insertVolume(v: Volume): Promise<void> {
    await this.db
      .insertInto('volumes')
      .values({
        id: v.id,
        project_id: v.projectId,
        name: v.name,
        description: v.description,
        path: v.path,
        size: v.size,
        kind: v.kind,
        availability_zone: v.availabilityZone,
        created_at: v.createdAt,
        updated_at: v.updatedAt,
      })
      .execute();
  }

  async getVolume(projectId: string, id: string): Promise<Volume | undefined> {
    const r = await this.volumes()
      .where('volumes.project_id', '=', projectId)
      .where('volumes.id', '=', id)
      .executeTakeFirst();
    return r ? toVolume(r) : undefined;
  }

  async getVolumeByPath(p: string): Promise<Volume | undefined> {
    const r = await this.volumes().where('volumes.path', '=', p).executeTakeFirst();
    return r ? toVolume(r) : undefined;
  }

  async listVolumes(projectId: string, filter: NameFilter & { serverId?: string }): Promise<Volume[]> {
    let q = this.filterVolumes(this.volumes(), projectId, filter);
    q =
      filter.serverId !== undefined
        ? q.orderBy('server_volumes.position')
        : q.orderBy('volumes.created_at').orderBy('volumes.id');
    if (filter.limit !== undefined) q = q.limit(filter.limit);
    // SQLite needs a LIMIT with OFFSET; a huge one is valid on PostgreSQL too.
    if (filter.offset)
      q = q.$if(filter.limit === undefined, (qb) => qb.limit(Number.MAX_SAFE_INTEGER)).offset(filter.offset);
    return (await q.execute()).map(toVolume);
  }

  async countVolumes(projectId: string, filter: NameFilter & { serverId?: string }): Promise<number> {
    const base = this.db
      .selectFrom('volumes')
      .leftJoin('server_volumes', 'server_volumes.volume_id', 'volumes.id')
      .select((eb) => eb.fn.countAll<number>().as('n'));
    const r = await this.filterVolumes(base, projectId, filter).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async deleteVolume(projectId: string, id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .deleteFrom('volumes')
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .executeTakeFirst();
      // A forgotten volume's tags go with it (a later volume never inherits them).
      const deleted = Number(r.numDeletedRows) > 0;
      if (deleted) {
        await trx
          .deleteFrom('cbr_tags')
          .where('resource_kind', '=', 'volume')
          .where('resource_id', '=', id)
          .execute();
      }
      return deleted;
    });
  }

  async updateVolumeSize(id: string, size: number, at: string): Promise<void> {
    await this.db.updateTable('volumes').set({ size, updated_at: at }).where('id', '=', id).execute();
  }

  async insertServer(s: Omit<Server, 'volumes'>, volumeIds: string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('servers')
        .values({
          id: s.id,
          project_id: s.projectId,
          name: s.name,
          description: s.description,
          availability_zone: s.availabilityZone,
          created_at: s.createdAt,
          updated_at: s.updatedAt,
        })
        .execute();
      await trx
        .insertInto('server_volumes')
        .values(volumeIds.map((volume_id, position) => ({ server_id: s.id, volume_id, position })))
        .execute();
    });
  }

  private async withVolumes(projectId: string, rows: ServerRow[]): Promise<Server[]> {
    if (rows.length === 0) return [];
    const vols = await this.volumes()
      .where('volumes.project_id', '=', projectId)
      .where(
        'server_volumes.server_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('server_volumes.position')
      .execute();
    const byServer = new Map<string, Volume[]>();
    for (const v of vols) {
      const list = byServer.get(v.server_id!) ?? [];
      list.push(toVolume(v));
      byServer.set(v.server_id!, list);
    }
    return rows.map((r) => ({
      id: r.id,
      projectId: r.project_id,
      name: r.name,
      description: r.description,
      availabilityZone: r.availability_zone,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      volumes: byServer.get(r.id) ?? [],
    }));
  }

  async getServer(projectId: string, id: string): Promise<Server | undefined> {
    const r = await this.db
      .selectFrom('servers')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? (await this.withVolumes(projectId, [r]))[0] : undefined;
  }

  private filterServers<O>(
    q: SelectQueryBuilder<Database, 'servers', O>,
    projectId: string,
    filter: NameFilter,
  ) {
    let out = q.where('project_id', '=', projectId);
    if (filter.name !== undefined) out = out.where('name', '=', filter.name);
    if (filter.nameLike !== undefined) {
      const pattern = likePattern(filter.nameLike);
      out = out.where(sql<boolean>`lower(name) like ${pattern} escape '\\'`);
    }
    if (filter.ids !== undefined) {
      out =
        filter.ids.length === 0 ? out.where((eb) => eb.val(1), '=', 0) : out.where('id', 'in', filter.ids);
    }
    return out;
  }

  async listServers(projectId: string, filter: NameFilter): Promise<Server[]> {
    let q = this.filterServers(this.db.selectFrom('servers').selectAll(), projectId, filter)
      .orderBy('created_at')
      .orderBy('id');
    if (filter.limit !== undefined) q = q.limit(filter.limit);
    // SQLite needs a LIMIT with OFFSET; a huge one is valid on PostgreSQL too.
    if (filter.offset)
      q = q.$if(filter.limit === undefined, (qb) => qb.limit(Number.MAX_SAFE_INTEGER)).offset(filter.offset);
    return this.withVolumes(projectId, await q.execute());
  }

  async countServers(projectId: string, filter: NameFilter): Promise<number> {
    const r = await this.filterServers(
      this.db.selectFrom('servers').select((eb) => eb.fn.countAll<number>().as('n')),
      projectId,
      filter,
    ).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async deleteServer(projectId: string, id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .deleteFrom('servers')
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .executeTakeFirst();
      const deleted = Number(r.numDeletedRows) > 0;
      if (deleted) {
        await trx
          .deleteFrom('cbr_tags')
          .where('resource_kind', '=', 'server')
          .where('resource_id', '=', id)
          .execute();
      }
      return deleted;
    });
  }
}
