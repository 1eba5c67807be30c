// Inventory domain objects → opencbr wire shapes.
import type { Server, Volume } from '../../domain/inventory.js';

const GiB = 1024 ** 3;

export function volumeView(v: Volume) {
  return {
    id: v.id,
    project_id: v.projectId,
    name: v.name,
    description: v.description,
    path: v.path,
    size: v.size,
    size_gb: Math.ceil(v.size / GiB),
    type: v.kind,
    availability_zone: v.availabilityZone,
    status: v.serverId ? 'in-use' : 'available',
    server_id: v.serverId,
    bootable: v.position === 0,
    created_at: v.createdAt,
    updated_at: v.updatedAt,
  };
}

export function serverView(s: Server) {
  return {
    id: s.id,
    project_id: s.projectId,
    name: s.name,
    description: s.description,
    availability_zone: s.availabilityZone,
    status: 'ACTIVE',
    volume_ids: s.volumes.map((v) => v.id),
    volumes: s.volumes.map(volumeView),
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}
