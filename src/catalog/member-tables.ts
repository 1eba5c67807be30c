// Catalog table of backup sharing: one row per (backup, receiving project), canonical text timestamps.
export interface CbrBackupMembersTable {
  id: string;
  backup_id: string;
  owner_project_id: string;
  dest_project_id: string;
  status: string;
  vault_id: string | null;
  image_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface MemberTables {
  cbr_backup_members: CbrBackupMembersTable;
}
