// Catalog tables of the HSS v5 ransomware view: which hosts have protection switched on, with which
// ransomware protection policy and which backup policy. Vaults and backups are CBR's rows.

export interface HssProtectedHostsTable {
  project_id: string;
  /** = inventory server id */
  host_id: string;
  agent_id: string;
  operating_system: string;
  /** opened | closed */
  ransom_protection_status: string;
  protection_policy_id: string | null;
  /** opened | closed | failed_to_turn_on_backup */
  backup_protection_status: string;
  /** CBR vault the host is bound to while backup protection is on. */
  vault_id: string | null;
  backup_error_code: number;
  backup_error_description: string | null;
  created_at: string;
  updated_at: string;
}

export interface HssProtectionPoliciesTable {
  id: string;
  project_id: string;
  policy_name: string;
  protection_mode: string;
  bait_protection_status: string;
  deploy_mode: string;
  protection_directory: string;
  protection_type: string;
  exclude_directory: string;
  runtime_detection_status: string;
  runtime_detection_directory: string;
  operating_system: string;
  /** JSON [{path, hash}] */
  process_whitelist_json: string;
  ai_protection_status: string;
  created_at: string;
  updated_at: string;
}

/** Backup schedules of HSS protection vaults (HSS "backup policy": enabled, retention, RRULE trigger). */
export interface HssBackupPoliciesTable {
  id: string;
  project_id: string;
  name: string;
  enabled: number;
  /** CBR vault this policy is bound to (null = not associated). */
  vault_id: string | null;
  /** JSON OperationDefinition (snake_case, as on the wire). */
  operation_definition_json: string;
  /** JSON array of RRULE strings. */
  pattern_json: string;
  trigger_id: string;
  start_time: string;
  /** Canonical timestamp of the last schedule slot run (null: never ran). */
  last_run_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface HssTables {
  hss_protected_hosts: HssProtectedHostsTable;
  hss_protection_policies: HssProtectionPoliciesTable;
  hss_backup_policies: HssBackupPoliciesTable;
}
