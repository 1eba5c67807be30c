// The durable job records as the job queue (src/jobs) needs them stored, and the enqueue a command makes
// inside its transaction. Implemented by src/catalog/repositories/jobs.ts.

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** One job as stored. JSON fields are text; times are ISO strings. */
export interface JobRecord {
  id: string;
  kind: string;
  /** JSON text */
  payload: string;
  project_id: string | null;
  operation_log_id: string | null;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  /** Worker id holding the lease while running. */
  lease_owner: string | null;
  lease_expires_at: string | null;
  /** Not runnable before this time (ISO). */
  run_after: string;
  /** JSON text of the handler's result. */
  result: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

export interface EnqueueOptions {
  projectId?: string | null;
  operationLogId?: string | null;
  /** Total tries including the first (default 1: no automatic retry). */
  maxAttempts?: number;
  runAfter?: Date;
  /** Caller-chosen id (UUID); default random. */
  id?: string;
}

/** Records a job to run once the surrounding transaction commits. Returns the job id. */
export interface JobEnqueuer {
  enqueue<P>(kind: string, payload: P, opts?: EnqueueOptions): Promise<string>;
}

export interface JobFinish {
  status: JobStatus;
  result?: string | null;
  error?: string | null;
  runAfter?: string;
  /** The attempt does not count against max_attempts (the job was handed back, not tried). */
  refundAttempt?: boolean;
}

export interface JobRepository extends JobEnqueuer {
  insert(row: JobRecord): Promise<void>;
  get(id: string): Promise<JobRecord | undefined>;
  list(filter?: { status?: JobStatus; kind?: string; projectId?: string; limit?: number }): Promise<
    JobRecord[]
  >;
  /** Queued and running jobs (the reconciler checks which records still have a live job). */
  live(): Promise<JobRecord[]>;
  /** Next runnable job ids among `kinds`, oldest first. */
  candidates(kinds: string[], now: string, limit: number): Promise<string[]>;
  /** Takes the lease on a queued job; false when another worker was first. */
  claim(id: string, owner: string, now: string, leaseUntil: string): Promise<boolean>;
  heartbeat(id: string, owner: string, now: string, leaseUntil: string): Promise<boolean>;
  /** Ends a running job held by `owner` (or unowned when owner is null, used by recovery). */
  finish(id: string, owner: string | null, fields: JobFinish, now: string): Promise<boolean>;
  /** Running jobs whose lease has expired (or all running jobs when `all`). */
  orphans(now: string, all: boolean): Promise<JobRecord[]>;
  /** Deletes succeeded/failed jobs that finished before `iso`. */
  purgeFinishedBefore(iso: string): Promise<number>;
  /** Takes over an orphan by swapping its lease owner (so two recoverers cannot both handle it). */
  adopt(
    id: string,
    previousOwner: string | null,
    owner: string,
    now: string,
    leaseUntil: string,
  ): Promise<boolean>;
}
