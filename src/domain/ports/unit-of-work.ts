// One transaction per command: a command's catalog writes and the jobs it enqueues commit together or not
// at all, so a crash between them cannot leave a record in a transient status with no job to settle it.
import type { CbrRepositories } from './cbr-repositories.js';
import type { JobEnqueuer } from './jobs.js';

/** The repositories bound to one open transaction. */
export interface CommandRepositories extends CbrRepositories {
  jobs: JobEnqueuer;
}

export interface UnitOfWork {
  /**
   * Runs `fn` in one transaction: it commits when `fn` resolves and rolls back when it throws. Only the
   * repositories given to `fn` may be used inside (anything else waits for the transaction's connection);
   * validation and reads that need other services happen before.
   */
  run<T>(fn: (repos: CommandRepositories) => Promise<T>): Promise<T>;
}
