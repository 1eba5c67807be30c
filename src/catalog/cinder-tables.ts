// Catalog tables of the Cinder-compatible API: only what Cinder has and CBR does not (container,
// metadata, snapshot id, user id, …), keyed by the shared backup id. The backup itself is CBR's row.
import type { HssTables } from './hss-tables.js';

export interface CinderBackupsTable {
  /** = cbr_backups.id */
  backup_id: string;
  project_id: string;
  /** User who created it through the Cinder API (null for backups made through CBR or HSS). */
  user_id: string | null;
  /** The `container` the client asked for (the vault that holds the data is in cbr_backups). */
  container: string | null;
  /** JSON object of string → string. */
  metadata_json: string;
  snapshot_id: string | null;
  /** The client asked for an incremental backup (1) or a full one (0). */
  requested_incremental: number;
  /** Came from import_record (1) rather than create (0). */
  imported: number;
  /** The name CBR generated when the client gave none (Cinder then shows null until it is renamed). */
  generated_name: string | null;
  created_at: string;
  updated_at: string;
}

export interface CinderTables {
  cinder_backups: CinderBackupsTable;
}

/** The Cinder and HSS part of the catalog schema. */
export interface CinderHssTables extends CinderTables, HssTables {}
