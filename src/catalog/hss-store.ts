// Persistence of the HSS ransomware view: protected hosts and ransomware protection policies. Vaults, backups and
// the backup policies of protection vaults are CBR's rows.
import type { Kysely } from 'kysely';
import type { HssRepository, ProtectedHost, ProtectionPolicyRow } from '../domain/ports/hss.js';
import { countThenPage } from './paging.js';
import type { Database } from './schema.js';

export class HssStore implements HssRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // ---- protected hosts

  async getHost(projectId: string, hostId: string): Promise<ProtectedHost | null> {
    const r = await this.db
      .selectFrom('hss_protected_hosts')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('host_id', '=', hostId)
      .executeTakeFirst();
    return r ?? null;
  }

  async hostsOf(projectId: string): Promise<ProtectedHost[]> {
    return this.db
      .selectFrom('hss_protected_hosts')
      .selectAll()
      .where('project_id', '=', projectId)
      .execute();
  }

  async putHost(h: ProtectedHost): Promise<void> {
    await this.db
      .insertInto('hss_protected_hosts')
      .values(h)
      .onConflict((oc) =>
        oc.columns(['project_id', 'host_id']).doUpdateSet({
          agent_id: h.agent_id,
          operating_system: h.operating_system,
          ransom_protection_status: h.ransom_protection_status,
          protection_policy_id: h.protection_policy_id,
          backup_protection_status: h.backup_protection_status,
          vault_id: h.vault_id,
          backup_error_code: h.backup_error_code,
          backup_error_description: h.backup_error_description,
          updated_at: h.updated_at,
        }),
      )
      .execute();
  }

  async countHostsWithPolicy(projectId: string, policyId: string): Promise<number> {
    const r = await this.db
      .selectFrom('hss_protected_hosts')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('project_id', '=', projectId)
      .where('protection_policy_id', '=', policyId)
      .where('ransom_protection_status', '=', 'opened')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  // ---- ransomware protection policies

  async insertProtectionPolicy(p: ProtectionPolicyRow): Promise<void> {
    await this.db.insertInto('hss_protection_policies').values(p).execute();
  }

  async updateProtectionPolicy(p: ProtectionPolicyRow): Promise<void> {
    const { id, project_id, created_at, ...rest } = p;
    await this.db
      .updateTable('hss_protection_policies')
      .set(rest)
      .where('id', '=', id)
      .where('project_id', '=', project_id)
      .execute();
  }

  async getProtectionPolicy(projectId: string, id: string): Promise<ProtectionPolicyRow | null> {
    const r = await this.db
      .selectFrom('hss_protection_policies')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r ?? null;
  }

  async deleteProtectionPolicy(projectId: string, id: string): Promise<void> {
    await this.db
      .deleteFrom('hss_protection_policies')
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .execute();
  }

  async listProtectionPolicies(
    projectId: string,
    f: { name?: string; id?: string; os?: string; limit: number; offset: number },
  ): Promise<{ items: ProtectionPolicyRow[]; count: number }> {
    let q = this.db.selectFrom('hss_protection_policies').where('project_id', '=', projectId);
    if (f.name !== undefined) q = q.where('policy_name', 'like', `%${f.name.replace(/[\\%_]/g, '')}%`);
    if (f.id !== undefined) q = q.where('id', '=', f.id);
    if (f.os !== undefined) q = q.where('operating_system', '=', f.os);
    return countThenPage(q, f);
  }
}
