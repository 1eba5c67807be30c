// The catalog's read caches (ShowBackup trees, ListBackups rows) never serve a row older than the catalog:
// writes by another store instance, by raw Kysely, by a rolled-back transaction and by another process on the
// same file are all seen by the next read (HTTP requests read in one poll share one check of other
// processes' commits, which still sees every commit made before they were sent).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { type SeedResult, seedBackups } from '../../bench/api-seed.js';
import { backupToWire } from '../../src/api/cbr/mappers.js';
import { parseListBackupsQuery } from '../../src/api/cbr/query.js';
import { withSqliteReadCache } from '../../src/catalog/backup-read-cache.js';
import { sqliteReadAccess } from '../../src/catalog/db.js';
import { sqlCbrRepositories } from '../../src/catalog/repositories/index.js';
import type { Backup } from '../../src/domain/cbr-model.js';
import type { BackupRepository } from '../../src/domain/ports/cbr-repositories.js';
import { type Harness, startHarness } from './helpers.js';

// The read cache wraps the embedded SQLite catalog only (it relies on SQLite's synchronous reads and
// data_version), so this file keeps SQLite whatever catalog the other suites run on.
const SQLITE_ONLY = { OPENCBR_CATALOG_URL: '' };
let h: Harness;
let seeded: SeedResult;
let reader: BackupRepository;
/** A backup repository behind a read cache of its own (empty when made), as the services use it. */
const cached = (): BackupRepository => withSqliteReadCache(sqlCbrRepositories(h.ctx.db).backups, h.ctx.db);
let target: Backup;

before(async () => {
  h = await startHarness({ engine: false, startJobs: false, env: SQLITE_ONLY });
  seeded = await seedBackups(sqlCbrRepositories(h.ctx.db), {
    projectId: h.a.projectId,
    count: 300,
    seed: 11,
    keep: true,
    vaultCount: 2,
  });
  reader = cached();
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
  await cached().updateBackup(target.id, {
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

/** Commits `name` on the target backup through a connection of its own, as another process would. */
function commitElsewhere(name: string): void {
  const other = new SqliteDatabase(h.ctx.config.catalogPath);
  try {
    other.pragma('busy_timeout = 5000');
    other.prepare('UPDATE cbr_backups SET name = ? WHERE id = ?').run(name, target.id);
  } finally {
    other.close();
  }
}

test('requests read in one poll share one check of other connections; the next poll checks again', async () => {
  const sync = sqliteReadAccess(h.ctx.db)!;
  // While a request read from a socket is dispatched, the check is kept for the rest of that poll phase:
  // another connection's commit made meanwhile is seen from the next turn, this connection's writes at once.
  const server = http.createServer((_req, res) => {
    const before = sync.generation();
    commitElsewhere('elsewhere-1');
    const same = sync.generation();
    h.ctx.db
      .updateTable('cbr_backups')
      .set({ description: 'own write' })
      .where('id', '=', target.id)
      .execute()
      .then(() => {
        const own = sync.generation();
        setImmediate(() => res.end(JSON.stringify({ before, same, own, next: sync.generation() })));
      });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as { port: number };
    const g = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as Record<string, number>;
    assert.equal(g.same, g.before);
    assert.ok(g.own! > g.same!, 'a write through this connection counts at once');
    assert.ok(g.next! > g.own!, 'the next turn sees the other connection');
  } finally {
    server.close();
  }
  // Reads outside a request's dispatch (a timer here; promise continuations, like the tests' own reads) never
  // keep a check: they can run before the next poll, which may deliver a request sent after a commit.
  const inTimer = await new Promise<{ before: number; after: number }>((resolve) =>
    setTimeout(() => {
      const before = sync.generation();
      commitElsewhere('elsewhere-2');
      resolve({ before, after: sync.generation() });
    }, 0),
  );
  assert.ok(inTimer.after > inTimer.before);
  assert.equal((await seen()).show, 'elsewhere-2');
});

test('over a real socket: a request sent after another process commits sees the commit', async () => {
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const get = async () => {
    const r = await fetch(`${base}/v3/${h.a.projectId}/backups/${target.id}`, {
      headers: { 'X-Auth-Token': h.a.token },
    });
    assert.equal(r.status, 200);
    return ((await r.json()) as { backup: { name: string } }).backup.name;
  };
  for (let i = 0; i < 5; i++) {
    const name = `over-socket-${i}`;
    // Several requests in flight at once, so that some share a poll (and a kept check) with others.
    await Promise.all([get(), get(), get()]);
    commitElsewhere(name);
    assert.deepEqual(await Promise.all([get(), get(), get()]), [name, name, name]);
  }
  commitElsewhere('renamed-3');
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

test('ListBackups over HTTP: the answer kept per cached page is a fresh computation, and follows every write', async () => {
  const qs = `vault_id=${target.vaultId}&sort=created_at:desc&limit=20`;
  const get = async (query = qs, token = h.a.token, projectId = h.a.projectId) => {
    const r = await h.req('GET', `/v3/${projectId}/backups?${query}`, { token });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(r.headers['content-length'], String(Buffer.byteLength(r.body)));
    return r;
  };
  // The same query answered by a store with empty caches, mapped and serialized as the route did before.
  const fresh = async (query = qs, projectId = h.a.projectId) => {
    const { filter, page } = parseListBackupsQuery(projectId, Object.fromEntries(new URLSearchParams(query)));
    const l = await cached().listBackups(filter, page);
    const answer = {
      backups: l.items.map((b) => backupToWire(b)),
      count: l.count,
      offset: page.offset,
      limit: page.limit,
    };
    return JSON.stringify(answer);
  };

  const first = await get();
  assert.equal(first.body, await fresh());
  assert.equal((await get()).body, first.body);
  const count = first.json.count as number;
  // Offset, limit and project are part of what is kept: none gets another page's answer.
  const offset = `${qs}&offset=1`;
  assert.equal((await get(offset)).body, await fresh(offset));
  assert.equal((await get(offset)).json.backups[0].id, first.json.backups[1].id);
  const other = await get(qs, h.b.token, h.b.projectId);
  assert.equal(other.json.count, 0);
  assert.equal(other.body, await fresh(qs, h.b.projectId));

  // A rename through the API.
  const top = first.json.backups[0] as { id: string; created_at: string };
  const put = await h.req('PUT', `/v3/${h.a.projectId}/backups/${top.id}`, {
    body: { backup: { name: 'listed-put' } },
  });
  assert.equal(put.status, 200);
  const renamed = await get();
  assert.equal(renamed.json.backups[0].name, 'listed-put');
  assert.equal(renamed.body, await fresh());

  // A new backup, newest in the vault: first on the page, and counted.
  const [row] = await cached()
    .listBackups(
      { projectId: h.a.projectId, vaultId: target.vaultId, parentId: null },
      { sort: [{ key: 'created_at', dir: 'desc' }], limit: 1, offset: 0 },
    )
    .then((l) => l.items);
  const added: Backup = {
    ...row!,
    id: 'listed-new-backup',
    name: 'listed-new',
    createdAt: `2099${row!.createdAt.slice(4)}`,
  };
  await cached().insertBackups([added]);
  const grown = await get();
  assert.equal(grown.json.count, count + 1);
  assert.equal(grown.json.backups[0].id, added.id);
  assert.equal(grown.body, await fresh());

  // A raw delete (no store involved) takes it away again.
  await h.ctx.db.deleteFrom('cbr_backups').where('id', '=', added.id).execute();
  const shrunk = await get();
  assert.equal(shrunk.json.count, count);
  assert.equal(shrunk.json.backups[0].id, top.id);
  assert.equal(shrunk.body, await fresh());
});
