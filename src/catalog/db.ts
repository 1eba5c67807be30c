import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  Kysely,
  type MigrationProvider,
  Migrator,
  SqliteDialect,
  type SqliteDatabase as SqliteDialectDatabase,
} from 'kysely';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type CatalogDb = Kysely<Database>;

const provider: MigrationProvider = { getMigrations: async () => migrations };

export class CatalogMigrationError extends Error {}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  // Owners number their migrations in blocks (PLATFORM 0001–0009, CBR 0010–0019, CINDER-HSS 0020–0029), so a
  // new 0004 may arrive after 0020 was applied somewhere: apply it rather than refuse the database.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
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

const STATEMENT_CACHE_MAX = 1000;

/**
 * Kysely prepares every query anew; preparing costs about as much as running a short query. Kysely's SQL
 * text is stable per query shape (values are parameters), so prepared statements are kept by SQL text.
 * A statement still iterating (a streamed query) is not shared: a fresh one is prepared.
 */
function cachingStatements(sqlite: SqliteDatabase.Database): SqliteDialectDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const hit = cache.get(sql);
      if (hit && !hit.busy) return hit;
      const stmt = sqlite.prepare(sql);
      if (!hit) {
        if (cache.size >= STATEMENT_CACHE_MAX) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
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
  // Large catalogs (a million backups) stay fast with a bigger page cache and memory-mapped reads.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('mmap_size = 268435456');
  sqlite.pragma('temp_store = MEMORY');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }) });
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return db;
}
