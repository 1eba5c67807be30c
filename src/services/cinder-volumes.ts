// Cinder's view of the inventory's volumes: the status Cinder shows (busy while a backup or restore job works
// on the volume, in-use when attached), lookups with Cinder's not-found, and the filtered, sorted listing.
import { AppError } from '../domain/errors.js';
import type { Volume } from '../domain/inventory.js';
import { volumeNotFound } from './cinder-errors.js';
import type { ProtocolDeps } from './protocol-deps.js';

/** A Cinder list request, parsed (limit, offset and marker paging; exact and `~` substring filters). */
export interface CinderListRequest {
  limit: number;
  offset: number;
  marker: string | null;
  sort: Array<{ key: string; dir: 'asc' | 'desc' }>;
  allTenants: boolean;
  exact: Record<string, string>;
  like: Record<string, string>;
}

export const VOLUME_FILTERS = ['name', 'status', 'availability_zone', 'bootable', 'metadata', 'id'] as const;
export const VOLUME_SORT_KEYS = [
  'id',
  'name',
  'status',
  'size',
  'created_at',
  'updated_at',
  'availability_zone',
];

/** `backing-up` / `restoring-backup` while a job works on it, else `in-use` when attached, else `available`. */
export function volumeStatus(v: Volume, busy?: Map<string, string>): string {
  return busy?.get(v.id) ?? (v.serverId ? 'in-use' : 'available');
}

/** Attached as a server's first (system) disk. */
export function isBootable(v: Volume): boolean {
  return v.serverId !== null && (v.position ?? 0) === 0;
}

/** A volume of the project by id, with Cinder's 404. */
export async function findVolume(deps: ProtocolDeps, projectId: string, id: string): Promise<Volume> {
  try {
    return await deps.inventory.getVolume(projectId, id);
  } catch (err) {
    if (err instanceof AppError && err.code === 'volume_not_found') throw volumeNotFound(id);
    throw err;
  }
}

/** The busy status of a volume a job is working on (empty map when none is). */
export function volumeBusy(deps: ProtocolDeps, projectId: string, vol: Volume): Promise<Map<string, string>> {
  return deps.cinder.busyVolumes(projectId, [vol]);
}

function sortValue(v: Volume, key: string, busy: Map<string, string>): string | number {
  switch (key) {
    case 'name':
      return v.name;
    case 'status':
      return volumeStatus(v, busy);
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
export async function listVolumes(
  deps: ProtocolDeps,
  caller: { projectId: string; isAdmin: boolean },
  p: CinderListRequest,
): Promise<{ page: Volume[]; count: number; busy: Map<string, string> }> {
  const projects =
    p.allTenants && caller.isAdmin
      ? (await deps.identity.listProjects()).map((pr) => pr.id)
      : [caller.projectId];
  let all: Volume[] = [];
  const busy = new Map<string, string>();
  for (const pid of projects) {
    const vols = await deps.inventory.listVolumes(pid);
    for (const [k, st] of await deps.cinder.busyVolumes(pid, vols)) busy.set(k, st);
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
        if (k === 'name') return match(v.name, want, like);
        if (k === 'status') return match(volumeStatus(v, busy), want, like);
        if (k === 'availability_zone') return match(v.availabilityZone, want, like);
        if (k === 'id') return match(v.id, want, like);
        if (k === 'bootable') return match(isBootable(v) ? 'true' : 'false', want, like);
        // Inventory volumes carry no metadata: only an empty metadata filter matches.
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
  return { page: all.slice(start + p.offset, start + p.offset + p.limit), count, busy };
}
