// Identity use cases: bootstrap, projects/users/credentials, password auth, tokens, AK/SK verification.
import { AppError } from './errors.js';
import type { SecretBox } from './identity-secrets.js';
import {
  SDK_DATE_WINDOW_MS,
  type SignableRequest,
  isWriteMethod,
  parseSdkAuthorization,
  verifySdkSignature,
} from './identity-signing.js';
import {
  ADMIN_ROLE,
  type AuthInfo,
  DEFAULT_DOMAIN_NAME,
  MEMBER_ROLE,
  READER_ROLE,
  generatePassword,
  hashPassword,
  newAccessKey,
  newAuditId,
  newHexId,
  newSecretKey,
  newTokenString,
  tokenDigest,
  verifyPassword,
} from './identity.js';
import type {
  CredentialRow,
  DomainRow,
  IdentityStore,
  ProjectRow,
  TokenRow,
  UserRow,
} from './ports/identity.js';

export type { IdentityStore } from './ports/identity.js';

export interface Ref {
  id?: string;
  name?: string;
}

export interface Domain {
  id: string;
  name: string;
}

export interface Project {
  id: string;
  name: string;
  domainId: string;
  enabled: boolean;
  description: string;
  createdAt: string;
}

export interface User {
  id: string;
  name: string;
  domainId: string;
  enabled: boolean;
  defaultProjectId: string | null;
  passwordChangedAt: string;
  createdAt: string;
}

export interface Role {
  id: string;
  name: string;
}

/** A valid token, with everything a Keystone token body needs. */
export interface TokenInfo {
  methods: string[];
  issuedAt: string;
  expiresAt: string;
  auditId: string;
  user: User;
  userDomain: Domain;
  project: (Project & { domain: Domain }) | null;
  roles: Role[];
}

export interface Credential {
  access: string;
  userId: string;
  projectId: string | null;
  description: string;
  status: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface IdentityOptions {
  tokenTtlSeconds: number;
  /** Seals AK/SK secrets in the catalog (src/domain/identity-secrets.ts); without it they are stored as given. */
  secrets?: SecretBox;
  now?: () => Date;
  /**
   * How long a validated token is trusted from memory before the catalog is asked again (default 5000 ms;
   * 0 disables). Revocations made through this process apply at once; those made by another node within
   * this window.
   */
  tokenCacheMs?: number;
}

const TOKEN_CACHE_MAX = 10_000;
/** last_used_at of an access key is written at most this often (not on every request). */
const CREDENTIAL_TOUCH_MS = 60_000;
/** Spent signatures are purged at most this often (per process), on the write path. */
const SIGNATURE_PURGE_MS = 60_000;
/**
 * A spent signature is kept this long past its own expiry (X-Sdk-Date + the window), so that a node whose
 * clock is behind the purging node's by less than this still finds it.
 */
const SIGNATURE_PURGE_GRACE_MS = 5 * 60_000;

const toProject = (r: ProjectRow): Project => ({
  id: r.id,
  name: r.name,
  domainId: r.domain_id,
  enabled: r.enabled === 1,
  description: r.description,
  createdAt: r.created_at,
});

const toUser = (r: UserRow): User => ({
  id: r.id,
  name: r.name,
  domainId: r.domain_id,
  enabled: r.enabled === 1,
  defaultProjectId: r.default_project_id,
  passwordChangedAt: r.password_changed_at,
  createdAt: r.created_at,
});

const toCredential = (r: CredentialRow): Credential => ({
  access: r.access,
  userId: r.user_id,
  projectId: r.project_id,
  description: r.description,
  status: r.status,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

const hasControlChars = (s: string) => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

function checkName(field: string, name: string): void {
  if (name.length === 0 || name.length > 255 || hasControlChars(name) || name.trim() !== name) {
    throw new AppError('validation', `Invalid parameter ${field}: must be 1–255 printable characters`, {
      field,
    });
  }
}

function checkPassword(password: string): void {
  if (password.length < 8 || password.length > 1024) {
    throw new AppError('validation', 'Invalid parameter password: must be 8–1024 characters', {
      field: 'password',
    });
  }
}

/**
 * Where to look a domain up. OpenStack tools default to the domain id `default` (Keystone's literal id of the
 * Default domain); ours is hex like every id, so `default` is accepted as an alias.
 */
function domainLookup(ref: Ref | undefined): Ref {
  if (!ref || (ref.id === undefined && ref.name === undefined)) return { name: DEFAULT_DOMAIN_NAME };
  if (ref.id === 'default') return { name: DEFAULT_DOMAIN_NAME };
  return ref.id !== undefined ? { id: ref.id } : { name: ref.name };
}

export class IdentityService {
  private readonly now: () => Date;
  /**
   * Validated tokens by the token string itself, so that a hit costs no sha256 (the digest is computed only to
   * ask the catalog). Raw tokens are in this process's memory anyway (every request carries one); entries
   * live at most tokenCacheMs and never beyond the token's expiry.
   */
  private readonly tokenCache = new Map<string, { info: TokenInfo; until: number }>();
  private readonly credentialTouched = new Map<string, number>();
  private signaturesPurgedAt = 0;

  constructor(
    private readonly store: IdentityStore,
    private readonly opts: IdentityOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  private iso(): string {
    return this.now().toISOString();
  }

  /**
   * First start: domain Default, project admin, user admin (admin role). Returns the generated
   * password when none was given and the admin user was just created; null otherwise. `passwordIgnored`
   * tells the caller that a password was given but the existing admin has another one: it only applies at
   * creation, and a user who set it after the first start would otherwise get 401 without knowing why.
   */
  async bootstrap(
    adminPassword: string | null,
  ): Promise<{ created: boolean; generatedPassword: string | null; passwordIgnored: boolean }> {
    for (const role of [ADMIN_ROLE, MEMBER_ROLE, READER_ROLE]) await this.store.ensureRole(role, newHexId);
    let domain = await this.store.getDomain({ name: DEFAULT_DOMAIN_NAME });
    if (!domain) {
      // Keystone's default domain id is the literal "default"; Huawei uses hex ids. Hex keeps one format.
      domain = {
        id: newHexId(),
        name: DEFAULT_DOMAIN_NAME,
        enabled: 1,
        description: '',
        created_at: this.iso(),
      };
      await this.store.insertDomain(domain);
    }
    const existing = await this.store.getUser({ name: 'admin', domainId: domain.id });
    if (existing) {
      const passwordIgnored =
        adminPassword !== null && !(await verifyPassword(adminPassword, existing.password_hash));
      return { created: false, generatedPassword: null, passwordIgnored };
    }
    let project = await this.store.getProject({ name: 'admin', domainId: domain.id });
    if (!project) project = await this.insertProject('admin', domain.id, 'Administration project');
    const password = adminPassword ?? generatePassword();
    await this.createUser({
      name: 'admin',
      domain: { id: domain.id },
      password,
      project: { id: project.id },
      roles: [ADMIN_ROLE],
    });
    return { created: true, generatedPassword: adminPassword ? null : password, passwordIgnored: false };
  }

  async resolveDomain(ref: Ref | undefined): Promise<DomainRow> {
    const r = domainLookup(ref);
    const d = await this.store.getDomain(r);
    if (!d) throw new AppError('domain_not_found', `Could not find domain: ${r.id ?? r.name}.`);
    return d;
  }

  private async insertProject(name: string, domainId: string, description: string): Promise<ProjectRow> {
    const row: ProjectRow = {
      id: newHexId(),
      name,
      domain_id: domainId,
      enabled: 1,
      description,
      created_at: this.iso(),
    };
    await this.store.insertProject(row);
    return row;
  }

  async createProject(input: { name: string; domain?: Ref; description?: string }): Promise<Project> {
    checkName('name', input.name);
    const domain = await this.resolveDomain(input.domain);
    if (await this.store.getProject({ name: input.name, domainId: domain.id })) {
      throw new AppError(
        'identity_conflict',
        `Project ${input.name} already exists in domain ${domain.name}.`,
        {
          field: 'name',
        },
      );
    }
    return toProject(await this.insertProject(input.name, domain.id, input.description ?? ''));
  }

  async getProject(ref: Ref & { domain?: Ref }): Promise<Project> {
    let row: ProjectRow | undefined;
    if (ref.id !== undefined) row = await this.store.getProject({ id: ref.id });
    else if (ref.name !== undefined) {
      const domain = await this.resolveDomain(ref.domain);
      row = await this.store.getProject({ name: ref.name, domainId: domain.id });
    }
    if (!row) throw new AppError('project_not_found', `Could not find project: ${ref.id ?? ref.name}.`);
    return toProject(row);
  }

  async listProjects(filter: { domain?: Ref } = {}): Promise<Project[]> {
    const domainId = filter.domain ? (await this.resolveDomain(filter.domain)).id : undefined;
    return (await this.store.listProjects(domainId ? { domainId } : {})).map(toProject);
  }

  async getDomain(id: string): Promise<Domain> {
    const d = await this.resolveDomain({ id });
    return { id: d.id, name: d.name };
  }

  async createUser(input: {
    name: string;
    domain?: Ref;
    password: string;
    project?: Ref;
    roles?: string[];
  }): Promise<User> {
    checkName('name', input.name);
    checkPassword(input.password);
    const domain = await this.resolveDomain(input.domain);
    if (await this.store.getUser({ name: input.name, domainId: domain.id })) {
      throw new AppError('identity_conflict', `User ${input.name} already exists in domain ${domain.name}.`, {
        field: 'name',
      });
    }
    const project = input.project
      ? await this.getProject({ ...input.project, domain: { id: domain.id } })
      : null;
    const now = this.iso();
    const row: UserRow = {
      id: newHexId(),
      name: input.name,
      domain_id: domain.id,
      password_hash: await hashPassword(input.password),
      enabled: 1,
      default_project_id: project?.id ?? null,
      password_changed_at: now,
      created_at: now,
    };
    await this.store.insertUser(row);
    if (project) {
      for (const role of input.roles?.length ? input.roles : [MEMBER_ROLE]) {
        await this.assignRole(row.id, project.id, role);
      }
    }
    return toUser(row);
  }

  async assignRole(userId: string, projectId: string, role: string): Promise<void> {
    if (![ADMIN_ROLE, MEMBER_ROLE, READER_ROLE].includes(role)) {
      throw new AppError('validation', 'Invalid parameter role: must be one of admin, member, reader', {
        field: 'role',
      });
    }
    const roleId = await this.store.ensureRole(role, newHexId);
    await this.store.assignRole(userId, projectId, roleId);
    this.tokenCache.clear();
  }

  async getUser(ref: Ref & { domain?: Ref }): Promise<User> {
    let row: UserRow | undefined;
    if (ref.id !== undefined) row = await this.store.getUser({ id: ref.id });
    else if (ref.name !== undefined) {
      const domain = await this.resolveDomain(ref.domain);
      row = await this.store.getUser({ name: ref.name, domainId: domain.id });
    }
    if (!row) throw new AppError('user_not_found', `Could not find user: ${ref.id ?? ref.name}.`);
    return toUser(row);
  }

  async listUsers(): Promise<User[]> {
    return (await this.store.listUsers()).map(toUser);
  }

  /** Changes a password and revokes the user's tokens (as IAM does). */
  async setPassword(ref: Ref & { domain?: Ref }, password: string): Promise<void> {
    checkPassword(password);
    const user = await this.getUser(ref);
    const now = this.iso();
    await this.store.updateUserPassword(user.id, await hashPassword(password), now);
    await this.store.revokeTokensOfUser(user.id, now);
    this.tokenCache.clear();
  }

  /** Password check; any failure is the same 401 so names cannot be probed. */
  async authenticatePassword(user: Ref & { domain?: Ref }, password: string): Promise<User> {
    const fail = () => new AppError('unauthenticated', 'The request you have made requires authentication.');
    let row: UserRow | undefined;
    if (user.id !== undefined) row = await this.store.getUser({ id: user.id });
    else if (user.name !== undefined) {
      const domain = await this.store.getDomain(domainLookup(user.domain));
      if (domain) row = await this.store.getUser({ name: user.name, domainId: domain.id });
    }
    if (!row) {
      // Spend the same time as a real check.
      await verifyPassword(password, await dummyHash());
      throw fail();
    }
    if (!(await verifyPassword(password, row.password_hash)) || row.enabled !== 1) throw fail();
    return toUser(row);
  }

  async rolesOf(userId: string, projectId: string): Promise<Role[]> {
    return this.store.rolesOf(userId, projectId);
  }

  /** Issues a token for an authenticated user, optionally scoped to a project the user has a role on. */
  async issueToken(
    user: User,
    scope: { project?: Ref & { domain?: Ref } } | null,
    methods: string[] = ['password'],
  ): Promise<{ token: string; info: TokenInfo }> {
    let project: Project | null = null;
    if (scope?.project) {
      try {
        project = await this.getProject(scope.project);
      } catch (err) {
        // Keystone answers an unknown scope target with 401, not 404.
        if (
          err instanceof AppError &&
          (err.code === 'project_not_found' || err.code === 'domain_not_found')
        ) {
          throw new AppError(
            'unauthenticated',
            `Could not find project: ${scope.project.id ?? scope.project.name}.`,
          );
        }
        throw err;
      }
      if (!project.enabled) throw new AppError('unauthenticated', 'The project is disabled.');
      const roles = await this.store.rolesOf(user.id, project.id);
      if (roles.length === 0) {
        throw new AppError('unauthenticated', `User ${user.id} has no access to project ${project.id}.`);
      }
    }
    const issued = this.now();
    const token = newTokenString();
    const row: TokenRow = {
      id_hash: tokenDigest(token),
      user_id: user.id,
      project_id: project?.id ?? null,
      methods: JSON.stringify(methods),
      audit_id: newAuditId(),
      issued_at: issued.toISOString(),
      expires_at: new Date(issued.getTime() + this.opts.tokenTtlSeconds * 1000).toISOString(),
      revoked_at: null,
    };
    await this.store.insertToken(row);
    const info = await this.tokenInfo(row);
    if (!info) throw new AppError('internal', 'Token vanished after issue.');
    return { token, info };
  }

  private async tokenInfo(row: TokenRow): Promise<TokenInfo | null> {
    const userRow = await this.store.getUser({ id: row.user_id });
    if (!userRow || userRow.enabled !== 1) return null;
    const userDomain = await this.store.getDomain({ id: userRow.domain_id });
    if (!userDomain) return null;
    let project: TokenInfo['project'] = null;
    let roles: Role[] = [];
    if (row.project_id) {
      const p = await this.store.getProject({ id: row.project_id });
      if (!p || p.enabled !== 1) return null;
      const pd = await this.store.getDomain({ id: p.domain_id });
      if (!pd) return null;
      project = { ...toProject(p), domain: { id: pd.id, name: pd.name } };
      roles = await this.store.rolesOf(userRow.id, p.id);
      // Role removed since issue: the scoped token no longer grants anything.
      if (roles.length === 0) return null;
    }
    return {
      methods: JSON.parse(row.methods) as string[],
      issuedAt: row.issued_at,
      expiresAt: row.expires_at,
      auditId: row.audit_id,
      user: toUser(userRow),
      userDomain: { id: userDomain.id, name: userDomain.name },
      project,
      roles,
    };
  }

  /** The token's details if it exists, is not revoked and (unless allowExpired) has not expired. */
  async validateToken(token: string, opts: { allowExpired?: boolean } = {}): Promise<TokenInfo | null> {
    if (!token || token.length > 8192) return null;
    const nowMs = this.now().getTime();
    // Hot path (every API request): a cached entry never outlives its token (`until` <= expiry).
    const cached = this.tokenCache.get(token);
    if (cached && cached.until > nowMs) return cached.info;
    const nowIso = new Date(nowMs).toISOString();
    const row = await this.store.getToken(tokenDigest(token));
    if (!row || row.revoked_at !== null) {
      this.tokenCache.delete(token);
      return null;
    }
    if (!opts.allowExpired && row.expires_at <= nowIso) return null;
    const info = await this.tokenInfo(row);
    const cacheMs = this.opts.tokenCacheMs ?? 5000;
    if (info && cacheMs > 0 && row.expires_at > nowIso) {
      if (this.tokenCache.size >= TOKEN_CACHE_MAX) this.tokenCache.clear();
      const expiresMs = Date.parse(row.expires_at);
      const until = Math.min(nowMs + cacheMs, expiresMs);
      if (until > nowMs) this.tokenCache.set(token, { info, until });
    }
    return info;
  }

  /** Revokes a token; false when it was unknown, revoked or expired already. */
  async revokeToken(token: string): Promise<boolean> {
    const info = await this.validateToken(token);
    if (!info) return false;
    await this.store.revokeToken(tokenDigest(token), this.iso());
    this.tokenCache.delete(token);
    return true;
  }

  async projectsOfUser(userId: string): Promise<Project[]> {
    return (await this.store.projectsOf(userId)).map(toProject);
  }

  /** Removes tokens that expired more than a day ago. */
  async purgeExpiredTokens(): Promise<number> {
    return this.store.purgeTokensBefore(new Date(this.now().getTime() - 24 * 3600 * 1000).toISOString());
  }

  async createCredential(input: {
    user: Ref & { domain?: Ref };
    project?: Ref & { domain?: Ref };
    description?: string;
  }): Promise<Credential & { secret: string }> {
    const user = await this.getUser(input.user);
    const project = input.project ? await this.getProject(input.project) : null;
    if (project && (await this.store.rolesOf(user.id, project.id)).length === 0) {
      throw new AppError('validation', `User ${user.name} has no role on project ${project.name}.`, {
        field: 'project',
      });
    }
    const access = newAccessKey();
    const secret = newSecretKey();
    const row: CredentialRow = {
      access,
      secret: this.opts.secrets ? this.opts.secrets.seal(secret, access) : secret,
      user_id: user.id,
      project_id: project?.id ?? null,
      description: input.description ?? '',
      status: 'active',
      created_at: this.iso(),
      last_used_at: null,
    };
    await this.store.insertCredential(row);
    return { ...toCredential(row), secret };
  }

  async listCredentials(filter: { user?: Ref & { domain?: Ref } } = {}): Promise<Credential[]> {
    const userId = filter.user ? (await this.getUser(filter.user)).id : undefined;
    return (await this.store.listCredentials(userId ? { userId } : {})).map(toCredential);
  }

  async deleteCredential(access: string): Promise<void> {
    if (!(await this.store.deleteCredential(access))) {
      throw new AppError('credential_not_found', `Could not find credential: ${access}.`);
    }
  }

  /** Authenticates a token for use against `projectId` (401 bad token, 403 another project). */
  async authorizeToken(token: string, projectId: string): Promise<AuthInfo> {
    const info = await this.validateToken(token);
    if (!info) throw new AppError('unauthenticated', 'The token is invalid, expired or revoked.');
    return tokenAuth(info, projectId);
  }

  /**
   * authorizeToken's synchronous fast path for every API request: the answer when the token is in the
   * validation cache (throws like authorizeToken for another project), undefined when it must be looked up.
   */
  authorizeCachedToken(token: string, projectId: string): AuthInfo | undefined {
    if (!token || token.length > 8192) return undefined;
    const cached = this.tokenCache.get(token);
    if (!cached || cached.until <= this.now().getTime()) return undefined;
    return tokenAuth(cached.info, projectId);
  }

  /**
   * Verifies an `SDK-HMAC-SHA256` signed request for `projectId`: the AK must exist and be active, the
   * signature must match using the client's signed headers, X-Sdk-Date must be fresh, and X-Project-Id
   * (or the credential's own project) must be `projectId` with a role for the AK's user.
   */
  async authorizeSignedRequest(
    req: SignableRequest,
    authorization: string,
    projectId: string,
  ): Promise<AuthInfo> {
    const { user, boundProjectId } = await this.verifySignedRequest(req, authorization);
    const headerProject = req.header('x-project-id')?.trim();
    // Without X-Project-Id (or a project bound to the key) the URL's project is meant; the user still
    // needs a role on it.
    const requested = headerProject || boundProjectId || projectId;
    if (requested !== projectId) {
      throw new AppError('forbidden', `The request is not valid for project ${projectId}.`);
    }
    if (boundProjectId !== null && boundProjectId !== requested) {
      throw new AppError('forbidden', `The access key is not valid for project ${projectId}.`);
    }
    const roles = await this.store.rolesOf(user.id, projectId);
    if (roles.length === 0) throw new AppError('forbidden', `No role on project ${projectId}.`);
    return {
      userId: user.id,
      userName: user.name,
      domainId: user.domainId,
      projectId,
      roles: roles.map((r) => r.name),
      method: 'aksk',
    };
  }

  /**
   * Checks an `SDK-HMAC-SHA256` signature (AK known and active, signature over the client's signed headers,
   * fresh X-Sdk-Date) and returns the key's user and the project the key is bound to, if any.
   */
  async verifySignedRequest(
    req: SignableRequest,
    authorization: string,
  ): Promise<{ user: User; boundProjectId: string | null }> {
    const parsed = parseSdkAuthorization(authorization);
    if (!parsed) throw new AppError('unauthenticated', 'Malformed or unsupported Authorization header.');
    const cred = await this.store.getCredential(parsed.access);
    if (!cred || cred.status !== 'active') throw new AppError('unauthenticated', 'Unknown access key.');
    const now = this.now();
    let secret: string;
    try {
      secret = this.opts.secrets ? this.opts.secrets.open(cred.secret, cred.access) : cred.secret;
    } catch {
      // Sealed under another master key: the key cannot be used here.
      throw new AppError('unauthenticated', 'The access key cannot be verified.');
    }
    const check = verifySdkSignature(req, parsed, secret, now);
    if (!check.ok) {
      const why: Record<typeof check.reason, string> = {
        'missing-date': 'X-Sdk-Date must be present and signed.',
        'bad-date': 'X-Sdk-Date is not YYYYMMDDTHHMMSSZ.',
        'stale-date': 'X-Sdk-Date is more than 15 minutes from the server time.',
        'missing-header': 'A signed header is missing from the request.',
        'unsigned-payload': 'X-Sdk-Content-Sha256 UNSIGNED-PAYLOAD is refused for a request with a body.',
        'content-sha-mismatch': 'X-Sdk-Content-Sha256 does not match the body received.',
        mismatch: 'The request signature does not match.',
      };
      throw new AppError('unauthenticated', why[check.reason]);
    }
    const userRow = await this.store.getUser({ id: cred.user_id });
    if (!userRow || userRow.enabled !== 1) throw new AppError('unauthenticated', 'The user is disabled.');
    // Only a verified signature is spent, so a forged request cannot burn a real one. It is spent before the
    // write runs: a write refused afterwards (4xx) does not give it back.
    if (isWriteMethod(req.method)) await this.spendSignature(parsed.signature, cred.access, check.date, now);
    const last = this.credentialTouched.get(cred.access) ?? 0;
    if (now.getTime() - last >= CREDENTIAL_TOUCH_MS) {
      if (this.credentialTouched.size >= TOKEN_CACHE_MAX) this.credentialTouched.clear();
      this.credentialTouched.set(cred.access, now.getTime());
      await this.store.touchCredential(cred.access, now.toISOString());
    }
    return { user: toUser(userRow), boundProjectId: cred.project_id };
  }

  /** A write's signature may be used once while its X-Sdk-Date is within the window (401 on reuse). */
  private async spendSignature(signature: string, access: string, signedAt: Date, now: Date): Promise<void> {
    if (now.getTime() - this.signaturesPurgedAt >= SIGNATURE_PURGE_MS) {
      this.signaturesPurgedAt = now.getTime();
      await this.store.purgeSpentSignaturesBefore(
        new Date(now.getTime() - SIGNATURE_PURGE_GRACE_MS).toISOString(),
      );
    }
    const expiresAt = new Date(signedAt.getTime() + SDK_DATE_WINDOW_MS).toISOString();
    if (!(await this.store.spendSignature(signature, access, expiresAt))) {
      throw new AppError(
        'unauthenticated',
        'The request signature was used already; a write must be signed anew (fresh X-Sdk-Date).',
      );
    }
  }
}

let dummy: Promise<string> | null = null;
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(generatePassword());
  return dummy;
}

function tokenAuth(info: TokenInfo, projectId: string): AuthInfo {
  if (!info.project) throw new AppError('forbidden', 'The token is not scoped to a project.');
  if (info.project.id !== projectId) {
    throw new AppError('forbidden', `The token is not valid for project ${projectId}.`);
  }
  return {
    userId: info.user.id,
    userName: info.user.name,
    domainId: info.user.domainId,
    projectId: info.project.id,
    roles: info.roles.map((r) => r.name),
    method: 'token',
  };
}
