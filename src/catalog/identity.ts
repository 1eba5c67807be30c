// SQL for identity (PLATFORM): the IdentityStore the identity service uses.
import type { Kysely } from 'kysely';
import type { IdentityStore } from '../domain/identity-service.js';
import type { CredentialRow, DomainRow, ProjectRow, TokenRow, UserRow } from './identity-tables.js';
import type { Database } from './schema.js';

export class SqlIdentityStore implements IdentityStore {
  constructor(private readonly db: Kysely<Database>) {}

  async getDomain(ref: { id?: string; name?: string }): Promise<DomainRow | undefined> {
    let q = this.db.selectFrom('domains').selectAll();
    if (ref.id !== undefined) q = q.where('id', '=', ref.id);
    else if (ref.name !== undefined) q = q.where('name', '=', ref.name);
    else return undefined;
    return q.executeTakeFirst();
  }

  async insertDomain(row: DomainRow): Promise<void> {
    await this.db.insertInto('domains').values(row).execute();
  }

  async getProject(ref: { id?: string; name?: string; domainId?: string }): Promise<ProjectRow | undefined> {
    let q = this.db.selectFrom('projects').selectAll();
    if (ref.id !== undefined) q = q.where('id', '=', ref.id);
    else if (ref.name !== undefined && ref.domainId !== undefined) {
      q = q.where('name', '=', ref.name).where('domain_id', '=', ref.domainId);
    } else return undefined;
    return q.executeTakeFirst();
  }

  async listProjects(filter: { domainId?: string; name?: string } = {}): Promise<ProjectRow[]> {
    let q = this.db.selectFrom('projects').selectAll().orderBy('name').orderBy('id');
    if (filter.domainId !== undefined) q = q.where('domain_id', '=', filter.domainId);
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    return q.execute();
  }

  async insertProject(row: ProjectRow): Promise<void> {
    await this.db.insertInto('projects').values(row).execute();
  }

  async getUser(ref: { id?: string; name?: string; domainId?: string }): Promise<UserRow | undefined> {
    let q = this.db.selectFrom('users').selectAll();
    if (ref.id !== undefined) q = q.where('id', '=', ref.id);
    else if (ref.name !== undefined && ref.domainId !== undefined) {
      q = q.where('name', '=', ref.name).where('domain_id', '=', ref.domainId);
    } else return undefined;
    return q.executeTakeFirst();
  }

  async listUsers(filter: { domainId?: string } = {}): Promise<UserRow[]> {
    let q = this.db.selectFrom('users').selectAll().orderBy('name').orderBy('id');
    if (filter.domainId !== undefined) q = q.where('domain_id', '=', filter.domainId);
    return q.execute();
  }

  async insertUser(row: UserRow): Promise<void> {
    await this.db.insertInto('users').values(row).execute();
  }

  async updateUserPassword(userId: string, passwordHash: string, at: string): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash, password_changed_at: at })
      .where('id', '=', userId)
      .execute();
  }

  async ensureRole(name: string, newId: () => string): Promise<string> {
    const found = await this.db.selectFrom('roles').select('id').where('name', '=', name).executeTakeFirst();
    if (found) return found.id;
    const id = newId();
    await this.db
      .insertInto('roles')
      .values({ id, name })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const again = await this.db
      .selectFrom('roles')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
    return again.id;
  }

  async assignRole(userId: string, projectId: string, roleId: string): Promise<void> {
    await this.db
      .insertInto('role_assignments')
      .values({ user_id: userId, project_id: projectId, role_id: roleId })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async rolesOf(userId: string, projectId: string): Promise<Array<{ id: string; name: string }>> {
    return this.db
      .selectFrom('role_assignments')
      .innerJoin('roles', 'roles.id', 'role_assignments.role_id')
      .select(['roles.id', 'roles.name'])
      .where('role_assignments.user_id', '=', userId)
      .where('role_assignments.project_id', '=', projectId)
      .orderBy('roles.name')
      .execute();
  }

  async projectsOf(userId: string): Promise<ProjectRow[]> {
    return this.db
      .selectFrom('projects')
      .selectAll('projects')
      .where('projects.id', 'in', (eb) =>
        eb.selectFrom('role_assignments').select('project_id').where('user_id', '=', userId),
      )
      .orderBy('projects.name')
      .execute();
  }

  async insertToken(row: TokenRow): Promise<void> {
    await this.db.insertInto('tokens').values(row).execute();
  }

  async getToken(idHash: string): Promise<TokenRow | undefined> {
    return this.db.selectFrom('tokens').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  }

  async revokeToken(idHash: string, at: string): Promise<void> {
    await this.db
      .updateTable('tokens')
      .set({ revoked_at: at })
      .where('id_hash', '=', idHash)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async revokeTokensOfUser(userId: string, at: string): Promise<void> {
    await this.db
      .updateTable('tokens')
      .set({ revoked_at: at })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async purgeTokensBefore(iso: string): Promise<number> {
    const r = await this.db.deleteFrom('tokens').where('expires_at', '<', iso).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async insertCredential(row: CredentialRow): Promise<void> {
    await this.db.insertInto('credentials').values(row).execute();
  }

  async getCredential(access: string): Promise<CredentialRow | undefined> {
    return this.db.selectFrom('credentials').selectAll().where('access', '=', access).executeTakeFirst();
  }

  async listCredentials(filter: { userId?: string } = {}): Promise<CredentialRow[]> {
    let q = this.db.selectFrom('credentials').selectAll().orderBy('created_at').orderBy('access');
    if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
    return q.execute();
  }

  async deleteCredential(access: string): Promise<boolean> {
    const r = await this.db.deleteFrom('credentials').where('access', '=', access).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async touchCredential(access: string, at: string): Promise<void> {
    await this.db.updateTable('credentials').set({ last_used_at: at }).where('access', '=', access).execute();
  }

  async spendSignature(signature: string, access: string, expiresAt: string): Promise<boolean> {
    // Insert-if-absent in one statement, so that of two nodes racing on one signature exactly one inserts.
    const r = await this.db
      .insertInto('spent_signatures')
      .values({ signature, access, expires_at: expiresAt })
      .onConflict((oc) => oc.column('signature').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async purgeSpentSignaturesBefore(iso: string): Promise<number> {
    const r = await this.db.deleteFrom('spent_signatures').where('expires_at', '<', iso).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
