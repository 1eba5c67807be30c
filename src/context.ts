// The composition root: the one place that picks adapters (catalog, object store, clock) from the
// configuration and wires them into the services, the job queue and the engine. Built once per process,
// handed to every protocol plugin and to the CLI.
import path from 'node:path';
import type { Kysely } from 'kysely';
import { type Logger, pino } from 'pino';
import { type CatalogAdapters, type CatalogConfig, openCatalog } from './catalog/adapters.js';
import type { Database } from './catalog/schema.js';
import type { Config } from './config.js';
import { secretBoxFromMasterKey } from './domain/identity-secrets.js';
import { IdentityService } from './domain/identity-service.js';
import { InventoryService } from './domain/inventory.js';
import { type Clock, systemClock } from './domain/ports/clock.js';
import { type Engine, openEngine } from './engine/index.js';
import { loadMasterKey } from './engine/keys.js';
import { fsPathProbe } from './engine/volume-paths.js';
import { JobQueue } from './jobs/queue.js';
import { FsObjectStore, type ObjectStore, S3ObjectStore } from './objects/index.js';
import { cinderServiceFactory } from './services/cinder-records.js';
import { hssServiceFactory } from './services/hss-records.js';
import { cbrServiceFactory } from './services/index.js';
import { Metrics } from './services/metrics.js';
import { opsServiceFactory } from './services/ops.js';

/**
 * Protocol-neutral services added by other areas (CBR: vaults, checkpoints, backups, oplogs…).
 * Extend with declaration merging from your own file:
 *   declare module '../context.js' { interface AppServices { backups: BackupService } }
 * and fill it in a ServiceFactory listed in `serviceFactories` below.
 */
// biome-ignore lint/suspicious/noEmptyInterface: extended by declaration merging in other areas
export interface AppServices {}

export interface AppContext {
  config: Config;
  db: Kysely<Database>;
  /** The catalog's adapters (repositories, unit of work, job storage) the services are built on. */
  catalog: CatalogAdapters;
  log: Logger;
  identity: IdentityService;
  inventory: InventoryService;
  jobs: JobQueue;
  /** This context's Prometheus metrics (its own registry). */
  metrics: Metrics;
  /** The data plane (src/engine); null until opened by `serve` / openContext({ engine: true }). */
  engine: Engine | null;
  services: AppServices;
  /** The clock services and jobs read (injected in tests). */
  now: Clock;
  /** Releases everything (stops jobs, closes engine and catalog). */
  close(): Promise<void>;
}

/** A factory that adds services to the context (and registers its job handlers on ctx.jobs). */
export type ServiceFactory = (ctx: AppContext) => Promise<void> | void;

/** Service factories run by openContext, in order. Other areas add theirs here (one-line edit). */
const serviceFactories: ServiceFactory[] = [
  cbrServiceFactory,
  cinderServiceFactory,
  hssServiceFactory,
  opsServiceFactory,
];

export interface OpenContextOptions {
  log?: Logger;
  now?: () => Date;
  /** Catalog file; default config.catalogPath. */
  catalogPath?: string;
  /**
   * Open the data plane (filesystem object store in config.objectsDir, master key from config.masterKeyFile,
   * chunk-index cache in <data>/engine). Admin commands leave it closed.
   */
  engine?: boolean;
  /** Engine worker threads (default 2; 0 runs inline, handy in tests). */
  engineWorkers?: number;
  /** Extra factories after the built-in ones (tests). */
  serviceFactories?: ServiceFactory[];
  /** Job queue tuning (tests use short leases). */
  jobs?: { leaseMs?: number; pollMs?: number; concurrency?: number; soleWorker?: boolean };
}

/** Which catalog the configuration names: PostgreSQL when OPENCBR_CATALOG_URL is set, else the SQLite file. */
function catalogConfig(config: Config, opts: OpenContextOptions): CatalogConfig {
  if (config.catalogUrl && opts.catalogPath === undefined)
    return { kind: 'postgres', url: config.catalogUrl };
  return { kind: 'sqlite', path: opts.catalogPath ?? config.catalogPath };
}

/** Which object store the configuration names: an S3 bucket when OPENCBR_OBJECT_STORE is set, else the filesystem. */
function objectStore(config: Config): ObjectStore {
  const s3 = config.s3;
  if (!s3) return new FsObjectStore(config.objectsDir);
  return new S3ObjectStore({
    bucket: s3.bucket,
    prefix: s3.prefix,
    region: s3.region,
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    ...(s3.credentials ? { credentials: s3.credentials } : {}),
  });
}

/** Opens the catalog and builds the services. Does not start workers or listen. */
export async function openContext(config: Config, opts: OpenContextOptions = {}): Promise<AppContext> {
  const log = opts.log ?? pino({ level: process.env.OPENCBR_LOG_LEVEL ?? 'info' });
  const now = opts.now ?? systemClock;
  const catalogChoice = catalogConfig(config, opts);
  const catalog = await openCatalog(catalogChoice, now);
  const db = catalog.db;
  let masterKey: Buffer;
  try {
    // Created (0600) on first use; the same key the engine encrypts backups with.
    masterKey = await loadMasterKey({ keyFile: config.masterKeyFile });
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const identity = new IdentityService(catalog.identity, {
    tokenTtlSeconds: config.tokenTtlSeconds,
    secrets: secretBoxFromMasterKey(masterKey),
    now,
  });
  const inventory = new InventoryService(catalog.inventory, {
    volumeRoots: config.volumeRoots,
    probe: fsPathProbe,
    now,
  });
  const jobs = new JobQueue(catalog.jobs, {
    concurrency: opts.jobs?.concurrency ?? config.jobConcurrency,
    leaseMs: opts.jobs?.leaseMs,
    pollMs: opts.jobs?.pollMs,
    // Only an embedded catalog has a single worker: on a shared catalog the running jobs of other live nodes
    // are theirs until their leases expire, so recovery at start takes expired leases only.
    soleWorker: catalogChoice.kind === 'sqlite' && (opts.jobs?.soleWorker ?? true),
    now,
    log,
  });
  const closers: Array<() => Promise<void>> = [];
  const ctx: AppContext = {
    config,
    db,
    catalog,
    log,
    identity,
    inventory,
    jobs,
    metrics: new Metrics(),
    engine: null,
    services: {} as AppServices,
    now,
    async close() {
      await jobs.stop(config.jobStopGraceMs);
      for (const c of closers.reverse()) await c();
      await db.destroy();
    },
  };
  if (opts.engine) {
    try {
      const engine = await openEngine({
        store: objectStore(config),
        masterKey: { key: masterKey },
        stateDir: path.join(config.dataDir, 'engine'),
        workers: opts.engineWorkers,
        ...(config.engineLeaseTtlMs ? { leaseTtlMs: config.engineLeaseTtlMs } : {}),
      });
      ctx.engine = engine;
      closers.push(() => engine.close());
    } catch (err) {
      await db.destroy();
      throw err;
    }
  }
  for (const f of [...serviceFactories, ...(opts.serviceFactories ?? [])]) await f(ctx);
  return ctx;
}
