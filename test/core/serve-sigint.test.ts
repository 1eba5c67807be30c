// Ctrl-C during a backup: `opencbr serve` stops in order and hands the running backup job back to the queue
// (queued, lease released, the attempt not counted) instead of failing it; after the next start the backup
// resumes, becomes available and restores byte-identical.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openCatalogDb } from '../../src/catalog/db.js';
import { tempDir } from '../iam/helpers.js';
import { diskVaultBody } from '../support/bodies.js';
import { type ServeChild, adminToken, startServe } from '../support/serve.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('SIGINT mid-backup hands the job back; after a restart the backup completes and restores byte-identical', async () => {
  const dir = tempDir('opencbr-sigint-');
  const vols = path.join(dir, 'vols');
  fs.mkdirSync(vols);
  const image = path.join(vols, 'big.img');
  // Random data (incompressible, no dedup) so that the backup is still running when the signal comes.
  const fd = fs.openSync(image, 'w');
  for (let i = 0; i < 8; i++) fs.writeSync(fd, randomBytes(16 * MiB));
  fs.closeSync(fd);
  const copy = path.join(vols, 'copy.img');
  fs.writeFileSync(copy, Buffer.alloc(0));
  fs.truncateSync(copy, 128 * MiB);
  const env = {
    OPENCBR_DATA: path.join(dir, 'data'),
    OPENCBR_VOLUME_ROOTS: vols,
    OPENCBR_ADMIN_PASSWORD: 'Sigint-pass-1',
    // Hand back at once rather than letting the job try to finish first.
    OPENCBR_JOB_STOP_GRACE_MS: '1',
  };

  let server: ServeChild = await startServe(env);
  try {
    const { token, projectId: pid } = await adminToken(server, 'Sigint-pass-1');
    const vol = await server.call('POST', `/opencbr/v1/${pid}/volumes`, token, {
      volume: { name: 'big', path: image },
    });
    assert.equal(vol.status, 200, vol.text);
    const target = await server.call('POST', `/opencbr/v1/${pid}/volumes`, token, {
      volume: { name: 'copy', path: copy },
    });
    assert.equal(target.status, 200, target.text);
    const vault = await server.call(
      'POST',
      `/v3/${pid}/vaults`,
      token,
      diskVaultBody('sigint', [vol.json.volume.id]),
    );
    assert.equal(vault.status, 200, vault.text);
    const cp = await server.call('POST', `/v3/${pid}/checkpoints`, token, {
      checkpoint: { vault_id: vault.json.vault.id },
    });
    assert.equal(cp.status, 200, cp.text);

    const db = await openCatalogDb(path.join(dir, 'data', 'catalog.sqlite'));
    try {
      await until('the backup job to run', 20_000, async () => {
        const running = await db.selectFrom('jobs').select('id').where('status', '=', 'running').execute();
        return running.length > 0 ? true : undefined;
      });
      await sleep(100);
      assert.equal(await server.stop('SIGINT'), 0, server.stderr());
      const jobs = await db.selectFrom('jobs').selectAll().where('kind', '=', 'backup').execute();
      assert.equal(jobs.length, 1);
      assert.equal(jobs[0]!.status, 'queued', `handed back, not failed: ${jobs[0]!.error}`);
      assert.equal(jobs[0]!.attempts, 0);
      assert.equal(jobs[0]!.lease_owner, null);
      const b = await db.selectFrom('cbr_backups').select(['status', 'fail_reason']).execute();
      assert.deepEqual(b, [{ status: 'protecting', fail_reason: null }]);
    } finally {
      await db.destroy();
    }

    server = await startServe(env);
    const cpId = cp.json.checkpoint.id as string;
    const backup = await until('the resumed backup', 180_000, async () => {
      const l = await server.call('GET', `/v3/${pid}/backups?checkpoint_id=${cpId}`, token);
      const b = l.json.backups[0];
      assert.notEqual(b?.status, 'error', l.text);
      return b?.status === 'available' ? b : undefined;
    });
    const restore = await server.call('POST', `/v3/${pid}/backups/${backup.id}/restore`, token, {
      restore: { volume_id: target.json.volume.id },
    });
    assert.equal(restore.status, 202, restore.text);
    await until('the restore', 180_000, async () => {
      const ops = await server.call('GET', `/v3/${pid}/operation-logs?operation_type=restore`, token);
      const o = ops.json.operation_logs[0];
      assert.notEqual(o?.status, 'failed', ops.text);
      return o?.status === 'success' ? true : undefined;
    });
    assert.equal(sha(copy), sha(image), 'the restored disk is byte-identical');
  } finally {
    await server.stop('SIGTERM');
  }
});
