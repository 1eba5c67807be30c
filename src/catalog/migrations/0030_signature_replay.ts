// AK/SK replay protection: the signatures already spent on a write, shared by every node on the catalog.
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the database as it was, untyped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('spent_signatures')
    .addColumn('signature', 'text', (c) => c.primaryKey())
    .addColumn('access', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('spent_signatures_expires_at')
    .on('spent_signatures')
    .column('expires_at')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('spent_signatures').execute();
}
