import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { VaultEngine } from '../../src/engine/index.js';
import { makeVolume } from '../../src/engine/testing/volume-generator.js';
import { type Sandbox, sandbox, sha256File, writeVolume } from './helpers.js';

const TTL = 1500;

function childScript(): { script: string; args: string[] } {
  const js = fileURLToPath(new URL('./fixtures/backup-child.js', import.meta.url));
  if (existsSync(js)) return { script: js, args: [] };
  return {
    script: fileURLToPath(new URL('./fixtures/backup-child.ts', import.meta.url)),
    args: ['--import', 'tsx'],
  };
}

/** Starts a backup in a child process and SIGKILLs it once `fraction` of the volume is done. */
function killMidway(
  sb: Sandbox,
  vaultId: string,
  backupId: string,
  source: string,
  fraction: number,
): Promise<string> {
  const { script, args } = childScript();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...args, script, sb.storeDir, sb.keyFile, sb.path('state'), vaultId, backupId, source, String(TTL)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let buf = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const m = /^progress (\d+) (\d+)$/.exec(l);
        if (!killed && m && Number(m[1]) >= fraction * Number(m[2])) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(signal ?? `exit ${code}`));
  });
}

/** Objects under `dir` (a put interrupted by the kill may leave a temp file: not an object, reclaimed by age). */
function countObjects(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true }))
    n += e.isDirectory() ? countObjects(join(dir, e.name)) : e.name.endsWith('.obj') ? 1 : 0;
  return n;
}

describe('crash safety and garbage collection', () => {
  let sb: Sandbox;
  let vault: VaultEngine;
  before(async () => {
    sb = sandbox();
    vault = await (await sb.engine({ leaseTtlMs: TTL })).vault('crash');
  });
  after(() => sb.cleanup());

  it('kill -9 mid-backup: earlier backups intact, nothing half-visible, gc reclaims the leftovers', async () => {
    await writeVolume(sb.path('small.img'), 3_000_000, 'mixed');
    await vault.backup({ backupId: 'before', source: sb.path('small.img') });
    const usageBefore = await vault.usage();
    await makeVolume(sb.path('big.img'), 96, 5);
    const how = await killMidway(sb, 'crash', 'killed', sb.path('big.img'), 0.85);
    assert.equal(how, 'SIGKILL');
    // Straight after the kill, while the dead child's lease is still fresh: gc condemns but must not delete yet.
    const early = await vault.gc();
    assert.equal(early.deletedObjects, 0);
    assert.ok(early.pendingObjects > 0);
    assert.ok(
      (await vault.usage()).storedBytes > usageBefore.storedBytes + 1_000_000,
      'the child had written packs',
    );
    assert.deepEqual(
      (await vault.listBackups()).map((b) => b.backupId),
      ['before'],
    );
    await assert.rejects(vault.restore({ backupId: 'killed', target: sb.path('k.out') }), {
      name: 'NotFoundError',
    });
    await vault.restore({ backupId: 'before', target: sb.path('before.out') });
    assert.equal(sha256File(sb.path('before.out')), sha256File(sb.path('small.img')));

    await new Promise((r) => setTimeout(r, TTL + 300));
    const gc = await vault.gc();
    assert.ok(gc.deletedObjects > 0);
    assert.equal(gc.pendingObjects, 0);
    const usageAfter = await vault.usage();
    assert.equal(usageAfter.storedBytes, usageBefore.storedBytes, 'exactly the committed data is left');
    assert.equal(countObjects(join(sb.storeDir, 'vaults', 'crash', 'leases')), 0);
    assert.equal((await vault.verify('before')).ok, true);
  });

  it('gc removes the temp files of puts a crash cut short, once they are a lease TTL old', async () => {
    const { mkdirSync, utimesSync, writeFileSync } = await import('node:fs');
    const dir = join(sb.storeDir, 'vaults', 'crash', 'packs', 'ff');
    mkdirSync(dir, { recursive: true });
    const old = join(dir, 'ff00.obj.0123456789ab.tmp');
    const young = join(dir, 'ff01.obj.ba9876543210.tmp');
    writeFileSync(old, Buffer.alloc(8192, 1)); // what a killed put leaves: created, never renamed
    writeFileSync(young, Buffer.alloc(8192, 2)); // a put that may still be running
    const past = new Date(Date.now() - TTL - 1000);
    utimesSync(old, past, past);
    const gc = await vault.gc();
    assert.equal(gc.interruptedPutsRemoved, 1);
    assert.equal(existsSync(old), false);
    assert.equal(existsSync(young), true);
    const later = new Date(Date.now() - TTL - 1000);
    utimesSync(young, later, later);
    assert.equal((await vault.gc()).interruptedPutsRemoved, 1);
    assert.equal(existsSync(young), false);
    assert.equal((await vault.verify('before')).ok, true);
  });

  it('gc while a backup runs deletes nothing that backup needs', async () => {
    await makeVolume(sb.path('g1.img'), 48, 11);
    await vault.backup({ backupId: 'g1', source: sb.path('g1.img') });
    await vault.deleteBackup('g1'); // its chunks are now garbage...
    // ...but a backup of the same data starts, deduplicating against them, while gc runs.
    const running = vault.backup({ backupId: 'g2', source: sb.path('g1.img') });
    await new Promise((r) => setTimeout(r, 30));
    const gc1 = await vault.gc();
    const stats = await running;
    const gc2 = await vault.gc();
    assert.ok(
      gc1.deletedObjects === 0 || stats.newChunks > 0,
      'either gc waited or the backup rewrote the chunks',
    );
    assert.ok(gc2.deletedObjects >= 0);
    await vault.restore({ backupId: 'g2', target: sb.path('g2.out') });
    assert.equal(sha256File(sb.path('g2.out')), sha256File(sb.path('g1.img')));
    assert.equal((await vault.verify('g2')).ok, true);
  });

  it('a backup that starts after gc condemned its parent data rewrites it instead of referencing it', async () => {
    await writeVolume(sb.path('p.img'), 2_500_000, 'random');
    await vault.backup({ backupId: 'p1', source: sb.path('p.img') });
    await vault.deleteBackup('p1');
    // A reader holds a lease, so gc can only condemn.
    await vault.backup({ backupId: 'hold', source: sb.path('small.img') });
    const reading = vault.verify('hold');
    const gc1 = await vault.gc();
    await reading;
    const s = await vault.backup({ backupId: 'p2', source: sb.path('p.img') });
    if (gc1.pendingObjects > 0) assert.ok(s.newChunks > 0, 'condemned chunks were written again');
    await vault.gc();
    await vault.gc();
    await vault.restore({ backupId: 'p2', target: sb.path('p2.out') });
    assert.equal(sha256File(sb.path('p2.out')), sha256File(sb.path('p.img')));
  });

  it('gc repacks mostly-dead packs: space comes back, the surviving backup still restores', async () => {
    const v2 = await (await sb.engine({ leaseTtlMs: TTL })).vault('repack');
    await writeVolume(sb.path('r1.img'), 160 * 65536, 'random');
    await v2.backup({ backupId: 'r1', source: sb.path('r1.img') });
    // r2 keeps a quarter of r1's chunks and replaces the rest.
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const { randomBytes } = await import('node:crypto');
    const { copyFileSync } = await import('node:fs');
    copyFileSync(sb.path('r1.img'), sb.path('r2.img'));
    const fd = openSync(sb.path('r2.img'), 'r+');
    for (let c = 0; c < 160; c++) if (c % 4 !== 0) writeSync(fd, randomBytes(65536), 0, 65536, c * 65536);
    closeSync(fd);
    await v2.backup({ backupId: 'r2', source: sb.path('r2.img'), parentBackupId: 'r1' });
    const before = await v2.usage();
    await v2.deleteBackup('r1');
    const gc = await v2.gc();
    assert.ok(gc.repackedPacks >= 1, 'the packs of r1 are 75 % dead');
    assert.ok(gc.deletedObjects >= 2);
    const after = await v2.usage();
    assert.ok(
      after.storedBytes < before.storedBytes - 6 * 1024 * 1024,
      `${before.storedBytes} -> ${after.storedBytes}`,
    );
    await v2.restore({ backupId: 'r2', target: sb.path('r2.out') });
    assert.equal(sha256File(sb.path('r2.out')), sha256File(sb.path('r2.img')));
    assert.equal((await v2.verify('r2')).ok, true);
    // A fresh index (another node, or lost state) finds the moved chunks from the packs alone.
    const v3 = await (await sb.engine({ leaseTtlMs: TTL, stateDir: sb.path('state-fresh') })).vault('repack');
    await v3.restore({ backupId: 'r2', target: sb.path('r2b.out') });
    assert.equal(sha256File(sb.path('r2b.out')), sha256File(sb.path('r2.img')));
    assert.equal((await v2.gc()).repackedPacks, 0);
  });
});
