// Backup sharing: the projects each backup is shared with and their answer (pending/accepted/rejected).
// Kysely schema builder only: runs on SQLite and PostgreSQL.
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the database as it was, untyped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('cbr_backup_members')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('backup_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('owner_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('dest_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('vault_id', 'varchar(36)')
    .addColumn('image_id', 'varchar(36)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    // One share per (backup, project): a second AddMember of the same project loses the race as a conflict.
    .addUniqueConstraint('cbr_backup_members_backup_dest', ['backup_id', 'dest_project_id'])
    .execute();
  // ListBackups' own_type=shared: the backups shared with a project, by status.
  await db.schema
    .createIndex('cbr_backup_members_dest_status')
    .on('cbr_backup_members')
    .columns(['dest_project_id', 'status', 'backup_id'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('cbr_backup_members').execute();
}
