// What the HSS services need from persistence: protected hosts, ransomware protection policies and the backup
// policies of protection vaults, as the catalog keeps them (timestamps ISO-8601 UTC strings, booleans 0/1, JSON
// as text). Vaults and backups themselves are CBR's (cbr-repositories.ts).

export interface ProtectedHost {
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

export interface ProtectionPolicyRow {
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
export interface BackupPolicyRow {
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

export interface HssRepository {
  getHost(projectId: string, hostId: string): Promise<ProtectedHost | null>;
  hostsOf(projectId: string): Promise<ProtectedHost[]>;
  /** Inserts the host or replaces its protection state. */
  putHost(h: ProtectedHost): Promise<void>;
  /** Hosts of the project with ransomware protection opened under this policy. */
  countHostsWithPolicy(projectId: string, policyId: string): Promise<number>;

  insertProtectionPolicy(p: ProtectionPolicyRow): Promise<void>;
  updateProtectionPolicy(p: ProtectionPolicyRow): Promise<void>;
  getProtectionPolicy(projectId: string, id: string): Promise<ProtectionPolicyRow | null>;
  deleteProtectionPolicy(projectId: string, id: string): Promise<void>;
  listProtectionPolicies(
    projectId: string,
    f: { name?: string; id?: string; os?: string; limit: number; offset: number },
  ): Promise<{ items: ProtectionPolicyRow[]; count: number }>;

  insertBackupPolicy(p: BackupPolicyRow): Promise<void>;
  updateBackupPolicy(p: BackupPolicyRow): Promise<void>;
  getBackupPolicy(projectId: string, id: string): Promise<BackupPolicyRow | null>;
  /** The policy bound to the vault (the latest updated, should several be). */
  backupPolicyOfVault(projectId: string, vaultId: string): Promise<BackupPolicyRow | null>;
  /** Binds a policy to a vault; a vault has at most one policy, so any other one is unbound. */
  associateBackupPolicy(projectId: string, policyId: string, vaultId: string, now: string): Promise<void>;
  /** Every enabled policy bound to a vault, all projects (the policy runner's work list). */
  enabledBoundPolicies(): Promise<BackupPolicyRow[]>;
  /** Claims a schedule slot: true for exactly one caller per (policy, slot). */
  claimSlot(id: string, previous: string | null, slot: string): Promise<boolean>;
  listBackupPolicies(
    projectId: string,
    f: { id?: string; limit: number; offset: number },
  ): Promise<{ items: BackupPolicyRow[]; count: number }>;
}
