// Inventory tables (PLATFORM): operator-declared volumes and servers.

export interface VolumeRow {
  id: string;
  project_id: string;
  name: string;
  description: string;
  /** Canonical (realpath) location of the image file or block device. */
  path: string;
  /** Bytes; a multiple of 512. */
  size: number;
  /** 'file' | 'block' */
  kind: string;
  availability_zone: string;
  created_at: string;
  updated_at: string;
}

export interface ServerRow {
  id: string;
  project_id: string;
  name: string;
  description: string;
  availability_zone: string;
  created_at: string;
  updated_at: string;
}

export interface ServerVolumeRow {
  server_id: string;
  volume_id: string;
  /** 0 = system disk, then data disks in order. */
  position: number;
}

export interface InventoryTables {
  volumes: VolumeRow;
  servers: ServerRow;
  server_volumes: ServerVolumeRow;
}
