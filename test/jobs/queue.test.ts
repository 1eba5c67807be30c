import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { openCatalogDb } from '../../src/catalog/db.js';
import { SqlJobRepository } from '../../src/catalog/repositories/jobs.js';
import type { Database } from '../../src/catalog/schema.js';
import {
  type Job,
  JobQueue,
  type JobQueueOptions,
  type RecoverReason,
  RetryLaterError,
} from '../../src/jobs/index.js';
import { tempDir } from '../iam/helpers.js';
import { childExecArgv } from '../support/repo.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(20);
  }
}

/** A queue on the catalog's job table, enqueueing with the queue's own clock. */
function queueOn(db: Kysely<Database>, opts: JobQueueOptions = {}): JobQueue {
  return new JobQueue(new SqlJobRepository(db, opts.now ?? (() => new Date())), opts);
}

async function catalog() {
  return openCatalogDb(path.join(tempDir('opencbr-jobs-'), 'catalog.sqlite'));
}

describe('job queue', () => {
  test('enqueue → run → succeeded with the handler’s result; payload and metadata kept', async () => {
    const db = await catalog();
    const q = queueOn(db, { pollMs: 20 });
    const seen: Job<{ x: number }>[] = [];
    q.register<{ x: number }>('double', {
      run: async ({ job }) => {
        seen.push(job);
        return { y: job.payload.x * 2 };
      },
    });
    const id = await q.enqueue('double', { x: 21 }, { projectId: 'p1', operationLogId: 'op-9' });
    let job = await q.get(id);
    assert.equal(job?.status, 'queued');
    await q.start();
    await q.drain();
    job = await q.get(id);
    assert.equal(job?.status, 'succeeded');
    assert.deepEqual(job?.result, { y: 42 });
    assert.equal(job?.attempts, 1);
    assert.equal(seen[0]?.projectId, 'p1');
    assert.equal(seen[0]?.operationLogId, 'op-9');
    assert.ok(job?.finishedAt);
    await q.stop();
    await db.destroy();
  });

  test('finished jobs older than the retention are purged at start', async () => {
    const db = await catalog();
    let now = new Date('2030-01-01T00:00:00Z');
    const q1 = queueOn(db, { pollMs: 10, now: () => now });
    q1.register('noop', { run: async () => 'ok' });
    const old = await q1.enqueue('noop', {});
    await q1.start();
    await q1.drain();
    await q1.stop();
    now = new Date('2030-03-01T00:00:00Z');
    const q2 = queueOn(db, { pollMs: 10, now: () => now, keepFinishedDays: 30 });
    const queued = await q2.enqueue('other', {});
    await q2.start();
    assert.equal(await q2.get(old), null);
    assert.equal((await q2.get(queued))?.status, 'queued');
    await q2.stop();
    await db.destroy();
  });

  test('runs at most `concurrency` jobs at once, and all of them', async () => {
    const db = await catalog();
    const q = queueOn(db, { pollMs: 10, concurrency: 2 });
    let active = 0;
    let peak = 0;
    let done = 0;
    q.register('work', {
      run: async () => {
        active++;
        peak = Math.max(peak, active);
        // Long enough that the second claim lands while the first job runs, even on a loaded machine.
        await sleep(150);
        active--;
        done++;
      },
    });
    for (let i = 0; i < 7; i++) await q.enqueue('work', { i });
    await q.start();
    await q.drain();
    assert.equal(done, 7);
    assert.equal(peak, 2);
    await q.stop();
    await db.destroy();
  });

  test('a failing job is retried up to maxAttempts, then failed with recover("failed")', async () => {
    const db = await catalog();
    const q = queueOn(db, { pollMs: 10, retryBackoffMs: 10 });
    let tries = 0;
    const recovered: Array<[string, RecoverReason, string]> = [];
    q.register('flaky', {
      run: async () => {
        tries++;
        if (tries < 2) throw new Error('transient');
        return 'ok';
      },
    });
    q.register('broken', {
      run: async () => {
        throw new Error('disk on fire');
      },
      recover: async (job, reason, error) => {
        recovered.push([job.id, reason, error]);
        return undefined;
      },
    });
    const a = await q.enqueue('flaky', {}, { maxAttempts: 3 });
    const b = await q.enqueue('broken', {}, { maxAttempts: 2 });
    await q.start();
    await waitFor(
      async () => (await q.get(b))?.status === 'failed' && (await q.get(a))?.status === 'succeeded',
    );
    assert.equal((await q.get(a))?.attempts, 2);
    const jb = await q.get(b);
    assert.equal(jb?.attempts, 2);
    assert.equal(jb?.error, 'disk on fire');
    assert.deepEqual(recovered, [[b, 'failed', 'disk on fire']]);
    await q.stop();
    await db.destroy();
  });

  test('a job whose worker vanished (lease expired) is recovered by another worker', async () => {
    const db = await catalog();
    // Worker 1 takes the job and hangs; it polls rarely, so only worker 2 looks for orphans.
    const w1 = queueOn(db, { pollMs: 60_000, leaseMs: 150 });
    let release!: () => void;
    w1.register('hang', {
      run: () =>
        new Promise<void>((r) => {
          release = r;
        }),
    });
    const id = await w1.enqueue('hang', { v: 1 });
    await w1.start();
    await waitFor(async () => (await w1.get(id))?.status === 'running');
    // Worker 1's process "vanishes": its lease is taken away and has expired.
    await db
      .updateTable('jobs')
      .set({ lease_owner: 'worker-dead', lease_expires_at: '2000-01-01T00:00:00.000Z' })
      .execute();
    const calls: RecoverReason[] = [];
    const w2 = queueOn(db, { pollMs: 10, leaseMs: 150, soleWorker: false });
    w2.register('hang', {
      run: async () => 'second try',
      recover: async (_job, reason) => {
        calls.push(reason);
        return 'retry';
      },
    });
    const job0 = await w2.get(id);
    assert.equal(job0?.status, 'running');
    await w2.start();
    await waitFor(async () => (await w2.get(id))?.status !== 'running');
    // One attempt allowed by default: recovered as failed, and the hook ran once.
    assert.deepEqual(calls, ['interrupted']);
    assert.equal((await w2.get(id))?.status, 'failed');
    assert.match((await w2.get(id))?.error ?? '', /stopped/);
    // Worker 1 wakes up: its late completion must not overwrite the recovered outcome.
    release();
    await sleep(50);
    assert.equal((await w2.get(id))?.status, 'failed');
    await w1.stop(10);
    await w2.stop();
    await db.destroy();
  });

  test('recover may ask for a retry when attempts remain', async () => {
    const db = await catalog();
    const id = await queueOn(db).enqueue('resumable', { part: 3 }, { maxAttempts: 3 });
    // As if a worker claimed it and died.
    await db
      .updateTable('jobs')
      .set({
        status: 'running',
        attempts: 1,
        lease_owner: 'worker-dead',
        lease_expires_at: '2999-01-01T00:00:00.000Z',
      })
      .where('id', '=', id)
      .execute();
    const q = queueOn(db, { pollMs: 10, soleWorker: true });
    const order: string[] = [];
    q.register<{ part: number }>('resumable', {
      run: async ({ job }) => {
        order.push(`run ${job.payload.part} attempt ${job.attempts}`);
        return 'done';
      },
      recover: async () => {
        order.push('recover');
        return 'retry';
      },
    });
    await q.start();
    await q.drain();
    const job = await q.get(id);
    assert.equal(job?.status, 'succeeded');
    assert.deepEqual(order, ['recover', 'run 3 attempt 2']);
    await q.stop();
    await db.destroy();
  });

  test('stop() hands running jobs back (queued, lease released, attempt not counted); the next start resumes them', async () => {
    const db = await catalog();
    const q = queueOn(db, { pollMs: 10 });
    const reasons: RecoverReason[] = [];
    let runs = 0;
    q.register<{ resume: boolean }>('long', {
      run: ({ signal, job }) => {
        runs++;
        if (job.payload.resume && runs > 1) return Promise.resolve('resumed');
        return new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted by signal'))),
        );
      },
      recover: async (_j, reason) => {
        reasons.push(reason);
        return undefined;
      },
    });
    const id = await q.enqueue('long', { resume: true });
    await q.start();
    await waitFor(async () => (await q.get(id))?.status === 'running');
    await q.stop(20);
    assert.deepEqual(reasons, [], 'an orderly stop is not a failure: recover is not called');
    const handedBack = (await q.get(id))!;
    assert.equal(handedBack.status, 'queued');
    assert.equal(handedBack.attempts, 0);
    const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.lease_owner, null);
    assert.equal(row.lease_expires_at, null);

    const again = queueOn(db, { pollMs: 10 });
    again.register<{ resume: boolean }>('long', { run: async () => 'resumed' });
    await again.start();
    await waitFor(async () => (await again.get(id))?.status === 'succeeded');
    assert.equal((await again.get(id))?.result, 'resumed');
    await again.stop();
    await db.destroy();
  });

  test('RetryLaterError: queued again after its delay, attempts not counted, never failed', async () => {
    const db = await catalog();
    let now = new Date('2030-01-01T00:00:00Z');
    const q = queueOn(db, { pollMs: 10, now: () => now });
    let tries = 0;
    q.register('locked', {
      run: async () => {
        tries++;
        if (tries < 3) throw new RetryLaterError('another node holds the lock', 60_000);
        return 'done';
      },
    });
    const id = await q.enqueue('locked', {}, { maxAttempts: 1 });
    await q.start();
    await waitFor(async () => (await q.get(id))?.error !== null);
    const waiting = (await q.get(id))!;
    assert.equal(waiting.status, 'queued');
    assert.equal(waiting.attempts, 0);
    await sleep(50);
    assert.equal(tries, 1, 'not run again before its delay');
    for (let i = 0; i < 2; i++) {
      now = new Date(now.getTime() + 61_000);
      const before = tries;
      await waitFor(() => tries > before);
    }
    await waitFor(async () => (await q.get(id))?.status === 'succeeded');
    await q.stop();
    await db.destroy();
  });
});

describe('crash recovery', () => {
  test('a process killed mid-job: on restart the job is settled via recover, nothing stays running', async () => {
    const file = path.join(tempDir('opencbr-crash-'), 'catalog.sqlite');
    const here = fileURLToPath(import.meta.url);
    const fixture = path.join(path.dirname(here), 'fixtures', `crash-worker${path.extname(here)}`);
    const child = spawn(process.execPath, [...childExecArgv, fixture, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    await waitFor(() => out.includes('running') && out.includes('job '), 20_000);
    const jobId = /job ([0-9a-f-]{36})/.exec(out)![1]!;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const db = await openCatalogDb(file);
    const before = await db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
    assert.equal(before.status, 'running', 'the killed process left the job running');
    const settled: Array<{ id: string; reason: RecoverReason; op: string | null }> = [];
    const q = queueOn(db, { pollMs: 10, soleWorker: true });
    q.register('slow', {
      run: async () => 'never called',
      recover: async (job, reason) => {
        settled.push({ id: job.id, reason, op: job.operationLogId });
        return undefined;
      },
    });
    await q.start();
    assert.deepEqual(settled, [{ id: jobId, reason: 'interrupted', op: 'op-1' }]);
    const after = await q.get(jobId);
    assert.equal(after?.status, 'failed');
    assert.equal((await q.list({ status: 'running' })).length, 0);
    await q.stop();
    await db.destroy();
  });
});
