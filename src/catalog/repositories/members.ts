// Share records of backups (cbr_backup_members): who a backup is shared with and what they answered.
import type { Expression, SqlBool } from 'kysely';
import { MemberMarkerNotFoundError, type MemberRepository } from '../../domain/ports/members.js';
import type { Member, MemberFilter, MemberStatus } from '../../domain/sharing.js';
import type { CbrBackupMembersTable } from '../member-tables.js';
import { num } from './rows.js';
import type { CbrDb } from './sql.js';

function rowToMember(r: CbrBackupMembersTable): Member {
  return {
    id: r.id,
    backupId: r.backup_id,
    ownerProjectId: r.owner_project_id,
    destProjectId: r.dest_project_id,
    status: r.status as MemberStatus,
    vaultId: r.vault_id,
    imageId: r.image_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function memberToRow(m: Member): CbrBackupMembersTable {
  return {
    id: m.id,
    backup_id: m.backupId,
    owner_project_id: m.ownerProjectId,
    dest_project_id: m.destProjectId,
    status: m.status,
    vault_id: m.vaultId,
    image_id: m.imageId,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
  };
}

export class SqlMemberRepository implements MemberRepository {
  constructor(private readonly db: CbrDb) {}

  async insertMembers(rows: Member[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.insertInto('cbr_backup_members').values(rows.map(memberToRow)).execute();
  }

  async getMember(backupId: string, destProjectId: string): Promise<Member | null> {
    const r = await this.db
      .selectFrom('cbr_backup_members')
      .selectAll()
      .where('backup_id', '=', backupId)
      .where('dest_project_id', '=', destProjectId)
      .executeTakeFirst();
    return r ? rowToMember(r) : null;
  }

  async listMembers(f: MemberFilter): Promise<{ items: Member[]; count: number }> {
    let q = this.db.selectFrom('cbr_backup_members').where('backup_id', '=', f.backupId);
    if (f.destProjectId !== undefined) q = q.where('dest_project_id', '=', f.destProjectId);
    if (f.status !== undefined) q = q.where('status', '=', f.status);
    if (f.vaultId !== undefined) q = q.where('vault_id', '=', f.vaultId);
    if (f.imageId !== undefined) q = q.where('image_id', '=', f.imageId);
    const c = await q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst();
    const count = num(c?.n);
    if (count === 0) return { items: [], count };
    const sort = [...f.sort];
    if (!sort.some((s) => s.key === 'created_at'))
      sort.push({ key: 'created_at', dir: sort[0]?.dir ?? 'desc' });
    const keys = [
      ...sort.map((s) => ({ key: s.key as keyof CbrBackupMembersTable, dir: s.dir })),
      { key: 'id' as const, dir: sort[0]!.dir },
    ];
    if (f.marker !== undefined) {
      const m = await this.db
        .selectFrom('cbr_backup_members')
        .selectAll()
        .where('backup_id', '=', f.backupId)
        .where('id', '=', f.marker)
        .executeTakeFirst();
      if (!m) throw new MemberMarkerNotFoundError(f.marker);
      // Rows after the marker in the page order: (k1 > m1) or (k1 = m1 and k2 > m2) …
      q = q.where((eb) => {
        const ors: Expression<SqlBool>[] = [];
        for (let i = 0; i < keys.length; i++) {
          const ands: Expression<SqlBool>[] = [];
          for (let j = 0; j < i; j++) ands.push(eb(keys[j]!.key, '=', m[keys[j]!.key]));
          ands.push(eb(keys[i]!.key, keys[i]!.dir === 'asc' ? '>' : '<', m[keys[i]!.key]));
          ors.push(eb.and(ands));
        }
        return eb.or(ors);
      });
    }
    let page = q.selectAll();
    for (const k of keys) page = page.orderBy(k.key, k.dir);
    const rows = await page.limit(f.limit).offset(f.offset).execute();
    return { items: rows.map(rowToMember), count };
  }

  async countMembers(backupId: string, status?: MemberStatus): Promise<number> {
    let q = this.db.selectFrom('cbr_backup_members').where('backup_id', '=', backupId);
    if (status !== undefined) q = q.where('status', '=', status);
    const c = await q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst();
    return num(c?.n);
  }

  async updateMember(
    id: string,
    patch: { status: MemberStatus; vaultId: string | null; updatedAt: string },
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('cbr_backup_members')
      .set({ status: patch.status, vault_id: patch.vaultId, updated_at: patch.updatedAt })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async deleteMember(id: string): Promise<void> {
    await this.db.deleteFrom('cbr_backup_members').where('id', '=', id).execute();
  }
}
