// Catalog tables of CBR policies (portable types: JSON as text, booleans as 0/1, canonical text timestamps).
export interface CbrPoliciesTable {
  id: string;
  project_id: string;
  name: string;
  operation_type: string;
  enabled: number;
  definition_json: string;
  trigger_id: string;
  patterns_json: string;
  created_at: string;
  updated_at: string;
}

/** The latest slot each (policy, vault) ran, and how many automatic runs it has had (full_backup_interval). */
export interface CbrPolicyRunsTable {
  policy_id: string;
  vault_id: string;
  slot: string;
  runs: number;
}

export interface PolicyTables {
  cbr_policies: CbrPoliciesTable;
  cbr_policy_runs: CbrPolicyRunsTable;
}
