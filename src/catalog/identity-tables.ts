// Identity tables (PLATFORM). Timestamps are ISO-8601 UTC strings, booleans 0/1, JSON as text.

export interface DomainRow {
  id: string;
  name: string;
  enabled: number;
  description: string;
  created_at: string;
}

export interface ProjectRow {
  id: string;
  name: string;
  domain_id: string;
  enabled: number;
  description: string;
  created_at: string;
}

export interface UserRow {
  id: string;
  name: string;
  domain_id: string;
  /** scrypt$N$r$p$salt$hash (base64) */
  password_hash: string;
  enabled: number;
  default_project_id: string | null;
  password_changed_at: string;
  created_at: string;
}

export interface RoleRow {
  id: string;
  name: string;
}

export interface RoleAssignmentRow {
  user_id: string;
  project_id: string;
  role_id: string;
}

export interface TokenRow {
  /** SHA-256 (hex) of the opaque token string; the token itself is never stored. */
  id_hash: string;
  user_id: string;
  project_id: string | null;
  methods: string;
  audit_id: string;
  issued_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface CredentialRow {
  /** The access key (AK). */
  access: string;
  /** The secret key (SK); HMAC verification needs it in clear. */
  secret: string;
  user_id: string;
  project_id: string | null;
  description: string;
  status: string;
  created_at: string;
  last_used_at: string | null;
}

/** A signature spent on a write (AK/SK replay protection), kept until its X-Sdk-Date leaves the window. */
export interface SpentSignatureRow {
  /** The request signature (64 hex digits). */
  signature: string;
  access: string;
  /** X-Sdk-Date + the date window: the signature cannot verify any more after this. */
  expires_at: string;
}

export interface IdentityTables {
  domains: DomainRow;
  projects: ProjectRow;
  users: UserRow;
  roles: RoleRow;
  role_assignments: RoleAssignmentRow;
  tokens: TokenRow;
  credentials: CredentialRow;
  spent_signatures: SpentSignatureRow;
}
