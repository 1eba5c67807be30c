// Inventory: operator-declared volumes (image files / block devices) and servers (ordered volumes).
import path from 'node:path';
import { AppError, invalidField } from './errors.js';
import { newUuid } from './identity.js';
import { nameProblem } from './text-rules.js';

export const DEFAULT_AZ = 'az-01';
export const SECTOR = 512;

export interface Volume {
  id: string;
  projectId: string;
  name: string;
  description: string;
  path: string;
  /** bytes */
  size: number;
  kind: 'file' | 'block';
  availabilityZone: string;
  createdAt: string;
  updatedAt: string;
  /** The server the volume is attached to, and its position (0 = system disk). */
  serverId: string | null;
  position: number | null;
}

export interface Server {
  id: string;
  projectId: string;
  name: string;
  description: string;
  availabilityZone: string;
  createdAt: string;
  updatedAt: string;
  /** In order: the first is the system disk. */
  volumes: Volume[];
}

export interface NameFilter {
  /** Exact name. */
  name?: string;
  /** Substring of the name (case-insensitive). */
  nameLike?: string;
  ids?: string[];
  limit?: number;
  offset?: number;
}

/** Persistence (src/catalog/inventory.ts). */
export interface InventoryStore {
  insertVolume(v: Volume): Promise<void>;
  getVolume(projectId: string, id: string): Promise<Volume | undefined>;
  getVolumeByPath(p: string): Promise<Volume | undefined>;
  listVolumes(projectId: string, filter: NameFilter & { serverId?: string }): Promise<Volume[]>;
  countVolumes(projectId: string, filter: NameFilter & { serverId?: string }): Promise<number>;
  deleteVolume(projectId: string, id: string): Promise<boolean>;
  updateVolumeSize(id: string, size: number, at: string): Promise<void>;
  insertServer(s: Omit<Server, 'volumes'>, volumeIds: string[]): Promise<void>;
  getServer(projectId: string, id: string): Promise<Server | undefined>;
  listServers(projectId: string, filter: NameFilter): Promise<Server[]>;
  countServers(projectId: string, filter: NameFilter): Promise<number>;
  deleteServer(projectId: string, id: string): Promise<boolean>;
}

/** The inventory's view of the filesystem (implemented by src/engine/volume-paths.ts). */
export interface PathProbe {
  /** Canonical path with symlinks resolved; throws ENOENT etc. */
  realpath(p: string): Promise<string>;
  /** Kind and size of a canonical path. */
  stat(p: string): Promise<{ kind: 'file' | 'block' | 'other'; size: number }>;
  /** Creates `<dir>/<prefix>-<uuid>.img`, sparse, of `bytes` bytes (never overwriting); returns its path. */
  createSparseFile(dir: string, prefix: string, bytes: number): Promise<string>;
  /** Removes a file this port created (best effort, missing is fine). */
  remove(p: string): Promise<void>;
}

/** True when `child` is `root` or inside it (both canonical, absolute). */
export function isWithin(root: string, child: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel) && rel !== '..');
}

export interface InventoryOptions {
  volumeRoots: string[];
  probe: PathProbe;
  now?: () => Date;
}

const NAME_MAX = 255;

function checkName(field: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > NAME_MAX) {
    throw invalidField(field, `must be a string of 1–${NAME_MAX} characters`);
  }
  const problem = nameProblem(name);
  if (problem) throw invalidField(field, problem);
  return name;
}

function checkAz(field: string, az: unknown): string {
  if (az === undefined || az === null) return DEFAULT_AZ;
  if (typeof az !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(az)) {
    throw invalidField(field, 'must be 1–64 characters of A–Z a–z 0–9 . _ -');
  }
  return az;
}

/** Protocol-neutral inventory use cases, called by the opencbr API, CBR protectables and Cinder. */
export class InventoryService {
  private readonly now: () => Date;
  private readonly roots: string[];

  constructor(
    private readonly store: InventoryStore,
    private readonly opts: InventoryOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.roots = opts.volumeRoots;
  }

  /** Canonical allowed roots (resolved lazily: a root may be created after start). */
  private async canonicalRoots(): Promise<string[]> {
    const out: string[] = [];
    for (const r of this.roots) {
      try {
        out.push(await this.opts.probe.realpath(r));
      } catch {
        // a missing root allows nothing
      }
    }
    return out;
  }

  /**
   * Validates a declared path: absolute, no NUL, resolves (symlinks followed) to a regular file or
   * block device inside an allowed root, size a positive multiple of 512. Returns canonical path and size.
   */
  async checkVolumePath(
    field: string,
    input: unknown,
  ): Promise<{ path: string; size: number; kind: 'file' | 'block' }> {
    if (typeof input !== 'string' || input.length === 0 || input.length > 4096) {
      throw invalidField(field, 'must be an absolute path of at most 4096 characters');
    }
    if (input.includes('\0')) throw invalidField(field, 'must not contain NUL');
    if (!path.isAbsolute(input)) throw invalidField(field, 'must be an absolute path');
    const roots = await this.canonicalRoots();
    if (roots.length === 0) {
      throw new AppError(
        'volume_path_refused',
        `Invalid parameter ${field}: no volume roots are configured (set OPENCBR_VOLUME_ROOTS)`,
        { field },
      );
    }
    // Lexical check first: `..` segments that climb out of every root are refused even if they'd land back.
    const lexical = path.resolve(input);
    if (
      !roots.some((r) => isWithin(r, lexical)) &&
      !this.roots.some((r) => isWithin(path.resolve(r), lexical))
    ) {
      throw new AppError(
        'volume_path_refused',
        `Invalid parameter ${field}: ${input} is outside the volume roots`,
        {
          field,
        },
      );
    }
    let real: string;
    try {
      real = await this.opts.probe.realpath(input);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new AppError(
        'volume_path_refused',
        `Invalid parameter ${field}: ${input} ${code === 'ENOENT' ? 'does not exist' : `cannot be resolved (${code ?? 'error'})`}`,
        { field },
      );
    }
    if (!roots.some((r) => isWithin(r, real))) {
      throw new AppError(
        'volume_path_refused',
        `Invalid parameter ${field}: ${input} resolves outside the volume roots`,
        { field },
      );
    }
    const st = await this.opts.probe.stat(real);
    if (st.kind === 'other') {
      throw new AppError(
        'volume_path_refused',
        `Invalid parameter ${field}: not a regular file or block device`,
        {
          field,
        },
      );
    }
    if (st.size <= 0 || st.size % SECTOR !== 0) {
      throw new AppError(
        'volume_path_refused',
        `Invalid parameter ${field}: size ${st.size} is not a positive multiple of ${SECTOR} bytes`,
        { field },
      );
    }
    return { path: real, size: st.size, kind: st.kind };
  }

  /**
   * Creates a new sparse image file of `bytes` bytes under the first volume root and declares it, as a
   * cloud creates a new volume to restore a backup into. The file is removed again if declaring it fails.
   */
  async createSparseVolume(
    projectId: string,
    input: {
      name: unknown;
      bytes: number;
      availabilityZone?: unknown;
      description?: unknown;
      prefix?: string;
    },
  ): Promise<Volume> {
    const root = this.roots[0];
    if (!root) {
      throw new AppError(
        'unavailable',
        'Cannot create a volume: no volume roots are configured (set OPENCBR_VOLUME_ROOTS).',
      );
    }
    const file = await this.opts.probe.createSparseFile(root, input.prefix ?? 'volume', input.bytes);
    try {
      return await this.createVolume(projectId, {
        name: input.name,
        path: file,
        availabilityZone: input.availabilityZone,
        description: input.description,
      });
    } catch (err) {
      await this.opts.probe.remove(file).catch(() => undefined);
      throw err;
    }
  }

  async createVolume(
    projectId: string,
    input: { name: unknown; path: unknown; availabilityZone?: unknown; description?: unknown },
  ): Promise<Volume> {
    const name = checkName('volume.name', input.name);
    const az = checkAz('volume.availability_zone', input.availabilityZone);
    const description = input.description ?? '';
    if (typeof description !== 'string' || description.length > 255) {
      throw invalidField('volume.description', 'must be a string of at most 255 characters');
    }
    const checked = await this.checkVolumePath('volume.path', input.path);
    const taken = await this.store.getVolumeByPath(checked.path);
    if (taken) {
      throw new AppError(
        'volume_already_declared',
        `Invalid parameter volume.path: ${checked.path} is already declared${taken.projectId === projectId ? ` as volume ${taken.id}` : ''}`,
        { field: 'volume.path' },
      );
    }
    const now = this.now().toISOString();
    const v: Volume = {
      id: newUuid(),
      projectId,
      name,
      description,
      path: checked.path,
      size: checked.size,
      kind: checked.kind,
      availabilityZone: az,
      createdAt: now,
      updatedAt: now,
      serverId: null,
      position: null,
    };
    await this.store.insertVolume(v);
    return v;
  }

  async getVolume(projectId: string, id: string): Promise<Volume> {
    const v = await this.store.getVolume(projectId, id);
    if (!v) throw new AppError('volume_not_found', `The disk ${id} does not exist.`);
    return v;
  }

  /** Volumes of a project, optionally only those of one server (in disk order). */
  async listVolumes(projectId: string, filter: NameFilter & { serverId?: string } = {}): Promise<Volume[]> {
    return this.store.listVolumes(projectId, filter);
  }

  async countVolumes(projectId: string, filter: NameFilter & { serverId?: string } = {}): Promise<number> {
    return this.store.countVolumes(projectId, filter);
  }

  /** Re-reads a volume's current size from its device (a volume may grow after it is declared). */
  async refreshVolumeSize(projectId: string, id: string): Promise<Volume> {
    const v = await this.getVolume(projectId, id);
    const st = await this.opts.probe.stat(v.path);
    if (st.size !== v.size && st.kind !== 'other') {
      const at = this.now().toISOString();
      await this.store.updateVolumeSize(id, st.size, at);
      return { ...v, size: st.size, updatedAt: at };
    }
    return v;
  }

  async deleteVolume(projectId: string, id: string): Promise<void> {
    const v = await this.getVolume(projectId, id);
    if (v.serverId) {
      throw new AppError(
        'volume_in_use',
        `The disk ${id} is attached to server ${v.serverId}; remove the server first.`,
      );
    }
    await this.store.deleteVolume(projectId, id);
  }

  async createServer(
    projectId: string,
    input: { name: unknown; volumeIds: unknown; availabilityZone?: unknown; description?: unknown },
  ): Promise<Server> {
    const name = checkName('server.name', input.name);
    const az = checkAz('server.availability_zone', input.availabilityZone);
    const description = input.description ?? '';
    if (typeof description !== 'string' || description.length > 255) {
      throw invalidField('server.description', 'must be a string of at most 255 characters');
    }
    if (!Array.isArray(input.volumeIds) || input.volumeIds.length === 0 || input.volumeIds.length > 64) {
      throw invalidField('server.volume_ids', 'must be a list of 1–64 volume ids');
    }
    const ids = input.volumeIds as unknown[];
    const seen = new Set<string>();
    for (const [i, id] of ids.entries()) {
      if (typeof id !== 'string') throw invalidField(`server.volume_ids[${i}]`, 'must be a string');
      if (seen.has(id)) throw invalidField(`server.volume_ids[${i}]`, `duplicate volume ${id}`);
      seen.add(id);
      const v = await this.store.getVolume(projectId, id);
      if (!v) {
        throw new AppError('volume_not_found', `The disk ${id} does not exist.`, {
          field: `server.volume_ids[${i}]`,
        });
      }
      if (v.serverId) {
        throw new AppError('volume_in_use', `The disk ${id} is already attached to server ${v.serverId}.`, {
          field: `server.volume_ids[${i}]`,
        });
      }
    }
    const now = this.now().toISOString();
    const server = {
      id: newUuid(),
      projectId,
      name,
      description,
      availabilityZone: az,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.insertServer(server, ids as string[]);
    return this.getServer(projectId, server.id);
  }

  async getServer(projectId: string, id: string): Promise<Server> {
    const s = await this.store.getServer(projectId, id);
    if (!s) throw new AppError('server_not_found', `The server ${id} does not exist.`);
    return s;
  }

  async listServers(projectId: string, filter: NameFilter = {}): Promise<Server[]> {
    return this.store.listServers(projectId, filter);
  }

  async countServers(projectId: string, filter: NameFilter = {}): Promise<number> {
    return this.store.countServers(projectId, filter);
  }

  /** Removes the server declaration; its volumes stay declared (detached). */
  async deleteServer(projectId: string, id: string): Promise<void> {
    if (!(await this.store.deleteServer(projectId, id))) {
      throw new AppError('server_not_found', `The server ${id} does not exist.`);
    }
  }
}
