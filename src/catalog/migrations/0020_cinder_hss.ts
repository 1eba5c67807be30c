// Cinder-only backup columns and the HSS protection tables. Kysely schema builder only: SQLite and PostgreSQL.
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the database as it was, untyped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('cinder_backups')
    .addColumn('backup_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(64)')
    .addColumn('container', 'varchar(255)')
    .addColumn('metadata_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('snapshot_id', 'varchar(36)')
    .addColumn('requested_incremental', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('imported', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('hss_protected_hosts')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('host_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('agent_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('operating_system', 'varchar(16)', (c) => c.notNull())
    .addColumn('ransom_protection_status', 'varchar(32)', (c) => c.notNull())
    .addColumn('protection_policy_id', 'varchar(64)')
    .addColumn('backup_protection_status', 'varchar(32)', (c) => c.notNull())
    .addColumn('vault_id', 'varchar(36)')
    .addColumn('backup_error_code', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('backup_error_description', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('hss_protected_hosts_pk', ['project_id', 'host_id'])
    .execute();

  await db.schema
    .createTable('hss_protection_policies')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('policy_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('protection_mode', 'varchar(32)', (c) => c.notNull())
    .addColumn('bait_protection_status', 'varchar(16)', (c) => c.notNull())
    .addColumn('deploy_mode', 'varchar(16)', (c) => c.notNull())
    .addColumn('protection_directory', 'text', (c) => c.notNull())
    .addColumn('protection_type', 'text', (c) => c.notNull())
    .addColumn('exclude_directory', 'text', (c) => c.notNull())
    .addColumn('runtime_detection_status', 'varchar(16)', (c) => c.notNull())
    .addColumn('runtime_detection_directory', 'text', (c) => c.notNull())
    .addColumn('operating_system', 'varchar(16)', (c) => c.notNull())
    .addColumn('process_whitelist_json', 'text', (c) => c.notNull())
    .addColumn('ai_protection_status', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('hss_protection_policies_project')
    .on('hss_protection_policies')
    .columns(['project_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('hss_backup_policies')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(128)', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('vault_id', 'varchar(36)')
    .addColumn('operation_definition_json', 'text', (c) => c.notNull())
    .addColumn('pattern_json', 'text', (c) => c.notNull())
    .addColumn('trigger_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('start_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('hss_backup_policies_project')
    .on('hss_backup_policies')
    .columns(['project_id', 'created_at'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'hss_backup_policies',
    'hss_protection_policies',
    'hss_protected_hosts',
    'cinder_backups',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
