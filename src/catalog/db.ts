import { executionAsyncResource } from 'node:async_hooks';
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
import { classifyingDialect } from './driver-errors.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type CatalogDb = Kysely<Database>;

const provider: MigrationProvider = { getMigrations: async () => migrations };

export class CatalogMigrationError extends Error {}

/** The catalog file is damaged: nothing may be served from it (the message says how to rebuild it). */
export class CatalogDamagedError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(
      `the catalog ${file} is damaged (${detail}). opencbr will not serve from it. Stop every opencbr process using this data directory, then run \`opencbr catalog rebuild\` to re-create the catalog from the object store and the master key (the damaged file is kept beside it).`,
    );
  }
}

/**
 * SQLite's own consistency check (`PRAGMA quick_check`: every page and index, without comparing index contents),
 * then the migration table: a catalog that SQLite reads but whose migrations are gone or unknown is no catalog
 * this version can serve.
 */
function checkIntegrity(sqlite: SqliteDatabase.Database, file: string, fresh: boolean): void {
  let problems: string[];
  try {
    problems = (sqlite.pragma('quick_check(5)', { simple: false }) as Array<{ quick_check: string }>)
      .map((r) => r.quick_check)
      .filter((r) => r !== 'ok');
  } catch (err) {
    throw new CatalogDamagedError(file, (err as Error).message);
  }
  if (problems.length > 0) throw new CatalogDamagedError(file, `quick_check: ${problems.join('; ')}`);
  if (fresh) return;
  const tables = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
  if (tables.length === 0) return; // an empty file: a new catalog
  if (!tables.includes('kysely_migration')) {
    throw new CatalogDamagedError(file, 'it has tables but no migration table');
  }
  checkMigrationNames(file, sqlite.prepare('SELECT name FROM kysely_migration').pluck().all() as string[]);
}

/** Refuses a catalog whose applied migrations this version does not know (SQLite and PostgreSQL alike). */
export function checkMigrationNames(file: string, applied: string[]): void {
  const unknown = applied.filter((n) => !(n in migrations));
  if (unknown.length > 0) {
    throw new CatalogDamagedError(
      file,
      `migrations ${unknown.join(', ')} are not this version's: it was written by a newer opencbr, or damaged`,
    );
  }
}

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
   * Writes through this connection count at once. Another connection's commit counts at the next call, except
   * that the HTTP requests read in one event-loop poll (requests that arrived together) share one check: see
   * `checkedThisPoll` for why a request sent after such a commit still sees it.
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

/**
 * True while Node's HTTP server dispatches a request it has just parsed from a socket read: the synchronous
 * part of the request's handling (hooks, then the handler up to its first await), which runs inside the
 * socket's I/O callback, in the event loop's poll phase, under this execution resource. Everything else
 * (timers, immediates, promise continuations, jobs, requests injected without a socket) is not, and always
 * checks. Should a Node version name the resource otherwise, every read checks again, as before.
 */
function inHttpDispatch(): boolean {
  return (
    (executionAsyncResource() as { constructor?: { name?: string } }).constructor?.name === HTTP_DISPATCH
  );
}
const HTTP_DISPATCH = 'HTTPServerAsyncResource';

function makeReadAccess(sqlite: SqliteDatabase.Database): { access: SqliteReadAccess; onWrite: () => void } {
  let gen = 0;
  let seenDataVersion = -1;
  // `PRAGMA data_version` is a read transaction: two lock calls and a stat on every ShowBackup, about 15% of
  // the server's CPU under load. Requests that arrive together share one check:
  //
  // A check made while dispatching a request read from a socket is kept until the next check phase
  // (setImmediate), i.e. for the rest of that poll phase, and no longer. The poll returned every socket it
  // reports at once (at time P), then runs their read callbacks one by one; the kept check was made in one of
  // them, so after P. A request dispatched by a later callback was already waiting at P, so it was sent before
  // P: if it was sent after another process's commit, that commit precedes P and the kept check, which sees
  // it. Requests of later polls get a fresh check (the kept one is dropped at the check phase that follows
  // every poll), and so does every read outside a request's dispatch (timers, immediates and continuations
  // may run before the next poll, so a check kept there could predate a request that poll delivers). Code
  // that runs later in the same poll phase (those requests' continuations, other I/O callbacks) shares the
  // kept check too: it can only have learnt of another process's commit through I/O that poll delivered, so
  // of a commit from before P as well.
  // Limits, all outside how the server is used: an HTTP/1.1 client that pipelines (its socket may have been
  // reported for an earlier request), more than 1024 sockets ready in one poll (libuv polls again within the
  // phase), and a commit this process waits for synchronously during a dispatch (execFileSync, another
  // connection in this process); such a commit is seen from the next event-loop turn.
  let checkedThisPoll = false;
  const endOfPoll = () => {
    checkedThisPoll = false;
  };
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
      if (checkedThisPoll) return gen;
      const dv = dataVersion.get() as number;
      if (dv !== seenDataVersion) {
        seenDataVersion = dv;
        gen++;
      }
      if (inHttpDispatch()) {
        checkedThisPoll = true;
        setImmediate(endOfPoll);
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
  try {
    // WAL: readers never block the writer; busy_timeout: concurrent processes (CLI + server) wait, not fail.
    if (file !== ':memory:') sqlite.pragma('journal_mode = WAL');
    if (file !== ':memory:') checkIntegrity(sqlite, file, fresh);
  } catch (err) {
    sqlite.close();
    if (err instanceof CatalogDamagedError) throw err;
    // "file is not a database" and the like: the header itself is damaged.
    throw new CatalogDamagedError(file, (err as Error).message);
  }
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  // Large catalogs (a million backups) stay fast with a bigger page cache and memory-mapped reads.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('mmap_size = 268435456');
  sqlite.pragma('temp_store = MEMORY');
  const { access, onWrite } = makeReadAccess(sqlite);
  const db = new Kysely<Database>({
    dialect: classifyingDialect(new SqliteDialect({ database: cachingStatements(sqlite, onWrite) })),
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
