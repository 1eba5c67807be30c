// The unit of work over the SQLite catalog: a command's writes and the jobs it enqueues commit together or
// roll back together, the queue is told only after a commit, and services read time from the injected clock.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { sqlCatalogAdapters } from '../../src/catalog/adapters.js';
import { openCatalogDb } from '../../src/catalog/db.js';
import { loadConfig } from '../../src/config.js';
import { openContext } from '../../src/context.js';
import type { Vault } from '../../src/domain/cbr-model.js';
import { newVault } from '../../src/domain/cbr-rules.js';
import { tempDir } from '../iam/helpers.js';
import { testCatalogEnv } from '../support/catalog.js';

const vault = (id: string): Vault =>
  newVault({
    id,
    projectId: 'p1',
    userId: null,
    name: id,
    description: null,
    objectType: 'disk',
    sizeGb: 10,
    createdAt: '2030-01-01T00:00:00.000000Z',
  });

test('writes and enqueues commit together; a throw rolls both back; the queue hears only of commits', async () => {
  const db = await openCatalogDb(path.join(tempDir('opencbr-uow-'), 'catalog.sqlite'));
  try {
    const clock = () => new Date('2030-01-01T00:00:00Z');
    const catalog = sqlCatalogAdapters(db, clock);
    let told = 0;
    const uow = catalog.unitOfWork(() => told++);

    const jobId = await uow.run(async (r) => {
      await r.vaults.insertVault(vault('v-committed'));
      return r.jobs.enqueue('noop', { vaultId: 'v-committed' }, { projectId: 'p1' });
    });
    assert.ok(await catalog.cbr.vaults.getVault('p1', 'v-committed'));
    const job = await catalog.jobs.get(jobId);
    assert.equal(job?.status, 'queued');
    assert.equal(job?.created_at, '2030-01-01T00:00:00.000Z', 'the job carries the injected clock');
    assert.equal(told, 1);

    await assert.rejects(
      uow.run(async (r) => {
        await r.vaults.insertVault(vault('v-undone'));
        await r.jobs.enqueue('noop', { vaultId: 'v-undone' });
        throw new Error('the command failed after its writes');
      }),
      /failed after its writes/,
    );
    assert.equal(await catalog.cbr.vaults.getVault('p1', 'v-undone'), null);
    assert.deepEqual(
      (await catalog.jobs.list()).map((j) => JSON.parse(j.payload).vaultId),
      ['v-committed'],
    );
    assert.equal(told, 1, 'no notice for a rolled-back enqueue');

    // Repositories bound to the transaction write atomically inside it (no nested transaction).
    await uow.run((r) => r.vaults.insertVault({ ...vault('v-with-res'), resources: [] }));
    assert.ok(await catalog.cbr.vaults.getVault('p1', 'v-with-res'));
  } finally {
    await db.destroy();
  }
});

test('services take their timestamps from the context clock', async () => {
  const dir = tempDir('opencbr-clock-');
  const config = loadConfig({ OPENCBR_DATA: path.join(dir, 'data'), ...(await testCatalogEnv(dir)) }, dir);
  const at = new Date('2031-05-06T07:08:09.123Z');
  const ctx = await openContext(config, { log: pino({ level: 'silent' }), now: () => at });
  try {
    const v = await ctx.services.vaults.create(
      { projectId: 'p1' },
      {
        name: 'clocked',
        objectType: 'disk',
        protectType: 'backup',
        consistentLevel: 'crash_consistent',
        sizeGb: 1,
      },
    );
    assert.equal(v.createdAt, '2031-05-06T07:08:09.123000Z');
    const u = await ctx.services.vaults.update('p1', v.id, { name: 'clocked-2' });
    assert.equal(u.updatedAt, '2031-05-06T07:08:09.123001Z', 'strictly increasing under a fixed clock');
  } finally {
    await ctx.close();
  }
});
