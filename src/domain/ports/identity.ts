// What the identity service needs from persistence: the rows it reads and writes (timestamps ISO-8601 UTC
// strings, booleans 0/1, as the catalog keeps them) and the store that holds them.

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

/** Persistence the identity service needs (implemented by src/catalog/identity.ts). */
export interface IdentityStore {
  getDomain(ref: { id?: string; name?: string }): Promise<DomainRow | undefined>;
  insertDomain(row: DomainRow): Promise<void>;
  getProject(ref: { id?: string; name?: string; domainId?: string }): Promise<ProjectRow | undefined>;
  listProjects(filter?: { domainId?: string; name?: string }): Promise<ProjectRow[]>;
  insertProject(row: ProjectRow): Promise<void>;
  getUser(ref: { id?: string; name?: string; domainId?: string }): Promise<UserRow | undefined>;
  listUsers(filter?: { domainId?: string }): Promise<UserRow[]>;
  insertUser(row: UserRow): Promise<void>;
  updateUserPassword(userId: string, passwordHash: string, at: string): Promise<void>;
  ensureRole(name: string, newId: () => string): Promise<string>;
  assignRole(userId: string, projectId: string, roleId: string): Promise<void>;
  rolesOf(userId: string, projectId: string): Promise<Array<{ id: string; name: string }>>;
  projectsOf(userId: string): Promise<ProjectRow[]>;
  insertToken(row: TokenRow): Promise<void>;
  getToken(idHash: string): Promise<TokenRow | undefined>;
  revokeToken(idHash: string, at: string): Promise<void>;
  revokeTokensOfUser(userId: string, at: string): Promise<void>;
  purgeTokensBefore(iso: string): Promise<number>;
  insertCredential(row: CredentialRow): Promise<void>;
  getCredential(access: string): Promise<CredentialRow | undefined>;
  listCredentials(filter?: { userId?: string }): Promise<CredentialRow[]>;
  deleteCredential(access: string): Promise<boolean>;
  touchCredential(access: string, at: string): Promise<void>;
  /**
   * Records a signature as spent, insert-if-absent: true when this call recorded it, false when it was recorded
   * already (by this node or another sharing the catalog).
   */
  spendSignature(signature: string, access: string, expiresAt: string): Promise<boolean>;
  /** Forgets spent signatures that expired before `iso`; returns how many. */
  purgeSpentSignaturesBefore(iso: string): Promise<number>;
}
