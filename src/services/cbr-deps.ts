// Shared plumbing of the CBR services: dependencies, ids, error helpers.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError, type ErrorCode } from '../domain/errors.js';
import type { InventoryService } from '../domain/inventory.js';
import type { CbrRepositories } from '../domain/ports/cbr-repositories.js';
import type { Clock } from '../domain/ports/clock.js';
import type { UnitOfWork } from '../domain/ports/unit-of-work.js';
import type { JobQueue } from '../jobs/queue.js';
import type { EnginePort } from './engine-port.js';
import type { Metrics } from './metrics.js';

export interface CbrDeps {
  /** Reads (and single writes outside a command); commands write through `uow`. */
  repos: CbrRepositories;
  /** One transaction per command: its writes and its job enqueues commit together. */
  uow: UnitOfWork;
  clock: Clock;
  /** Canonical timestamps from `clock`. */
  timestamp: () => string;
  inventory: InventoryService;
  jobs: JobQueue;
  /** The engine is opened after the services are built (serve), so it is looked up when needed. */
  engine: () => EnginePort | null;
  log?: Pick<Logger, 'warn' | 'error' | 'info'>;
  /** Where data-plane bytes and gc runs are counted (the context's metrics). */
  metrics?: Metrics;
  /** Writes each committed backup's catalog record into its vault (catalog-loss recovery). */
  records?: {
    backupCommitted(backupId: string): Promise<void>;
    backupDeleted(vaultId: string, backupId: string): Promise<void>;
  };
}

export const newId = (): string => randomUUID();

export function requireEngine(deps: CbrDeps): EnginePort {
  const e = deps.engine();
  if (!e) throw new AppError('unavailable', 'The backup engine is not running.');
  return e;
}

/** An AppError carrying a specific CBR code not in the shared table (the HTTP status comes from `code`). */
export function cbrError(code: ErrorCode, cbr: string, message: string, field?: string): AppError {
  return new AppError(code, message, { cbr, ...(field ? { field } : {}) });
}

export const errorText = (err: unknown): string =>
  err instanceof Error ? err.message || err.name : typeof err === 'string' ? err : JSON.stringify(err);
