// Catalog tables of tags: the tags of vaults and of inventory servers and volumes (one row per key), and the
// tags a vault's bind rules name (auto_bind takes new or newly tagged resources carrying one of them).

export interface CbrTagsTable {
  /** 'vault' | 'server' | 'volume' */
  resource_kind: string;
  resource_id: string;
  project_id: string;
  tag_key: string;
  tag_value: string;
}

export interface CbrVaultBindRulesTable {
  vault_id: string;
  tag_key: string;
  tag_value: string;
  /** Order the rules were given in (answers list them so). */
  position: number;
}

export interface TagTables {
  cbr_tags: CbrTagsTable;
  cbr_vault_bind_rules: CbrVaultBindRulesTable;
}
