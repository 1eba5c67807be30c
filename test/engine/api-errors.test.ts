import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  AbortedError,
  ConflictError,
  NotFoundError,
  SourceError,
  type VaultEngine,
} from '../../src/engine/index.js';
import { makeVolume, mutateVolume } from '../../src/engine/testing/volume-generator.js';
import { type Sandbox, sandbox, sha256File, writeVolume } from './helpers.js';

describe('engine API behaviour', () => {
  let sb: Sandbox;
  let vault: VaultEngine;
  before(async () => {
    sb = sandbox();
    vault = await (await sb.engine({ workers: 2 })).vault('api');
    await writeVolume(sb.path('v.img'), 1_500_000, 'mixed');
  });
  after(() => sb.cleanup());

  it('unreadable sources are SourceError', async () => {
    await assert.rejects(vault.backup({ backupId: 'x1', source: sb.path('missing.img') }), SourceError);
    mkdirSync(sb.path('adir'));
    await assert.rejects(vault.backup({ backupId: 'x2', source: sb.path('adir') }), SourceError);
    assert.deepEqual(await vault.listBackups(), []);
  });

  it('a volume that shrinks while it is read fails with SourceError and commits nothing', async () => {
    const { truncateSync } = await import('node:fs');
    await writeVolume(sb.path('shrink.img'), 48 * 1024 * 1024, 'random');
    let cut = false;
    await assert.rejects(
      vault.backup({
        backupId: 'shrunk',
        source: sb.path('shrink.img'),
        onProgress: () => {
          if (!cut) truncateSync(sb.path('shrink.img'), 1024 * 1024);
          cut = true;
        },
      }),
      (e: unknown) => e instanceof SourceError && /shrank/.test(e.message),
    );
    await assert.rejects(vault.getBackup('shrunk'), NotFoundError);
  });

  it('a backup id is used once (ConflictError); unknown ids are NotFoundError', async () => {
    await vault.backup({ backupId: 'once', source: sb.path('v.img') });
    await assert.rejects(vault.backup({ backupId: 'once', source: sb.path('v.img') }), ConflictError);
    await assert.rejects(vault.restore({ backupId: 'nope', target: sb.path('n.out') }), NotFoundError);
    await assert.rejects(vault.getBackup('nope'), NotFoundError);
    await assert.rejects(vault.verify('nope'), NotFoundError);
    await assert.rejects(vault.backup({ backupId: '../evil', source: sb.path('v.img') }), {
      code: 'INVALID_REQUEST',
    });
    await vault.deleteBackup('nope'); // idempotent
  });

  it('an aborted backup commits nothing', async () => {
    await makeVolume(sb.path('big.img'), 40, 3);
    const ac = new AbortController();
    const p = vault.backup({
      backupId: 'aborted',
      source: sb.path('big.img'),
      signal: ac.signal,
      onProgress: (pr) => {
        if (pr.bytesDone > 8 * 1024 * 1024) ac.abort();
      },
    });
    await assert.rejects(p, AbortedError);
    await assert.rejects(vault.getBackup('aborted'), NotFoundError);
  });

  it('reports progress up to the volume size', async () => {
    const seen: number[] = [];
    await vault.backup({
      backupId: 'prog',
      source: sb.path('v.img'),
      onProgress: (p) => seen.push(p.bytesDone),
    });
    assert.equal(seen[seen.length - 1], 1_500_000);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      seen,
    );
  });

  it('two backups of different volumes into one vault at once: both exact, dedup still correct', async () => {
    await makeVolume(sb.path('c1.img'), 24, 21);
    copyFileSync(sb.path('c1.img'), sb.path('c2.img'));
    await mutateVolume(sb.path('c2.img'), 30, 22); // shares ~70 % of its chunks with c1
    const [a, b] = await Promise.all([
      vault.backup({ backupId: 'c1', source: sb.path('c1.img') }),
      vault.backup({ backupId: 'c2', source: sb.path('c2.img') }),
    ]);
    for (const id of ['c1', 'c2']) {
      await vault.restore({ backupId: id, target: sb.path(`${id}.out`) });
      assert.equal(sha256File(sb.path(`${id}.out`)), sha256File(sb.path(`${id}.img`)));
      assert.equal((await vault.verify(id)).ok, true);
    }
    assert.ok(a.newChunks + b.newChunks > 0);
    const again = await Promise.all([
      vault.backup({ backupId: 'c1b', source: sb.path('c1.img') }),
      vault.backup({ backupId: 'c2b', source: sb.path('c2.img') }),
    ]);
    assert.deepEqual(
      again.map((s) => s.newChunks),
      [0, 0],
    );
  });

  it('usage counts what is stored', async () => {
    const u = await vault.usage();
    assert.ok(u.storedBytes > 0 && u.objectCount > 0);
  });
});
