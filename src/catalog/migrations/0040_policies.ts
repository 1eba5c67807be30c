// CBR policies, the operation log's policy (automatic backups), and the schedule slot each (policy, vault) last ran, so that one node runs each slot once.
// Kysely schema builder only: runs on SQLite and PostgreSQL.
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the database as it was, untyped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('cbr_policies')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('operation_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('definition_json', 'text', (c) => c.notNull())
    .addColumn('trigger_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('patterns_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('cbr_policies_project_created')
    .on('cbr_policies')
    .columns(['project_id', 'created_at'])
    .execute();
  await db.schema
    .createTable('cbr_policy_runs')
    .addColumn('policy_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('vault_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('slot', 'varchar(32)', (c) => c.notNull())
    .addColumn('runs', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('cbr_policy_runs_pk', ['policy_id', 'vault_id'])
    .execute();
  await db.schema.alterTable('cbr_operation_logs').addColumn('policy_id', 'varchar(36)').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('cbr_operation_logs').dropColumn('policy_id').execute();
  await db.schema.dropTable('cbr_policy_runs').execute();
  await db.schema.dropTable('cbr_policies').execute();
}
