// What every SQL repository is built on: the CBR tables (plus the rows other protocols keep per backup, which
// are deleted with the backup), and a way to write atomically whether or not a command's transaction is open.
import type { Kysely } from 'kysely';
import type { CbrTables } from '../cbr-schema.js';
import type { CinderTables } from '../cinder-tables.js';
import type { MemberTables } from '../member-tables.js';
import type { PolicyTables } from '../policy-tables.js';
import type { TagTables } from '../tag-tables.js';

export type CbrDb = Kysely<CbrTables & CinderTables & PolicyTables & TagTables & MemberTables>;

/**
 * Runs `fn` atomically: in the caller's transaction when the repository is bound to one (Kysely cannot nest
 * transactions), else in a transaction of its own.
 */
export function atomically<T>(db: CbrDb, fn: (tx: CbrDb) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
