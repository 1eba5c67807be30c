// The durable job queue's table: one row per job, as the domain's job port describes it.
import type { JobRecord } from '../domain/ports/jobs.js';

export type { JobStatus } from '../domain/ports/jobs.js';
export type JobRow = JobRecord;

export interface JobTables {
  jobs: JobRow;
}
