export { JobQueue } from './queue.js';
export type {
  EnqueueOptions,
  Job,
  JobHandler,
  JobQueueOptions,
  JobRunContext,
  RecoverReason,
} from './queue.js';
