// End to end: `opencbr serve` is SIGKILLed in the middle of a backup job; after a restart nothing is left
// `protecting`, the interrupted backup is `error` with a reason, and the next backup works.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openCatalogDb } from '../../src/catalog/db.js';
import { type J, tempDir } from '../iam/helpers.js';
import { diskVaultBody } from '../support/bodies.js';
import { adminToken, startServe } from '../support/serve.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('SIGKILL during a backup: after restart the backup is error, not protecting; the next one succeeds', async () => {
  const dir = tempDir('opencbr-serve-crash-');
  const vols = path.join(dir, 'vols');
  fs.mkdirSync(vols);
  const image = path.join(vols, 'big.img');
  // Random data (incompressible, no dedup) so that the backup takes a while.
  const fd = fs.openSync(image, 'w');
  for (let i = 0; i < 12; i++) fs.writeSync(fd, randomBytes(16 * 1024 * 1024));
  fs.closeSync(fd);
  const env = {
    OPENCBR_DATA: path.join(dir, 'data'),
    OPENCBR_VOLUME_ROOTS: vols,
    OPENCBR_ADMIN_PASSWORD: 'Crash-pass-1',
  };

  let server = await startServe(env);
  try {
    const call = (method: string, url: string, token: string | null, body?: unknown) =>
      server.call(method, url, token, body);
    const { token, projectId: pid } = await adminToken(server, 'Crash-pass-1');
    const vol = await call('POST', `/opencbr/v1/${pid}/volumes`, token, {
      volume: { name: 'big', path: image },
    });
    assert.equal(vol.status, 200, vol.text);
    const vault = await call(
      'POST',
      `/v3/${pid}/vaults`,
      token,
      diskVaultBody('crash', [vol.json.volume.id]),
    );
    assert.equal(vault.status, 200, vault.text);
    const vaultId = vault.json.vault.id as string;
    const cp = await call('POST', `/v3/${pid}/checkpoints`, token, { checkpoint: { vault_id: vaultId } });
    assert.equal(cp.status, 200, cp.text);

    // Wait until the backup job is running, let it work a little, then kill the process outright.
    const db = await openCatalogDb(path.join(dir, 'data', 'catalog.sqlite'));
    try {
      const end = Date.now() + 20_000;
      for (;;) {
        const running = await db.selectFrom('jobs').select('id').where('status', '=', 'running').execute();
        if (running.length > 0) break;
        if (Date.now() > end) throw new Error('the backup job never started');
        await sleep(10);
      }
      await sleep(50);
      await server.stop('SIGKILL');
      const left = await db.selectFrom('jobs').select(['status']).execute();
      assert.deepEqual(
        left.map((j) => j.status),
        ['running'],
        'the process died in the middle of the job',
      );
    } finally {
      await db.destroy();
    }

    server = await startServe(env);
    const list = await call('GET', `/v3/${pid}/backups?vault_id=${vaultId}`, token);
    assert.equal(list.status, 200, 'the token survived the restart');
    const backups = list.json.backups as J[];
    assert.equal(backups.length, 1);
    assert.equal(backups[0].status, 'error');
    assert.match(String(backups[0].extend_info.fail_reason), /interrupted/);
    const ops = await call('GET', `/v3/${pid}/operation-logs`, token);
    assert.equal(ops.status, 200, ops.text);
    assert.ok(
      (ops.json.operation_logs as J[]).every((o) => o.status !== 'running' && o.status !== 'waiting'),
      ops.text,
    );

    // The service is healthy: a new backup of the same volume completes.
    const cp2 = await call('POST', `/v3/${pid}/checkpoints`, token, { checkpoint: { vault_id: vaultId } });
    assert.equal(cp2.status, 200, cp2.text);
    const end = Date.now() + 120_000;
    for (;;) {
      const l = await call('GET', `/v3/${pid}/backups?checkpoint_id=${cp2.json.checkpoint.id}`, token);
      const st = l.json.backups[0]?.status;
      if (st === 'available') break;
      assert.notEqual(st, 'error', l.text);
      if (Date.now() > end) throw new Error(`second backup stuck in ${st}`);
      await sleep(200);
    }
  } finally {
    await server.stop('SIGTERM');
  }
});
