// CBR control-plane tables. Kysely schema builder only (no dialect-specific SQL): runs on SQLite and PostgreSQL.
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the database as it was, untyped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('cbr_vaults')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(64)')
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('object_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('protect_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('consistent_level', 'varchar(32)', (c) => c.notNull())
    .addColumn('charging_mode', 'varchar(32)', (c) => c.notNull())
    .addColumn('size_gb', 'integer', (c) => c.notNull())
    .addColumn('used_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('backup_policy_id', 'varchar(36)')
    .addColumn('auto_bind', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('auto_expand', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('smn_notify', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('threshold', 'integer', (c) => c.notNull().defaultTo(80))
    .addColumn('locked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('availability_zone', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('cbr_vaults_project_created')
    .on('cbr_vaults')
    .columns(['project_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('cbr_vault_resources')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('vault_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('resource_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('size_gb', 'integer', (c) => c.notNull())
    .addColumn('protect_status', 'varchar(16)', (c) => c.notNull())
    .addColumn('exclude_volumes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('cbr_vault_resources_pk', ['vault_id', 'resource_id'])
    .execute();
  // A resource belongs to at most one vault.
  await db.schema
    .createIndex('cbr_vault_resources_resource')
    .on('cbr_vault_resources')
    .columns(['project_id', 'resource_id'])
    .unique()
    .execute();

  await db.schema
    .createTable('cbr_checkpoints')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('vault_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('vault_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)')
    .addColumn('description', 'text')
    .addColumn('incremental', 'integer', (c) => c.notNull())
    .addColumn('auto_trigger', 'integer', (c) => c.notNull())
    .addColumn('retention_days', 'integer', (c) => c.notNull())
    .addColumn('resources_json', 'text', (c) => c.notNull())
    .addColumn('skipped_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cbr_checkpoints_vault').on('cbr_checkpoints').columns(['vault_id']).execute();

  await db.schema
    .createTable('cbr_backups')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('vault_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('checkpoint_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('parent_id', 'varchar(36)')
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('image_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('resource_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('resource_kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('resource_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource_size_gb', 'integer', (c) => c.notNull())
    .addColumn('resource_az', 'varchar(64)')
    .addColumn('enterprise_project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('protected_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expired_at', 'varchar(32)')
    .addColumn('incremental', 'integer', (c) => c.notNull())
    .addColumn('auto_trigger', 'integer', (c) => c.notNull())
    .addColumn('bootable', 'integer', (c) => c.notNull())
    .addColumn('system_disk', 'integer', (c) => c.notNull())
    .addColumn('encrypted', 'integer', (c) => c.notNull())
    .addColumn('disk_index', 'integer', (c) => c.notNull())
    .addColumn('progress', 'integer')
    .addColumn('fail_reason', 'text')
    .addColumn('volume_bytes', 'bigint', (c) => c.notNull())
    .addColumn('stored_bytes', 'bigint', (c) => c.notNull())
    .addColumn('engine_backup_id', 'varchar(36)')
    .addColumn('base_backup_id', 'varchar(36)')
    .execute();
  // ListBackups: every listing is per project and names a parent (top-level listings are
  // `parent_id IS NULL`); then come the common equality filters, ending in the default sort key, so that
  // filter + count + sort + limit read only matching index entries (measured by npm run bench:api).
  const idx = async (name: string, cols: string[]) =>
    db.schema.createIndex(name).on('cbr_backups').columns(cols).execute();
  await idx('cbr_backups_l_created', ['project_id', 'parent_id', 'created_at', 'id']);
  await idx('cbr_backups_l_vault_status', [
    'project_id',
    'parent_id',
    'vault_id',
    'status',
    'created_at',
    'id',
  ]);
  await idx('cbr_backups_l_vault', ['project_id', 'parent_id', 'vault_id', 'created_at', 'id']);
  await idx('cbr_backups_l_status', ['project_id', 'parent_id', 'status', 'created_at', 'id']);
  await idx('cbr_backups_resource', ['project_id', 'resource_id', 'created_at', 'id']);
  await idx('cbr_backups_name', ['project_id', 'name', 'created_at']);
  await idx('cbr_backups_resname', ['project_id', 'resource_name', 'created_at']);
  await idx('cbr_backups_checkpoint', ['checkpoint_id']);
  await idx('cbr_backups_parent', ['parent_id', 'disk_index']);
  await idx('cbr_backups_base', ['base_backup_id']);

  await db.schema
    .createTable('cbr_operation_logs')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('operation_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('ended_at', 'varchar(32)')
    .addColumn('checkpoint_id', 'varchar(36)')
    .addColumn('vault_id', 'varchar(36)')
    .addColumn('vault_name', 'varchar(255)')
    .addColumn('provider_kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('resource_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('resource_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('backup_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('backup_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('incremental', 'integer')
    .addColumn('target_resource_id', 'varchar(64)')
    .addColumn('target_resource_name', 'varchar(255)')
    .addColumn('progress', 'integer', (c) => c.notNull())
    .addColumn('error_code', 'varchar(64)')
    .addColumn('error_message', 'text')
    .execute();
  await db.schema
    .createIndex('cbr_oplogs_project_created')
    .on('cbr_operation_logs')
    .columns(['project_id', 'created_at'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'cbr_operation_logs',
    'cbr_backups',
    'cbr_checkpoints',
    'cbr_vault_resources',
    'cbr_vaults',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
