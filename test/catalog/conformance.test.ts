// The catalog's ports exercised once and run on every catalog: the embedded SQLite file, and PostgreSQL when
// OPENCBR_TEST_CATALOG_URL names a server (`npm run test:pg`). Each test gets a fresh database.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { type CatalogAdapters, type CatalogConfig, openCatalog } from '../../src/catalog/adapters.js';
import type { Vault } from '../../src/domain/cbr-model.js';
import { newVault } from '../../src/domain/cbr-rules.js';
import { AppError } from '../../src/domain/errors.js';
import { tempDir } from '../iam/helpers.js';
import { freshPostgresDatabase, testCatalogUrl } from '../support/catalog.js';

const clock = () => new Date('2030-01-01T00:00:00Z');

const vault = (id: string, name = id, sizeGb = 10): Vault =>
  newVault({
    id,
    projectId: 'p1',
    userId: null,
    name,
    description: null,
    objectType: 'disk',
    sizeGb,
    createdAt: '2030-01-01T00:00:00.000000Z',
  });

const kinds: Array<{ name: string; config: () => Promise<CatalogConfig> }> = [
  {
    name: 'sqlite',
    config: async () => ({ kind: 'sqlite', path: path.join(tempDir('opencbr-conf-'), 'catalog.sqlite') }),
  },
];
if (testCatalogUrl) {
  const base = testCatalogUrl;
  kinds.push({
    name: 'postgres',
    config: async () => ({ kind: 'postgres', url: await freshPostgresDatabase(base) }),
  });
} else if (process.env.OPENCBR_TEST_REQUIRE_PG) {
  throw new Error(
    'OPENCBR_TEST_REQUIRE_PG is set but OPENCBR_TEST_CATALOG_URL is not: the PostgreSQL run must not skip',
  );
} else {
  test(
    'catalog conformance on PostgreSQL',
    { skip: 'OPENCBR_TEST_CATALOG_URL is not set (npm run test:pg sets it)' },
    () => {},
  );
}

async function withCatalog(config: CatalogConfig, fn: (c: CatalogAdapters) => Promise<void>): Promise<void> {
  const c = await openCatalog(config, clock);
  try {
    await fn(c);
  } finally {
    await c.close();
  }
}

for (const kind of kinds) {
  describe(`catalog conformance: ${kind.name}`, () => {
    test('numbers come back as numbers, sums of large byte counts included', async () => {
      await withCatalog(await kind.config(), async (c) => {
        await c.cbr.vaults.insertVault(vault('v1', 'one', 4000));
        await c.cbr.vaults.insertVault(vault('v2', 'two', 4000));
        const big = 3 * 2 ** 40; // 3 TiB: beyond 32 bits
        await c.cbr.vaults.setVaultUsedBytes('v1', big);
        await c.cbr.vaults.setVaultUsedBytes('v2', big);
        const v = await c.cbr.vaults.getVault('p1', 'v1');
        assert.equal(v?.sizeGb, 4000);
        assert.deepEqual(await c.cbr.vaults.projectUsage('p1'), { sizeGb: 8000, usedBytes: 2 * big });
        const { items, count } = await c.cbr.vaults.listVaults({ projectId: 'p1', limit: 10, offset: 0 });
        assert.equal(count, 2);
        assert.equal(typeof count, 'number');
        assert.deepEqual(items.map((i) => i.id).sort(), ['v1', 'v2']);
      });
    });

    test('a second insert of the same key is a conflict (409), not an internal error', async () => {
      await withCatalog(await kind.config(), async (c) => {
        await c.cbr.vaults.insertVault(vault('dup'));
        await assert.rejects(c.cbr.vaults.insertVault(vault('dup')), (err: unknown) => {
          assert.ok(err instanceof AppError, String(err));
          assert.equal(err.status, 409);
          return true;
        });
        // The failed insert left the catalog usable and unchanged.
        assert.equal((await c.cbr.vaults.listVaults({ projectId: 'p1', limit: 10, offset: 0 })).count, 1);
      });
    });

    test('a unit of work commits writes and jobs together, or neither', async () => {
      await withCatalog(await kind.config(), async (c) => {
        let told = 0;
        const uow = c.unitOfWork(() => told++);
        const id = await uow.run(async (r) => {
          await r.vaults.insertVault(vault('kept'));
          return r.jobs.enqueue('noop', { v: 'kept' }, { projectId: 'p1' });
        });
        await assert.rejects(
          uow.run(async (r) => {
            await r.vaults.insertVault(vault('undone'));
            await r.jobs.enqueue('noop', { v: 'undone' });
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal(told, 1);
        assert.ok(await c.cbr.vaults.getVault('p1', 'kept'));
        assert.equal(await c.cbr.vaults.getVault('p1', 'undone'), null);
        assert.deepEqual(
          (await c.jobs.list()).map((j) => j.id),
          [id],
        );
        const job = await c.jobs.get(id);
        assert.equal(job?.attempts, 0);
        assert.equal(typeof job?.attempts, 'number');
      });
    });

    test('a queued job is claimed by one of two catalog connections racing for it', async () => {
      const config = await kind.config();
      await withCatalog(config, async (a) => {
        await withCatalog(config, async (b) => {
          const ids: string[] = [];
          for (let i = 0; i < 20; i++) ids.push(await a.jobs.enqueue('noop', { i }));
          const at = '2030-01-01T00:00:00.000Z';
          const until = '2030-01-01T00:05:00.000Z';
          const wins = await Promise.all(
            ids.flatMap((id) => [
              a.jobs.claim(id, 'node-a', at, until),
              b.jobs.claim(id, 'node-b', at, until),
            ]),
          );
          for (let i = 0; i < ids.length; i++) {
            assert.equal(Number(wins[2 * i]) + Number(wins[2 * i + 1]), 1, `job ${i} claimed exactly once`);
          }
          for (const id of ids) assert.equal((await b.jobs.get(id))?.attempts, 1);
        });
      });
    });

    test('names sort byte by byte, the same on every catalog', async () => {
      await withCatalog(await kind.config(), async (c) => {
        const names = ['b', 'B', 'a', '_x', 'A', 'é', 'Z', 'a b', 'ab'];
        for (const n of names)
          await c.cbr.vaults.insertVault(vault(`id-${Buffer.from(n).toString('hex')}`, n));
        const rows = await c.db.selectFrom('cbr_vaults').select('name').orderBy('name').execute();
        const bytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        assert.deepEqual(
          rows.map((r) => r.name),
          bytes,
        );
      });
    });

    test('a database opened again keeps its rows and its schema', async () => {
      const config = await kind.config();
      await withCatalog(config, async (c) => c.cbr.vaults.insertVault(vault('persist')));
      await withCatalog(config, async (c) => {
        assert.ok(await c.cbr.vaults.getVault('p1', 'persist'));
      });
    });
  });
}
