// The catalog adapters one catalog database provides, built together so that the composition root picks a
// catalog in one place: SQLite (embedded, one node) or PostgreSQL (shared by several nodes), the same set over
// each one's Kysely dialect; the read cache wraps the SQLite catalog only.
import { type Kysely, sql } from 'kysely';
import type { InventoryStore } from '../domain/inventory.js';
import type { CbrRepositories } from '../domain/ports/cbr-repositories.js';
import type { CinderRepository } from '../domain/ports/cinder.js';
import type { Clock } from '../domain/ports/clock.js';
import type { HssRepository } from '../domain/ports/hss.js';
import type { IdentityStore } from '../domain/ports/identity.js';
import type { JobRepository } from '../domain/ports/jobs.js';
import type { UnitOfWork } from '../domain/ports/unit-of-work.js';
import { withSqliteReadCache } from './backup-read-cache.js';
import { CinderStore } from './cinder-store.js';
import { openCatalogDb } from './db.js';
import { HssStore } from './hss-store.js';
import { SqlIdentityStore } from './identity.js';
import { SqlInventoryStore } from './inventory.js';
import { openPostgresCatalogDb } from './postgres.js';
import { sqlCbrRepositories } from './repositories/index.js';
import { SqlJobRepository } from './repositories/jobs.js';
import type { Database } from './schema.js';
import { SqlUnitOfWork } from './unit-of-work.js';

export interface CatalogAdapters {
  /** The database itself, for admin tools (migrations, checks) that work on the tables directly. */
  db: Kysely<Database>;
  cbr: CbrRepositories;
  /** Cinder's own backup attributes and its questions of CBR's rows. */
  cinder: CinderRepository;
  /** HSS's protected hosts and policies. */
  hss: HssRepository;
  jobs: JobRepository;
  identity: IdentityStore;
  inventory: InventoryStore;
  /** Commands' transactions; `onJobsCommitted` is set once the job queue exists. */
  unitOfWork(onJobsCommitted: () => void): UnitOfWork;
  /** One trivial query: throws when the catalog cannot be reached (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type CatalogConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** Opens the configured catalog (migrated to the latest schema) and its adapters. */
export async function openCatalog(config: CatalogConfig, clock: Clock): Promise<CatalogAdapters> {
  switch (config.kind) {
    case 'sqlite': {
      const db = await openCatalogDb(config.path);
      return sqlCatalogAdapters(db, clock);
    }
    case 'postgres': {
      const db = await openPostgresCatalogDb(config.url);
      return sqlCatalogAdapters(db, clock);
    }
  }
}

/** The SQL adapters over an open catalog database (any Kysely dialect; the read cache only on SQLite). */
export function sqlCatalogAdapters(db: Kysely<Database>, clock: Clock): CatalogAdapters {
  const cbr = sqlCbrRepositories(db);
  return {
    db,
    cbr: { ...cbr, backups: withSqliteReadCache(cbr.backups, db) },
    cinder: new CinderStore(db),
    hss: new HssStore(db),
    jobs: new SqlJobRepository(db, clock),
    identity: new SqlIdentityStore(db),
    inventory: new SqlInventoryStore(db),
    unitOfWork: (onJobsCommitted) => new SqlUnitOfWork(db, clock, onJobsCommitted),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
