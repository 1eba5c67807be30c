// The catalog's read caches (ShowBackup trees, ListBackups rows) never serve a row older than the catalog:
// writes by another store instance, by raw Kysely, by a rolled-back transaction and by another process on the
// same file are all seen by the next read.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { type SeedResult, seedBackups } from '../../bench/api-seed.js';
import { backupToWire } from '../../src/api/cbr/mappers.js';
import { CbrStore } from '../../src/catalog/cbr-store.js';
import type { Backup } from '../../src/domain/cbr-model.js';
import { type Harness, startHarness } from './helpers.js';

let h: Harness;
let seeded: SeedResult;
let reader: CbrStore;
let target: Backup;

before(async () => {
  h = await startHarness({ engine: false, startJobs: false });
  seeded = await seedBackups(new CbrStore(h.ctx.db), {
    projectId: h.a.projectId,
    count: 300,
    seed: 11,
    keep: true,
    vaultCount: 2,
  });
  reader = new CbrStore(h.ctx.db);
  target = seeded.backups.find((b) => b.parentId === null && b.resourceKind === 'server')!;
});
after(async () => {
  await h.close();
});

const page = { sort: [{ key: 'created_at' as const, dir: 'desc' as const }], limit: 1000, offset: 0 };

async function seen(): Promise<{ show: string | undefined; list: string | undefined; count: number }> {
  const t = await reader.getBackupTree(target.id);
  const l = await reader.listBackups(
    { projectId: h.a.projectId, parentId: null, vaultId: target.vaultId },
    page,
  );
  return { show: t?.backup.name, list: l.items.find((b) => b.id === target.id)?.name, count: l.count };
}

test('a write through another store instance is seen by the next ShowBackup and ListBackups', async () => {
  const before = await seen();
  assert.equal(before.show, target.name);
  assert.equal(before.list, target.name);
  await seen(); // served from the caches now
  await new CbrStore(h.ctx.db).updateBackup(target.id, {
    name: 'renamed-1',
    updatedAt: new Date().toISOString(),
  });
  const after = await seen();
  assert.equal(after.show, 'renamed-1');
  assert.equal(after.list, 'renamed-1');
});

test('raw Kysely writes, deletes and rolled-back transactions are seen', async () => {
  await seen();
  await h.ctx.db.updateTable('cbr_backups').set({ name: 'renamed-2' }).where('id', '=', target.id).execute();
  assert.equal((await seen()).show, 'renamed-2');

  await assert.rejects(
    h.ctx.db.transaction().execute(async (tx) => {
      await tx.updateTable('cbr_backups').set({ name: 'never' }).where('id', '=', target.id).execute();
      throw new Error('abort');
    }),
  );
  const s = await seen();
  assert.equal(s.show, 'renamed-2');
  assert.equal(s.list, 'renamed-2');

  const victim = seeded.backups.find(
    (b) => b.parentId === null && b.vaultId === target.vaultId && b.id !== target.id,
  )!;
  assert.ok(await reader.getBackupTree(victim.id));
  const count = s.count;
  await h.ctx.db.deleteFrom('cbr_backups').where('parent_id', '=', victim.id).execute();
  await h.ctx.db.deleteFrom('cbr_backups').where('id', '=', victim.id).execute();
  assert.equal(await reader.getBackupTree(victim.id), null);
  assert.equal((await seen()).count, count - 1);
});

test('a commit by another connection (another process) is seen', async () => {
  await seen();
  const other = new SqliteDatabase(h.ctx.config.catalogPath);
  try {
    other.pragma('busy_timeout = 5000');
    other.prepare('UPDATE cbr_backups SET name = ? WHERE id = ?').run('renamed-3', target.id);
  } finally {
    other.close();
  }
  const s = await seen();
  assert.equal(s.show, 'renamed-3');
  assert.equal(s.list, 'renamed-3');
});

test('callers get copies: mutating a result does not change the next one', async () => {
  const t = (await reader.getBackupTree(target.id))!;
  t.backup.name = 'mutated';
  const l = await reader.listBackups(
    { projectId: h.a.projectId, parentId: null, vaultId: target.vaultId },
    page,
  );
  for (const b of l.items) b.name = 'mutated';
  assert.equal((await seen()).show, 'renamed-3');
  assert.equal((await seen()).list, 'renamed-3');
});

test('ShowBackup over HTTP: the answer kept per cached tree is the mapped answer, and follows every write', async () => {
  const url = `/v3/${h.a.projectId}/backups/${target.id}`;
  const first = await h.req('GET', url);
  assert.equal(first.status, 200);
  assert.equal(first.headers['content-type'], 'application/json; charset=utf-8');
  const mapped = async () => {
    const t = await h.ctx.services.backups.get(h.a.projectId, target.id);
    return JSON.stringify({ backup: backupToWire(t.backup, t.children) });
  };
  assert.equal(first.body, await mapped());
  assert.equal((await h.req('GET', url)).body, first.body);

  const put = await h.req('PUT', url, { body: { backup: { name: 'renamed-http' } } });
  assert.equal(put.status, 200);
  assert.equal((await h.req('GET', url)).json.backup.name, 'renamed-http');
  await h.ctx.db
    .updateTable('cbr_backups')
    .set({ name: 'renamed-raw' })
    .where('id', '=', target.id)
    .execute();
  const raw = await h.req('GET', url);
  assert.equal(raw.json.backup.name, 'renamed-raw');
  assert.equal(raw.body, await mapped());
  // Another project still gets a 404, not the kept answer.
  assert.equal(
    (await h.req('GET', `/v3/${h.b.projectId}/backups/${target.id}`, { token: h.b.token })).status,
    404,
  );
});
