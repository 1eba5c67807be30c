// The PostgreSQL catalog: one connection pool per process, shared by every node that names the same database.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { CatalogDamagedError, checkMigrationNames, migrateToLatest } from './db.js';
import { classifyingDialect } from './driver-errors.js';
import type { Database } from './schema.js';

const INT8 = 20;
const NUMERIC = 1700;

/**
 * pg returns bigint and numeric as strings (they may exceed 2^53). Catalog numbers are byte counts and
 * sums of them, far below 2^53, and the repositories expect numbers as SQLite gives them.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
    // biome-ignore lint/suspicious/noExplicitAny: pg's own overloads
    return (pg.types.getTypeParser as any)(oid, format);
  },
};

/** A URL names PostgreSQL when its scheme is postgres:// or postgresql://. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

export interface PostgresCatalogOptions {
  /** Pool size (default 10). */
  maxConnections?: number;
}

/** Connects to the PostgreSQL catalog at `url` and brings it to the latest schema. */
export async function openPostgresCatalogDb(
  url: string,
  opts: PostgresCatalogOptions = {},
): Promise<Kysely<Database>> {
  const pool = new pg.Pool({ connectionString: url, max: opts.maxConnections ?? 10, types });
  // An idle client whose server went away emits 'error' on the pool; without a listener it would crash the
  // process. The next query gets a fresh connection.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: classifyingDialect(new PostgresDialect({ pool })) });
  try {
    await checkPostgresCatalog(db, url);
    // Several nodes may start at once on a new database: one migrates, the others wait for it (Kysely's
    // migrator takes a lock on its lock table inside a transaction on PostgreSQL).
    await migrateToLatest(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return db;
}

/**
 * PostgreSQL checks its own pages and WAL; what is left to check is that the schema is this version's: the
 * migrations recorded in the database are all known here (a newer opencbr may have migrated it).
 */
async function checkPostgresCatalog(db: Kysely<Database>, url: string): Promise<void> {
  let tables: string[];
  try {
    tables = (await db.introspection.getTables({ withInternalKyselyTables: true })).map((t) => t.name);
  } catch (err) {
    throw new CatalogUnreachableError(url, (err as Error).message, err);
  }
  const { rows } = await sql<{ collation: string }>`
    select datcollate as collation from pg_database where datname = current_database()`.execute(db);
  const collation = rows[0]?.collation ?? '';
  if (!BYTE_ORDER.test(collation)) {
    throw new CatalogCollationError(redactUrl(url), collation);
  }
  if (tables.length === 0) return;
  if (!tables.includes('kysely_migration')) {
    throw new CatalogDamagedError(redactUrl(url), 'it has tables but no migration table');
  }
  const applied = (await db
    // biome-ignore lint/suspicious/noExplicitAny: Kysely's own table, not part of the schema type
    .selectFrom('kysely_migration' as any)
    .select('name')
    .execute()) as Array<{ name: string }>;
  checkMigrationNames(
    redactUrl(url),
    applied.map((r) => r.name),
  );
}

/** The PostgreSQL server cannot be reached or refused the login. */
export class CatalogUnreachableError extends Error {
  constructor(url: string, detail: string, cause?: unknown) {
    super(`cannot connect to the catalog ${redactUrl(url)}: ${detail}`, { cause });
  }
}

/** Collations that compare text byte by byte, as SQLite's BINARY does. */
const BYTE_ORDER = /^(C|POSIX|C\.UTF-?8)$/i;

/**
 * Names sort and page (markers compare names with < and >) in the database's collation. SQLite compares
 * bytes; so must PostgreSQL, or the same catalog would list in another order on each.
 */
export class CatalogCollationError extends Error {
  constructor(url: string, collation: string) {
    super(
      `the catalog database ${url} collates text as ${JSON.stringify(collation)}: opencbr needs byte order. Create it with \`CREATE DATABASE … TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'\` (or a cluster initialised with --locale=C.UTF-8).`,
    );
  }
}
