// The catalog adapters one catalog database provides, built together so that the composition root picks a
// catalog in one place. SQLite (embedded, one node) is the only kind today; a PostgreSQL catalog shared by
// several nodes provides the same set over its own Kysely dialect, without the SQLite read cache.
import type { Kysely } from 'kysely';
import type { IdentityStore } from '../domain/identity-service.js';
import type { InventoryStore } from '../domain/inventory.js';
import type { CbrRepositories } from '../domain/ports/cbr-repositories.js';
import type { Clock } from '../domain/ports/clock.js';
import type { JobRepository } from '../domain/ports/jobs.js';
import type { UnitOfWork } from '../domain/ports/unit-of-work.js';
import { withSqliteReadCache } from './backup-read-cache.js';
import { openCatalogDb } from './db.js';
import { SqlIdentityStore } from './identity.js';
import { SqlInventoryStore } from './inventory.js';
import { sqlCbrRepositories } from './repositories/index.js';
import { SqlJobRepository } from './repositories/jobs.js';
import type { Database } from './schema.js';
import { SqlUnitOfWork } from './unit-of-work.js';

export interface CatalogAdapters {
  /** The database itself, for the stores not behind a port yet (Cinder's and HSS's records) and admin tools. */
  db: Kysely<Database>;
  cbr: CbrRepositories;
  jobs: JobRepository;
  identity: IdentityStore;
  inventory: InventoryStore;
  /** Commands' transactions; `onJobsCommitted` is set once the job queue exists. */
  unitOfWork(onJobsCommitted: () => void): UnitOfWork;
  close(): Promise<void>;
}

export type CatalogConfig = { kind: 'sqlite'; path: string };

/** Opens the configured catalog (migrated to the latest schema) and its adapters. */
export async function openCatalog(config: CatalogConfig, clock: Clock): Promise<CatalogAdapters> {
  switch (config.kind) {
    case 'sqlite': {
      const db = await openCatalogDb(config.path);
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
    jobs: new SqlJobRepository(db, clock),
    identity: new SqlIdentityStore(db),
    inventory: new SqlInventoryStore(db),
    unitOfWork: (onJobsCommitted) => new SqlUnitOfWork(db, clock, onJobsCommitted),
    close: () => db.destroy(),
  };
}
