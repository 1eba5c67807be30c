// When each HSS backup policy last ran (the slot it claimed), so that one node runs each slot once.
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the database as it was, untyped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('hss_backup_policies').addColumn('last_run_at', 'varchar(32)').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('hss_backup_policies').dropColumn('last_run_at').execute();
}
