// Tags of vaults, servers and volumes, and vaults' bind rules (auto_bind by tag).
// Kysely schema builder only: runs on SQLite and PostgreSQL.
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the database as it was, untyped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('cbr_tags')
    .addColumn('resource_kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('resource_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('tag_key', 'varchar(128)', (c) => c.notNull())
    .addColumn('tag_value', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('cbr_tags_pk', ['resource_kind', 'resource_id', 'tag_key'])
    .execute();
  await db.schema
    .createIndex('cbr_tags_project_key')
    .on('cbr_tags')
    .columns(['project_id', 'resource_kind', 'tag_key'])
    .execute();
  await db.schema
    .createTable('cbr_vault_bind_rules')
    .addColumn('vault_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('tag_key', 'varchar(128)', (c) => c.notNull())
    .addColumn('tag_value', 'varchar(255)', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('cbr_vault_bind_rules_pk', ['vault_id', 'tag_key', 'tag_value'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('cbr_vault_bind_rules').execute();
  await db.schema.dropTable('cbr_tags').execute();
}
