// Every Prometheus metric opencbr exposes, defined in one place. Each context has its own registry (never
// prom-client's global one), so several apps in one process (tests) do not share or collide on counters.
// Event metrics are counted where the event happens (a request served, a job ended, a backup taken); the
// vault gauges are read from the catalog at scrape time, so every node reports the same catalog truth.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { VaultFigures } from '../domain/ports/cbr-repositories.js';

const GB = 1024 ** 3;

/** How a job's run ended, from the row the queue left: retried = queued again (backoff or retry later). */
export type JobOutcome = 'succeeded' | 'failed' | 'retried' | 'lost';

export class Metrics {
  readonly registry = new Registry();

  private readonly httpRequests = new Counter({
    name: 'opencbr_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern (not the raw URL) and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'opencbr_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly jobs = new Counter({
    name: 'opencbr_jobs_total',
    help: 'Job runs by type (backup, restore, delete, gc, verify, vault_delete) and outcome (succeeded, failed, retried: queued again, lost: another worker took the lease over).',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly jobDuration = new Histogram({
    name: 'opencbr_job_duration_seconds',
    help: 'Wall time of one job run in this process, by type and outcome.',
    labelNames: ['type', 'outcome'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14400],
    registers: [this.registry],
  });
  private readonly bytes = new Counter({
    name: 'opencbr_data_bytes_total',
    help: 'Data-plane bytes: read = read from source volumes by backups, stored = written to the object store by backups, restored = written to target volumes by restores.',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });
  private readonly gcRuns = new Counter({
    name: 'opencbr_gc_runs_total',
    help: 'Garbage collections of a vault, by outcome (done, or deferred: the gc lock was held or the store full).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly gcReclaimed = new Counter({
    name: 'opencbr_gc_reclaimed_bytes_total',
    help: 'Bytes garbage collection deleted from the object store.',
    registers: [this.registry],
  });
  private readonly schedulerLag = new Gauge({
    name: 'opencbr_scheduler_lag_seconds',
    help: 'For the latest backup policy slot this process claimed: the claim time minus the time the slot fell due. A few seconds is normal (one pass every 30 s); more means passes run late or the server was down over a slot.',
    registers: [this.registry],
  });
  private readonly vaultUsed = this.vaultGauge(
    'opencbr_vault_used_bytes',
    "Bytes the vault takes in the object store (the CBR API's billing.used, in bytes).",
  );
  private readonly vaultCapacity = this.vaultGauge(
    'opencbr_vault_capacity_bytes',
    "The vault's capacity (the CBR API's billing.size in GB, as bytes); absent for a vault without a size.",
  );
  private readonly vaultProtected = this.vaultGauge(
    'opencbr_vault_protected_bytes',
    "Sum of the volume sizes of the vault's available disk backups: what full copies of them all would take.",
  );
  private readonly vaultDedup = this.vaultGauge(
    'opencbr_vault_dedup_ratio',
    'opencbr_vault_protected_bytes over opencbr_vault_used_bytes: how many bytes of backed-up volumes each stored byte stands for (incrementals, deduplication and compression together); absent while the vault stores nothing.',
  );
  private readonly vaultCompression = this.vaultGauge(
    'opencbr_vault_compression_ratio',
    'Plain bytes of the new chunks the backups of the vault wrote over the bytes they took in the store (compression alone), over the backups this process has taken since it started.',
  );
  private readonly vaultBackups = new Gauge({
    name: 'opencbr_vault_backups',
    help: 'Top-level backups of the vault (a server backup counts once), by status: the count the CBR API lists.',
    labelNames: ['vault_id', 'vault_name', 'project_id', 'status'] as const,
    registers: [this.registry],
  });
  /** Per vault, plain and stored bytes of the backups' new chunks (the compression ratio's terms). */
  private readonly compressionTerms = new Map<string, { plain: number; stored: number }>();

  private vaultGauge(name: string, help: string) {
    return new Gauge({
      name,
      help,
      labelNames: ['vault_id', 'vault_name', 'project_id'] as const,
      registers: [this.registry],
    });
  }

  requestServed(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  jobEnded(type: string, outcome: JobOutcome, seconds: number): void {
    this.jobs.inc({ type, outcome });
    this.jobDuration.observe({ type, outcome }, seconds);
  }

  /** One disk backed up into a vault. */
  diskBackedUp(
    vaultId: string,
    s: { bytesRead: number; storedBytes: number; newChunkBytes?: number | undefined },
  ): void {
    this.bytes.inc({ direction: 'read' }, s.bytesRead);
    this.bytes.inc({ direction: 'stored' }, s.storedBytes);
    if (s.newChunkBytes === undefined) return;
    const t = this.compressionTerms.get(vaultId) ?? { plain: 0, stored: 0 };
    t.plain += s.newChunkBytes;
    t.stored += s.storedBytes;
    this.compressionTerms.set(vaultId, t);
  }

  diskRestored(bytes: number): void {
    this.bytes.inc({ direction: 'restored' }, bytes);
  }

  gcRan(outcome: 'done' | 'deferred', reclaimedBytes: number): void {
    this.gcRuns.inc({ outcome });
    this.gcReclaimed.inc(reclaimedBytes);
  }

  policySlotClaimed(slot: Date, at: Date): void {
    this.schedulerLag.set(Math.max(0, (at.getTime() - slot.getTime()) / 1000));
  }

  /** The exposition text, with the vault gauges set from these catalog figures (vaults gone drop out). */
  async scrape(vaults: readonly VaultFigures[]): Promise<string> {
    for (const g of [
      this.vaultUsed,
      this.vaultCapacity,
      this.vaultProtected,
      this.vaultDedup,
      this.vaultCompression,
      this.vaultBackups,
    ])
      g.reset();
    for (const v of vaults) {
      const labels = { vault_id: v.id, vault_name: v.name, project_id: v.projectId };
      this.vaultUsed.set(labels, v.usedBytes);
      if (v.sizeGb > 0) this.vaultCapacity.set(labels, v.sizeGb * GB);
      this.vaultProtected.set(labels, v.protectedBytes);
      if (v.usedBytes > 0) this.vaultDedup.set(labels, v.protectedBytes / v.usedBytes);
      const t = this.compressionTerms.get(v.id);
      if (t && t.stored > 0) this.vaultCompression.set(labels, t.plain / t.stored);
      for (const [status, n] of Object.entries(v.backupsByStatus))
        this.vaultBackups.set({ ...labels, status }, n);
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
