// HSS's backup policies become CBR policies, so that one scheduler runs every policy: each hss_backup_policies
// row is copied into cbr_policies (same id, so HSS clients keep their policy_id), its vault binding becomes the
// vault's backup_policy_id and its last run slot the (policy, vault) run record, so a slot already run is not run
// again. A vault that CBR had already bound to a policy keeps that binding: two engines ran both until now, and
// the vault's own binding is the one CBR shows. Kysely only: SQLite and PostgreSQL.
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the database as it was, untyped.
export async function up(db: Kysely<any>): Promise<void> {
  const rows = await db.selectFrom('hss_backup_policies').selectAll().orderBy('updated_at').execute();
  for (const r of rows) {
    await db
      .insertInto('cbr_policies')
      .values({
        id: r.id,
        project_id: r.project_id,
        name: String(r.name).slice(0, 64),
        operation_type: 'backup',
        enabled: Number(r.enabled) === 1 ? 1 : 0,
        definition_json: r.operation_definition_json,
        trigger_id: r.trigger_id,
        patterns_json: r.pattern_json,
        created_at: r.created_at,
        updated_at: r.updated_at,
      })
      .execute();
    if (!r.vault_id) continue;
    const bound = await db
      .updateTable('cbr_vaults')
      .set({ backup_policy_id: r.id })
      .where('id', '=', r.vault_id)
      .where('project_id', '=', r.project_id)
      .where((eb) => eb.or([eb('backup_policy_id', 'is', null), eb('backup_policy_id', '=', r.id)]))
      .executeTakeFirst();
    if (Number(bound.numUpdatedRows) === 1 && r.last_run_at) {
      await db
        .insertInto('cbr_policy_runs')
        .values({ policy_id: r.id, vault_id: r.vault_id, slot: r.last_run_at, runs: 1 })
        .execute();
    }
  }
  await db.schema.dropTable('hss_backup_policies').execute();
}

// The table comes back empty (as 0021 left it): the policies stay CBR's, which is what they now are.
// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
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
    .addColumn('last_run_at', 'varchar(32)')
    .execute();
  await db.schema
    .createIndex('hss_backup_policies_project')
    .on('hss_backup_policies')
    .columns(['project_id', 'created_at'])
    .execute();
}
