// The name CBR generated for a Cinder backup created without one: Cinder shows such a backup's name as null.
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the database as it was, untyped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('cinder_backups').addColumn('generated_name', 'varchar(255)').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('cinder_backups').dropColumn('generated_name').execute();
}
