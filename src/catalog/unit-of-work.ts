// The UnitOfWork port over a Kysely transaction: every repository a command gets is bound to it, the job
// enqueue included, so the command's writes and its jobs commit together.
import type { Kysely } from 'kysely';
import type { Clock } from '../domain/ports/clock.js';
import type { CommandRepositories, UnitOfWork } from '../domain/ports/unit-of-work.js';
import { sqlCbrRepositories } from './repositories/index.js';
import { SqlJobRepository } from './repositories/jobs.js';

export class SqlUnitOfWork implements UnitOfWork {
  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: the app's composed Database (CBR and job tables included).
    private readonly db: Kysely<any>,
    private readonly clock: Clock,
    /** Told after a commit that enqueued jobs (the queue looks for work at once). */
    private readonly onJobsCommitted: () => void = () => undefined,
  ) {}

  async run<T>(fn: (repos: CommandRepositories) => Promise<T>): Promise<T> {
    let enqueued = false;
    // A controlled transaction, so that a failed COMMIT reports itself: SQLite ends the transaction on its own
    // when the commit cannot be written (SQLITE_FULL, the disk is full), and the ROLLBACK a managed transaction
    // then runs fails too ("no transaction is active"), hiding why the command failed.
    const tx = await this.db.startTransaction().execute();
    let result: T;
    try {
      result = await fn({
        ...sqlCbrRepositories(tx),
        jobs: new SqlJobRepository(tx, this.clock, () => {
          enqueued = true;
        }),
      });
      await tx.commit().execute();
    } catch (error) {
      await tx
        .rollback()
        .execute()
        .catch(() => undefined); // releases the connection even when the transaction is already gone
      throw error;
    }
    if (enqueued) this.onJobsCommitted();
    return result;
  }
}
