// What the HSS services need from persistence: protected hosts and ransomware protection policies, as the catalog
// keeps them (timestamps ISO-8601 UTC strings, JSON as text). Vaults, backups and backup policies (a protection
// vault's schedule is its CBR policy, run by the one CBR scheduler) are CBR's (cbr-repositories.ts).

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
}
