// Durable job queue (PLATFORM).

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobRow {
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

export interface JobTables {
  jobs: JobRow;
}
