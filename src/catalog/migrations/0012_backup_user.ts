// The user who created each backup (the token's user), whatever protocol it came through: Cinder shows it
// as `user_id` from microversion 3.56. Older rows keep null (readers fall back to the vault's user).
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the database as it was, untyped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('cbr_backups').addColumn('user_id', 'varchar(64)').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('cbr_backups').dropColumn('user_id').execute();
}
