// The periodic pass of the serving process (backup policies): it runs with the injected clock, one pass at
// a time, survives a failing pass, and stop() waits for the pass in progress.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startScheduler } from '../../src/jobs/scheduler.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const HOUR = 3_600_000;

describe('scheduler', () => {
  it('gives each pass the injected clock', async () => {
    let clock = new Date('2026-01-05T02:00:00Z');
    const seen: string[] = [];
    const s = startScheduler({
      name: 't',
      everyMs: HOUR,
      now: () => clock,
      pass: async (now) => {
        seen.push(now.toISOString());
      },
      log: { warn: () => undefined },
    });
    await s.tick();
    clock = new Date('2026-01-06T02:00:00Z');
    await s.tick();
    await s.stop();
    assert.deepEqual(seen, ['2026-01-05T02:00:00.000Z', '2026-01-06T02:00:00.000Z']);
  });

  it('runs one pass at a time and stop() waits for it', async () => {
    const gate = deferred();
    let runs = 0;
    let finished = false;
    const s = startScheduler({
      name: 't',
      everyMs: HOUR,
      now: () => new Date(),
      pass: async () => {
        runs++;
        await gate.promise;
        finished = true;
      },
      log: { warn: () => undefined },
    });
    const first = s.tick();
    const second = s.tick();
    assert.equal(runs, 1, 'a tick during a pass joins it');
    const stopped = s.stop();
    gate.resolve();
    await Promise.all([first, second, stopped]);
    assert.equal(finished, true);
    await s.tick();
    assert.equal(runs, 1, 'no pass after stop');
  });

  it('logs a failed pass and runs the next one', async () => {
    const warnings: string[] = [];
    let runs = 0;
    const s = startScheduler({
      name: 'backup policy',
      everyMs: HOUR,
      now: () => new Date(),
      pass: async () => {
        runs++;
        if (runs === 1) throw new Error('catalog busy');
      },
      log: { warn: (_o, msg) => warnings.push(msg) },
    });
    await s.tick();
    await s.tick();
    await s.stop();
    assert.equal(runs, 2);
    assert.deepEqual(warnings, ['backup policy pass failed']);
  });
});
