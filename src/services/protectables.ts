// CBR's protectables: the inventory's servers and volumes, each with the status CBR shows and the vault it is
// already in (a resource in a vault cannot be added to another), filtered and paged as ListProtectable asks.
import type { Vault } from '../domain/cbr-model.js';
import { AppError } from '../domain/errors.js';
import type { Server, Volume } from '../domain/inventory.js';
import type { ProtocolDeps } from './protocol-deps.js';

export interface Protectable {
  resource: Server | Volume;
  /** `active` for a server; `in-use` or `available` for a volume. */
  status: string;
  /** The vault the resource is bound to: it is not protectable by another. */
  vault: Vault | null;
}

export function isServer(x: Server | Volume): x is Server {
  return 'volumes' in x;
}

export function protectableStatus(x: Server | Volume): string {
  if (isServer(x)) return 'active';
  return x.serverId ? 'in-use' : 'available';
}

async function describe(deps: ProtocolDeps, projectId: string, x: Server | Volume): Promise<Protectable> {
  const vaultId = await deps.cbr.vaults.vaultOfResource(projectId, x.id);
  const vault = vaultId ? await deps.cbr.vaults.getVault(projectId, vaultId) : null;
  return { resource: x, status: protectableStatus(x), vault };
}

export interface ProtectableFilter {
  /** Volumes of this server only. */
  serverId?: string;
  id?: string;
  name?: string;
  status?: string;
  /** Id of the last instance of the previous page. */
  marker?: string;
  offset: number;
  limit: number;
}

export async function listProtectables(
  deps: ProtocolDeps,
  projectId: string,
  type: 'server' | 'disk',
  f: ProtectableFilter,
): Promise<Protectable[]> {
  const all =
    type === 'server'
      ? await deps.inventory.listServers(projectId)
      : await deps.inventory.listVolumes(projectId, f.serverId ? { serverId: f.serverId } : {});
  let list = await Promise.all(all.map((x) => describe(deps, projectId, x)));
  if (f.id) list = list.filter((x) => x.resource.id === f.id);
  if (f.name) list = list.filter((x) => x.resource.name === f.name);
  if (f.status) list = list.filter((x) => x.status === f.status);
  if (f.marker) {
    const i = list.findIndex((x) => x.resource.id === f.marker);
    if (i < 0)
      throw new AppError('validation', `Invalid parameter marker: ${f.marker} is not listed`, {
        field: 'marker',
      });
    list = list.slice(i + 1);
  }
  return list.slice(f.offset, f.offset + f.limit);
}

export async function getProtectable(
  deps: ProtocolDeps,
  projectId: string,
  type: 'server' | 'disk',
  id: string,
): Promise<Protectable> {
  const x =
    type === 'server'
      ? await deps.inventory.getServer(projectId, id)
      : await deps.inventory.getVolume(projectId, id);
  return describe(deps, projectId, x);
}
