// Catalog tables of the CBR control plane (vaults, resources bound to vaults, checkpoints, backups,
// operation logs). Portable types only: text timestamps (canonical, fixed width), JSON as text,
// booleans as 0/1 integers, byte counts as bigint (PostgreSQL returns them as strings: use Number()).
/** A bigint column: typed number; PostgreSQL's driver returns int8 as a string, so readers apply Number(). */
type Big = number;

export interface CbrVaultsTable {
  id: string;
  project_id: string;
  user_id: string | null;
  name: string;
  description: string | null;
  object_type: string;
  protect_type: string;
  consistent_level: string;
  charging_mode: string;
  size_gb: number;
  used_bytes: Big;
  status: string;
  enterprise_project_id: string;
  backup_policy_id: string | null;
  auto_bind: number;
  auto_expand: number;
  smn_notify: number;
  threshold: number;
  locked: number;
  availability_zone: string | null;
  created_at: string;
  updated_at: string;
}

export interface CbrVaultResourcesTable {
  project_id: string;
  vault_id: string;
  resource_id: string;
  kind: string;
  name: string;
  size_gb: number;
  protect_status: string;
  exclude_volumes: string;
  created_at: string;
  /** 1 while automatic backups skip the resource (SetVaultResource suspend; migration 0013). */
  suspended: number;
}

export interface CbrCheckpointsTable {
  id: string;
  project_id: string;
  vault_id: string;
  vault_name: string;
  status: string;
  name: string | null;
  description: string | null;
  incremental: number;
  auto_trigger: number;
  retention_days: number;
  resources_json: string;
  skipped_json: string;
  created_at: string;
  updated_at: string;
}

export interface CbrBackupsTable {
  id: string;
  project_id: string;
  vault_id: string;
  checkpoint_id: string;
  parent_id: string | null;
  name: string;
  description: string | null;
  image_type: string;
  status: string;
  resource_id: string;
  resource_kind: string;
  resource_name: string;
  resource_size_gb: number;
  resource_az: string | null;
  enterprise_project_id: string;
  created_at: string;
  updated_at: string;
  /** '' until the backup has completed (a sentinel instead of NULL so that sort order is the same on every dialect). */
  protected_at: string;
  expired_at: string | null;
  incremental: number;
  auto_trigger: number;
  bootable: number;
  system_disk: number;
  encrypted: number;
  disk_index: number;
  progress: number | null;
  fail_reason: string | null;
  volume_bytes: Big;
  stored_bytes: Big;
  engine_backup_id: string | null;
  base_backup_id: string | null;
  /** The user who created the backup (migration 0012); null for rows made before it. */
  user_id: string | null;
}

export interface CbrOperationLogsTable {
  id: string;
  policy_id: string | null;
  project_id: string;
  operation_type: string;
  status: string;
  created_at: string;
  started_at: string;
  updated_at: string;
  ended_at: string | null;
  checkpoint_id: string | null;
  vault_id: string | null;
  vault_name: string | null;
  provider_kind: string;
  resource_id: string;
  resource_name: string;
  backup_id: string;
  backup_name: string;
  incremental: number | null;
  target_resource_id: string | null;
  target_resource_name: string | null;
  progress: number;
  error_code: string | null;
  error_message: string | null;
  /** The API request that started the operation (migration 0045); null for older rows and scheduled runs. */
  request_id?: string | null;
}

export interface CbrTables {
  cbr_vaults: CbrVaultsTable;
  cbr_vault_resources: CbrVaultResourcesTable;
  cbr_checkpoints: CbrCheckpointsTable;
  cbr_backups: CbrBackupsTable;
  cbr_operation_logs: CbrOperationLogsTable;
}
