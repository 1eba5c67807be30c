// Several nodes on one PostgreSQL catalog: a node that starts recovers only jobs whose lease expired, never
// a live node's running job, and a write through one node is seen by the next read through another.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { type AppContext, openContext } from '../../src/context.js';
import type { JobRecord } from '../../src/domain/ports/jobs.js';
import { tempDir } from '../iam/helpers.js';
import { freshPostgresDatabase, testCatalogUrl } from '../support/catalog.js';

const skip = testCatalogUrl
  ? false
  : process.env.OPENCBR_TEST_REQUIRE_PG
    ? false
    : 'OPENCBR_TEST_CATALOG_URL is not set (npm run test:pg sets it)';

async function node(url: string): Promise<AppContext> {
  const dir = tempDir('opencbr-node-');
  const config = loadConfig({ OPENCBR_DATA: path.join(dir, 'data'), OPENCBR_CATALOG_URL: url }, dir);
  return openContext(config, { log: pino({ level: 'silent' }), jobs: { pollMs: 20 } });
}

const running = (id: string, owner: string, leaseUntil: string): JobRecord => ({
  id,
  kind: 'probe',
  payload: 'null',
  project_id: null,
  operation_log_id: null,
  status: 'running',
  attempts: 1,
  max_attempts: 1,
  lease_owner: owner,
  lease_expires_at: leaseUntil,
  run_after: '2000-01-01T00:00:00.000Z',
  result: null,
  error: null,
  created_at: '2000-01-01T00:00:00.000Z',
  started_at: '2000-01-01T00:00:00.000Z',
  finished_at: null,
  updated_at: '2000-01-01T00:00:00.000Z',
});

test('a node starting on a shared catalog leaves live nodes running jobs alone', { skip }, async () => {
  assert.ok(testCatalogUrl, 'OPENCBR_TEST_REQUIRE_PG is set: the PostgreSQL run must not skip');
  const url = await freshPostgresDatabase(testCatalogUrl);
  const a = await node(url);
  try {
    const future = new Date(Date.now() + 3600_000).toISOString();
    await a.catalog.jobs.insert(running('live', 'node-a', future));
    await a.catalog.jobs.insert(running('dead', 'node-gone', '2000-01-01T00:05:00.000Z'));
    const b = await node(url);
    try {
      await b.jobs.start();
      const live = await b.catalog.jobs.get('live');
      assert.equal(live?.status, 'running', 'the live node keeps its job');
      assert.equal(live?.lease_owner, 'node-a');
      const dead = await b.catalog.jobs.get('dead');
      assert.equal(dead?.status, 'failed', 'the expired lease was taken over and settled');
      assert.match(dead?.error ?? '', /node-gone/);

      // Coherent reads: a vault created through node A is listed through node B at once.
      const v = await a.services.vaults.create(
        { projectId: 'p1' },
        {
          name: 'shared',
          objectType: 'disk',
          protectType: 'backup',
          consistentLevel: 'crash_consistent',
          sizeGb: 10,
        },
      );
      const seen = await b.catalog.cbr.vaults.getVault('p1', v.id);
      assert.equal(seen?.name, 'shared');
    } finally {
      await b.close();
    }
  } finally {
    await a.close();
  }
});
