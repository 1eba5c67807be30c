// The request id of the API call that started an operation (X-Request-Id, also in the request's log line), so
// an operator can go from an operation log to the request that caused it. Older rows and scheduled runs: null.
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the database as it was, untyped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('cbr_operation_logs').addColumn('request_id', 'varchar(128)').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('cbr_operation_logs').dropColumn('request_id').execute();
}
