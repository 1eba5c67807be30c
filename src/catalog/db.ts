import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, type MigrationProvider, Migrator, SqliteDialect } from 'kysely';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type CatalogDb = Kysely<Database>;

const provider: MigrationProvider = { getMigrations: async () => migrations };

export class CatalogMigrationError extends Error {}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new CatalogMigrationError(
      `catalog migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? String(error)}`,
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Opens (creating if needed) the SQLite catalog at `file` and brings it to the latest schema.
 * `:memory:` gives a private in-memory catalog (tests).
 */
export async function openCatalogDb(file: string): Promise<Kysely<Database>> {
  const fresh = file !== ':memory:' && !fs.existsSync(file);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const sqlite = new SqliteDatabase(file);
  // The catalog holds password hashes, token digests and AK/SK secrets: owner-only.
  if (fresh) fs.chmodSync(file, 0o600);
  // WAL: readers never block the writer; busy_timeout: concurrent processes (CLI + server) wait, not fail.
  if (file !== ':memory:') sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return db;
}
