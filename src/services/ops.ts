// The operator's view of a running server: readiness (can it reach its catalog and its object store) and the
// Prometheus exposition. Built per context by opsServiceFactory, which also counts the job queue's runs.
import type { AppContext } from '../context.js';
import type { CbrRepositories } from '../domain/ports/cbr-repositories.js';
import type { JobStatus } from '../jobs/queue.js';
import type { EnginePort } from './engine-port.js';
import type { JobOutcome, Metrics } from './metrics.js';

export interface ReadyCheck {
  name: 'catalog' | 'object_store';
  ok: boolean;
  error?: string;
}

const OUTCOME: Record<JobStatus, JobOutcome> = {
  succeeded: 'succeeded',
  failed: 'failed',
  queued: 'retried',
  running: 'lost',
};

export class OpsService {
  constructor(
    readonly metrics: Metrics,
    private readonly deps: {
      pingCatalog: () => Promise<void>;
      engine: () => EnginePort | null;
      repos: CbrRepositories;
    },
  ) {}

  /** Each dependency a request needs, checked with one cheap call; ready when all are ok. */
  async ready(): Promise<{ ready: boolean; checks: ReadyCheck[] }> {
    const check = async (name: ReadyCheck['name'], call: () => Promise<void>): Promise<ReadyCheck> => {
      try {
        await call();
        return { name, ok: true };
      } catch (err) {
        return { name, ok: false, error: err instanceof Error ? err.message || err.name : String(err) };
      }
    };
    const checks = await Promise.all([
      check('catalog', this.deps.pingCatalog),
      check('object_store', async () => {
        const engine = this.deps.engine();
        if (!engine) throw new Error('the backup engine (and its object store) is not open');
        await engine.probeStore();
      }),
    ]);
    return { ready: checks.every((c) => c.ok), checks };
  }

  /** The Prometheus text exposition; the vault gauges are read from the catalog now. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    const text = await this.metrics.scrape(await this.deps.repos.vaults.vaultFigures());
    return { contentType: this.metrics.contentType, text };
  }
}

declare module '../context.js' {
  interface AppServices {
    ops: OpsService;
  }
}

/** Adds ctx.services.ops (over the context's metrics) and counts every job run of ctx.jobs. */
export function opsServiceFactory(ctx: AppContext): void {
  ctx.services.ops = new OpsService(ctx.metrics, {
    pingCatalog: () => ctx.catalog.ping(),
    engine: () => ctx.engine as EnginePort | null,
    repos: ctx.catalog.cbr,
  });
  ctx.jobs.onJobEnd((job, status, ms) => ctx.metrics.jobEnded(job.kind, OUTCOME[status], ms / 1000));
}
