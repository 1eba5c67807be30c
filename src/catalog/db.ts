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

/** Transaction ends: read-only to SQLite, yet they publish (COMMIT) or undo (ROLLBACK) earlier writes. */
const TXN_END = /^\s*(commit|end|rollback|release)\b/i;

/**
 * Synchronous read access to the SQLite catalog, for the hot read paths of the catalog stores (the SQL is
 * still Kysely-compiled in src/catalog; nothing outside the catalog sees it). Read-through caches built on it
 * stay coherent through `generation()`.
 */
export interface SqliteReadAccess {
  /** A prepared statement for `sql`, prepared once and reused. Read-only statements only. */
  reader(sql: string): SqliteDatabase.Statement;
  /**
   * True while a transaction is open on the connection. Kysely holds its connection for the whole
   * transaction, so its queries wait; a synchronous read now could see uncommitted rows: use Kysely instead.
   */
  readonly inTransaction: boolean;
  /**
   * A number that changes whenever the catalog may have changed: every statement that writes (from any store,
   * migrations included, since they all go through this connection), every COMMIT/ROLLBACK, and every commit
   * by another connection or process on the same file (SQLite's `data_version`). Equal generations mean no
   * write happened in between. Per process: another node on a shared PostgreSQL catalog will need its own check.
   */
  generation(): number;
}

const readAccess = new WeakMap<object, SqliteReadAccess>();

/** The synchronous SQLite access of a catalog opened by `openCatalogDb`; undefined for other databases. */
// biome-ignore lint/suspicious/noExplicitAny: any catalog (the composed Database or one owner's tables).
export function sqliteReadAccess(db: Kysely<any>): SqliteReadAccess | undefined {
  return readAccess.get(db);
}

/**
 * Kysely prepares every query anew; preparing costs about as much as running a short query. Kysely's SQL
 * text is stable per query shape (values are parameters), so prepared statements are kept by SQL text.
 * A statement still iterating (a streamed query) is not shared: a fresh one is prepared.
 * Every writing statement bumps the write generation as it is handed out (Kysely runs it in the same
 * synchronous step), which is what keeps read caches (see SqliteReadAccess.generation) coherent.
 */
function cachingStatements(sqlite: SqliteDatabase.Database, onWrite: () => void): SqliteDialectDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const hit = cache.get(sql);
      const stmt = hit && !hit.busy ? hit : sqlite.prepare(sql);
      if (!hit) {
        if (cache.size >= STATEMENT_CACHE_MAX) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      if (!stmt.readonly || TXN_END.test(sql)) onWrite();
      return stmt;
    },
  };
}

function makeReadAccess(sqlite: SqliteDatabase.Database): { access: SqliteReadAccess; onWrite: () => void } {
  let gen = 0;
  let seenDataVersion = -1;
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  const readers = new Map<string, SqliteDatabase.Statement>();
  const access: SqliteReadAccess = {
    reader(sql) {
      let stmt = readers.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        if (!stmt.readonly || !stmt.reader) throw new Error('SqliteReadAccess.reader: not a read-only query');
        if (readers.size >= STATEMENT_CACHE_MAX) readers.clear();
        readers.set(sql, stmt);
      }
      return stmt;
    },
    get inTransaction() {
      return sqlite.inTransaction;
    },
    generation() {
      const dv = dataVersion.get() as number;
      if (dv !== seenDataVersion) {
        seenDataVersion = dv;
        gen++;
      }
      return gen;
    },
  };
  return {
    access,
    onWrite: () => {
      gen++;
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
  const { access, onWrite } = makeReadAccess(sqlite);
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: cachingStatements(sqlite, onWrite) }),
  });
  readAccess.set(db, access);
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return db;
}
