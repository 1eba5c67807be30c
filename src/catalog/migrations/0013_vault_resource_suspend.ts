// SetVaultResource: a resource of a vault can be suspended (automatic backups skip it) and unsuspended.
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the database as it was, untyped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('cbr_vault_resources')
    .addColumn('suspended', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('cbr_vault_resources').dropColumn('suspended').execute();
}
