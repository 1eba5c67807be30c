// SQL for the durable job queue. Claims are optimistic (UPDATE … WHERE status='queued'), which works the same
// on SQLite and PostgreSQL. Bound to a command's transaction, `enqueue` records the job in it.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../domain/ports/clock.js';
import type {
  EnqueueOptions,
  JobFinish,
  JobRecord,
  JobRepository,
  JobStatus,
} from '../../domain/ports/jobs.js';
import type { JobTables } from '../jobs-tables.js';

type JobRecordRow = JobRecord;

export class SqlJobRepository implements JobRepository {
  private readonly db: Kysely<JobTables>;
  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: the composed Database or a transaction on it.
    db: Kysely<any>,
    private readonly now: Clock,
    /** Told after each enqueue (a queue kicks its workers; in a transaction, the unit of work defers it). */
    private readonly onEnqueue: () => void = () => undefined,
  ) {
    this.db = db as Kysely<JobTables>;
  }

  async enqueue<P>(kind: string, payload: P, opts: EnqueueOptions = {}): Promise<string> {
    const now = this.now();
    const at = now.toISOString();
    const id = opts.id ?? randomUUID();
    await this.insert({
      id,
      kind,
      payload: JSON.stringify(payload ?? null),
      project_id: opts.projectId ?? null,
      operation_log_id: opts.operationLogId ?? null,
      status: 'queued',
      attempts: 0,
      max_attempts: Math.max(1, opts.maxAttempts ?? 1),
      lease_owner: null,
      lease_expires_at: null,
      run_after: (opts.runAfter ?? now).toISOString(),
      result: null,
      error: null,
      created_at: at,
      started_at: null,
      finished_at: null,
      updated_at: at,
    });
    this.onEnqueue();
    return id;
  }

  async insert(row: JobRecord): Promise<void> {
    await this.db.insertInto('jobs').values(row).execute();
  }

  async get(id: string): Promise<JobRecordRow | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(filter: { status?: JobStatus; kind?: string; projectId?: string; limit?: number } = {}) {
    let q = this.db.selectFrom('jobs').selectAll().orderBy('created_at').orderBy('id');
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.projectId) q = q.where('project_id', '=', filter.projectId);
    return q.limit(filter.limit ?? 1000).execute();
  }

  async live(): Promise<JobRecordRow[]> {
    return this.db.selectFrom('jobs').selectAll().where('status', 'in', ['queued', 'running']).execute();
  }

  /** Next runnable job ids among `kinds`, oldest first. */
  async candidates(kinds: string[], now: string, limit: number): Promise<string[]> {
    if (kinds.length === 0) return [];
    const rows = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('status', '=', 'queued')
      .where('run_after', '<=', now)
      .where('kind', 'in', kinds)
      .orderBy('run_after')
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Takes the lease on a queued job; false when another worker was first. */
  async claim(id: string, owner: string, now: string, leaseUntil: string): Promise<boolean> {
    const r = await this.db
      .updateTable('jobs')
      .set((eb) => ({
        status: 'running',
        lease_owner: owner,
        lease_expires_at: leaseUntil,
        attempts: eb('attempts', '+', 1),
        started_at: now,
        updated_at: now,
      }))
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async heartbeat(id: string, owner: string, now: string, leaseUntil: string): Promise<boolean> {
    const r = await this.db
      .updateTable('jobs')
      .set({ lease_expires_at: leaseUntil, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Ends a job held by `owner` (or unowned when owner is null, used by recovery). */
  async finish(id: string, owner: string | null, fields: JobFinish, now: string): Promise<boolean> {
    let q = this.db
      .updateTable('jobs')
      .set((eb) => ({
        status: fields.status,
        result: fields.result ?? null,
        error: fields.error ?? null,
        lease_owner: null,
        lease_expires_at: null,
        finished_at: fields.status === 'queued' ? null : now,
        updated_at: now,
        ...(fields.runAfter ? { run_after: fields.runAfter } : {}),
        ...(fields.refundAttempt ? { attempts: eb('attempts', '-', 1) } : {}),
      }))
      .where('id', '=', id)
      .where('status', '=', 'running');
    q = owner === null ? q : q.where('lease_owner', '=', owner);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Running jobs whose lease has expired (or all running jobs when `all`). */
  async orphans(now: string, all: boolean): Promise<JobRecordRow[]> {
    let q = this.db.selectFrom('jobs').selectAll().where('status', '=', 'running');
    if (!all) q = q.where('lease_expires_at', '<', now);
    return q.orderBy('created_at').execute();
  }

  /** Deletes succeeded/failed jobs that finished before `iso`. */
  async purgeFinishedBefore(iso: string): Promise<number> {
    const r = await this.db
      .deleteFrom('jobs')
      .where('status', 'in', ['succeeded', 'failed'])
      .where('finished_at', '<', iso)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Takes over an orphan by swapping its lease owner (so two recoverers cannot both handle it). */
  async adopt(id: string, previousOwner: string | null, owner: string, now: string, leaseUntil: string) {
    let q = this.db
      .updateTable('jobs')
      .set({ lease_owner: owner, lease_expires_at: leaseUntil, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'running');
    q =
      previousOwner === null
        ? q.where('lease_owner', 'is', null)
        : q.where('lease_owner', '=', previousOwner);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
