import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { FORMAT_VERSION, WrongKeyError } from '../../src/engine/index.js';
import { type Sandbox, sandbox, sha256File, writeVolume } from './helpers.js';

describe('keys and catalog loss', () => {
  const sbs: Sandbox[] = [];
  after(async () => {
    for (const s of sbs) await s.cleanup();
  });

  it('creates a 0600 master key file on first use and reuses it', async () => {
    const sb = sandbox();
    sbs.push(sb);
    const v = await (await sb.engine()).vault('k');
    assert.equal(statSync(sb.keyFile).mode & 0o777, 0o600);
    await writeVolume(sb.path('v.img'), 300_000, 'mixed');
    await v.backup({ backupId: 'k1', source: sb.path('v.img') });
    const again = await (await sb.engine({ stateDir: sb.path('state2') })).vault('k');
    assert.equal((await again.listBackups()).length, 1);
  });

  it('a wrong master key is a WrongKeyError, never garbage', async () => {
    const sb = sandbox();
    sbs.push(sb);
    await (await sb.engine({ masterKey: { key: randomBytes(32) } })).vault('w');
    await assert.rejects(
      (await sb.engine({ masterKey: { key: randomBytes(32) } })).vault('w'),
      WrongKeyError,
    );
    writeFileSync(sb.path('bad.key'), 'not a key\n');
    await assert.rejects(sb.engine({ masterKey: { keyFile: sb.path('bad.key') } }), WrongKeyError);
  });

  it('with only the object store and the master key, backups are listed (with labels) and restored', async () => {
    const sb = sandbox();
    sbs.push(sb);
    const key = randomBytes(32);
    const v = await (await sb.engine({ masterKey: { key } })).vault('lost');
    await writeVolume(sb.path('a.img'), 2_000_000, 'mixed');
    await writeVolume(sb.path('b.img'), 1_000_000, 'random');
    await v.backup({
      backupId: 'a1',
      source: sb.path('a.img'),
      labels: { resource: 'vol-a', checkpoint: 'cp1' },
    });
    await v.backup({ backupId: 'b1', source: sb.path('b.img'), labels: { resource: 'vol-b' } });
    // Lose the catalog and the engine's local state entirely.
    rmSync(sb.path('state'), { recursive: true, force: true });
    const fresh = await (await sb.engine({ masterKey: { key }, stateDir: sb.path('new-state') })).vault(
      'lost',
    );
    const list = await fresh.listBackups();
    assert.deepEqual(
      list.map((b) => [b.backupId, b.labels, b.volumeSize, b.formatVersion]),
      [
        ['a1', { resource: 'vol-a', checkpoint: 'cp1' }, 2_000_000, FORMAT_VERSION],
        ['b1', { resource: 'vol-b' }, 1_000_000, FORMAT_VERSION],
      ],
    );
    await fresh.restore({ backupId: 'a1', target: sb.path('a.out') });
    assert.equal(sha256File(sb.path('a.out')), sha256File(sb.path('a.img')));
    // The rebuilt index also serves dedup.
    const again = await fresh.backup({ backupId: 'b2', source: sb.path('b.img'), parentBackupId: null });
    assert.equal(again.newChunks, 0);
  });
});
