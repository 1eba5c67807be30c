export { JobQueue, RetryLaterError } from './queue.js';
export type {
  EnqueueOptions,
  Job,
  JobHandler,
  JobQueueOptions,
  JobRunContext,
  RecoverReason,
} from './queue.js';
