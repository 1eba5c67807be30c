// Durable job queue: jobs live in the catalog (through the JobRepository port); workers in the serving process
// take leases, heartbeat them, and on start (and periodically) recover jobs whose worker died. A command
// enqueues in its own transaction (UnitOfWork); the queue is told once that commits (`notify`).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type {
  EnqueueOptions,
  JobRecord as JobRecordRow,
  JobRepository,
  JobStatus,
} from '../domain/ports/jobs.js';

export type { EnqueueOptions, JobStatus };

export interface Job<P = unknown> {
  id: string;
  kind: string;
  payload: P;
  projectId: string | null;
  operationLogId: string | null;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  result: unknown;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface JobRunContext<P = unknown> {
  job: Job<P>;
  /** Aborted when the lease is lost or the queue stops: stop work promptly. */
  signal: AbortSignal;
}

/**
 * Why a job ended without success:
 * - `interrupted`: the process running it died or stopped (lease expired / found running at start);
 * - `failed`: `run` threw on its last attempt.
 */
export type RecoverReason = 'interrupted' | 'failed';

export interface JobHandler<P = unknown> {
  /** Does the work; the resolved value is stored as the job's result (JSON). */
  run(ctx: JobRunContext<P>): Promise<unknown>;
  /**
   * Called once when the job ends without success, so the owning service can settle its state
   * (e.g. mark a backup `error`, a restore's backup `available`). For `interrupted`, return 'retry'
   * to queue the job again (counts against maxAttempts); anything else fails it.
   */
  recover?(job: Job<P>, reason: RecoverReason, error: string): Promise<'retry' | 'fail' | undefined>;
}

export interface JobQueueOptions {
  concurrency?: number;
  leaseMs?: number;
  pollMs?: number;
  now?: () => Date;
  /** First retry delay after a failed attempt (doubles each time, capped at 60 s); default 1000 ms. */
  retryBackoffMs?: number;
  /** Finished jobs are kept this long (days) for inspection, then purged at start; default 30. */
  keepFinishedDays?: number;
  /** Treat every running job as orphaned at start (true for the embedded single-node setup). */
  soleWorker?: boolean;
  log?: { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };
}

/**
 * Thrown by a handler whose job cannot make progress now for a reason that passes (another node holds a lock
 * it needs): the job is queued again after `delayMs`, and the attempt does not count against maxAttempts.
 */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/** Why running jobs are aborted by stop(): they are handed back, not failed. */
const STOPPING = 'job queue stopping: the job is handed back and resumes after the next start';

const errorText = (err: unknown): string =>
  err instanceof Error ? err.message || err.name : typeof err === 'string' ? err : JSON.stringify(err);

function toJob<P>(r: JobRecordRow): Job<P> {
  return {
    id: r.id,
    kind: r.kind,
    payload: JSON.parse(r.payload) as P,
    projectId: r.project_id,
    operationLogId: r.operation_log_id,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    result: r.result === null ? null : JSON.parse(r.result),
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

export class JobQueue {
  readonly workerId = `worker-${randomUUID()}`;
  private readonly store: JobRepository;
  private readonly handlers = new Map<string, JobHandler<never>>();
  private readonly running = new Map<string, { ctrl: AbortController; done: Promise<void> }>();
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  private ticking: Promise<void> | null = null;
  private tickAgain = false;
  private stopping = false;
  private readonly startHooks: Array<() => Promise<void>> = [];
  /** Runs a function in the async context the queue was made in (see kick). */
  private readonly detached = AsyncLocalStorage.snapshot();
  private readonly endHooks: Array<(job: Job, status: JobStatus, ms: number) => void> = [];

  constructor(
    store: JobRepository,
    private readonly opts: JobQueueOptions = {},
  ) {
    this.store = store;
    this.concurrency = opts.concurrency ?? 2;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 500;
    this.now = opts.now ?? (() => new Date());
  }

  register<P>(kind: string, handler: JobHandler<P>): void {
    if (this.handlers.has(kind)) throw new Error(`job kind ${kind} is already registered`);
    this.handlers.set(kind, handler as JobHandler<never>);
    if (this.started) this.kick();
  }

  /** Records a job; it runs when a worker is free (in this or another serving process). Returns the job id. */
  async enqueue<P>(kind: string, payload: P, opts: EnqueueOptions = {}): Promise<string> {
    const id = await this.store.enqueue(kind, payload, opts);
    this.notify();
    return id;
  }

  /** New jobs were committed (by a command's transaction): look for work now rather than at the next poll. */
  notify(): void {
    if (this.started) this.kick();
  }

  async get<P = unknown>(id: string): Promise<Job<P> | null> {
    const r = await this.store.get(id);
    return r ? toJob<P>(r) : null;
  }

  async list(filter: { status?: JobStatus; kind?: string; projectId?: string; limit?: number } = {}) {
    return (await this.store.list(filter)).map((r) => toJob(r));
  }

  /**
   * Runs at each start, after orphaned jobs are recovered and before workers take jobs: the owners of the
   * records jobs work on settle what no live job covers any more (see the CBR reconciler).
   */
  onStart(hook: () => Promise<void>): void {
    this.startHooks.push(hook);
  }

  /** Told after each run of a job in this process: the status its row was left in and the run's wall time. */
  onJobEnd(hook: (job: Job, status: JobStatus, ms: number) => void): void {
    this.endHooks.push(hook);
  }

  /** Recovers orphans, runs the start hooks, then polls for work until stop(). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    await this.recover(this.opts.soleWorker ?? false);
    for (const hook of this.startHooks) {
      try {
        await hook();
      } catch (err) {
        this.opts.log?.error({ err }, 'job queue start hook failed');
      }
    }
    const keepMs = (this.opts.keepFinishedDays ?? 30) * 24 * 3600 * 1000;
    await this.store.purgeFinishedBefore(new Date(this.now().getTime() - keepMs).toISOString());
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /**
   * Stops taking work; jobs still running after `graceMs` are aborted and handed back (queued again, lease
   * released, the attempt not counted), so that the next start resumes them rather than failing them.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.started = false;
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    const all = [...this.running.values()];
    if (all.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((r) => {
      timer = setTimeout(r, graceMs);
    });
    await Promise.race([Promise.all(all.map((r) => r.done)), grace]);
    clearTimeout(timer);
    for (const r of this.running.values()) r.ctrl.abort(new Error(STOPPING));
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Resolves when no job is running and none runnable is queued (tests, CLI). */
  async drain(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.tick();
      await Promise.all([...this.running.values()].map((r) => r.done));
      const next = await this.store.candidates([...this.handlers.keys()], this.now().toISOString(), 1);
      if (next.length === 0 && this.running.size === 0) return;
      if (Date.now() > deadline) throw new Error('job queue did not drain in time');
      if (next.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Settles running jobs whose worker is gone: lease expired, or (`all`) any running job — right for a
   * single node at start, since no other process can hold one. Each gets handler.recover('interrupted').
   */
  async recover(all = false): Promise<number> {
    const now = this.now();
    const orphans = await this.store.orphans(now.toISOString(), all);
    let n = 0;
    for (const row of orphans) {
      const leaseUntil = new Date(now.getTime() + this.leaseMs).toISOString();
      if (!(await this.store.adopt(row.id, row.lease_owner, this.workerId, now.toISOString(), leaseUntil)))
        continue;
      const job = toJob(row);
      const message = `the process running this job stopped (worker ${row.lease_owner ?? 'unknown'})`;
      const decision = await this.callRecover(job, 'interrupted', message);
      const retry = decision === 'retry' && row.attempts < row.max_attempts;
      await this.store.finish(
        row.id,
        this.workerId,
        retry ? { status: 'queued', error: message } : { status: 'failed', error: message },
        this.now().toISOString(),
      );
      n++;
    }
    return n;
  }

  private async callRecover(job: Job, reason: RecoverReason, error: string) {
    const handler = this.handlers.get(job.kind) as JobHandler | undefined;
    if (!handler?.recover) return undefined;
    try {
      return await handler.recover(job, reason, error);
    } catch (err) {
      this.opts.log?.error({ err, jobId: job.id, kind: job.kind }, 'job recover hook failed');
      return undefined;
    }
  }

  private kick(): void {
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    // Jobs run in the queue's own context, never in that of the request whose commit woke the queue (a
    // request's async-local state, its request id, must not follow into the jobs of others).
    this.detached(() => void this.tick());
  }

  private tick(): Promise<void> {
    if (this.ticking) return this.ticking;
    this.ticking = (async () => {
      try {
        do {
          this.tickAgain = false;
          if (this.started) await this.recover(false);
          await this.fill();
        } while (this.tickAgain);
      } catch (err) {
        this.opts.log?.error({ err }, 'job queue poll failed');
      } finally {
        this.ticking = null;
      }
    })();
    return this.ticking;
  }

  private async fill(): Promise<void> {
    const free = this.concurrency - this.running.size;
    if (free <= 0) return;
    const now = this.now();
    const ids = await this.store.candidates([...this.handlers.keys()], now.toISOString(), free * 2);
    for (const id of ids) {
      if (this.running.size >= this.concurrency) break;
      const leaseUntil = new Date(now.getTime() + this.leaseMs).toISOString();
      if (!(await this.store.claim(id, this.workerId, now.toISOString(), leaseUntil))) continue;
      const row = await this.store.get(id);
      if (!row) continue;
      const ctrl = new AbortController();
      const entry = { ctrl, done: Promise.resolve() };
      this.running.set(id, entry);
      const t0 = performance.now();
      entry.done = this.execute(toJob(row), ctrl)
        .then(() => this.ended(id, t0))
        .finally(() => {
          this.running.delete(id);
          if (this.started) this.kick();
        });
    }
  }

  private async ended(id: string, t0: number): Promise<void> {
    if (this.endHooks.length === 0) return;
    const ms = performance.now() - t0;
    const row = await this.store.get(id).catch(() => null);
    if (row) for (const hook of this.endHooks) hook(toJob(row), row.status, ms);
  }

  private async execute(job: Job, ctrl: AbortController): Promise<void> {
    const handler = this.handlers.get(job.kind) as JobHandler | undefined;
    if (!handler) return;
    let leaseLost = false;
    const beat = setInterval(
      () => {
        const now = this.now();
        this.store
          .heartbeat(
            job.id,
            this.workerId,
            now.toISOString(),
            new Date(now.getTime() + this.leaseMs).toISOString(),
          )
          .then((held) => {
            if (!held && !leaseLost) {
              leaseLost = true;
              ctrl.abort(new Error('job lease lost'));
            }
          })
          .catch((err) => this.opts.log?.warn({ err, jobId: job.id }, 'job heartbeat failed'));
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    beat.unref();
    try {
      const result = await handler.run({ job, signal: ctrl.signal });
      clearInterval(beat);
      if (ctrl.signal.aborted) throw ctrl.signal.reason ?? new Error('aborted');
      await this.store.finish(
        job.id,
        this.workerId,
        { status: 'succeeded', result: JSON.stringify(result ?? null) },
        this.now().toISOString(),
      );
    } catch (err) {
      clearInterval(beat);
      // Another worker took the job over (our lease expired): it owns the outcome now.
      if (leaseLost) return;
      const message = errorText(err);
      const now = () => this.now().toISOString();
      if (ctrl.signal.aborted && this.stopping) {
        // An orderly stop: hand the job back untouched; its records stay as the job left them for the rerun.
        await this.store.finish(
          job.id,
          this.workerId,
          { status: 'queued', error: STOPPING, refundAttempt: true },
          now(),
        );
        return;
      }
      if (err instanceof RetryLaterError) {
        await this.store.finish(
          job.id,
          this.workerId,
          {
            status: 'queued',
            error: message,
            runAfter: new Date(this.now().getTime() + err.delayMs).toISOString(),
            refundAttempt: true,
          },
          now(),
        );
        return;
      }
      if (ctrl.signal.aborted) {
        // Aborted otherwise: settle like a crash, so nothing stays in progress.
        const text = errorText(ctrl.signal.reason ?? err);
        const decision = await this.callRecover(job, 'interrupted', text);
        const retry = decision === 'retry' && job.attempts < job.maxAttempts;
        await this.store.finish(
          job.id,
          this.workerId,
          { status: retry ? 'queued' : 'failed', error: text },
          now(),
        );
        return;
      }
      if (job.attempts < job.maxAttempts) {
        const backoff = Math.min(60_000, (this.opts.retryBackoffMs ?? 1000) * 2 ** (job.attempts - 1));
        await this.store.finish(
          job.id,
          this.workerId,
          {
            status: 'queued',
            error: message,
            runAfter: new Date(this.now().getTime() + backoff).toISOString(),
          },
          now(),
        );
        return;
      }
      this.opts.log?.warn({ jobId: job.id, kind: job.kind, err: message }, 'job failed');
      await this.callRecover(job, 'failed', message);
      await this.store.finish(job.id, this.workerId, { status: 'failed', error: message }, now());
    }
  }
}
