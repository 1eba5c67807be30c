// Verify through the API and the CLI: POST /opencbr/v1/{project}/backups/{id}/verify runs a durable job; its
// operation log says "all N bytes verified" or names each bad region by disk, byte offset and length; a server
// backup verifies each disk; `opencbr backup verify` prints the regions and exits non-zero when there are any.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CHUNK_SIZE } from '../../src/engine/index.js';
import { type Harness, type J, MiB, createVault, startHarness } from '../cbr/helpers.js';
import { cli, filesByAge, flipByte } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

async function backUp(vaultId: string): Promise<J> {
  const r = await h.req('POST', `/v3/${h.a.projectId}/checkpoints`, {
    body: { checkpoint: { vault_id: vaultId } },
  });
  assert.equal(r.status, 200, r.body);
  await h.drain();
  const list = await h.req('GET', `/v3/${h.a.projectId}/backups?checkpoint_id=${r.json.checkpoint.id}`);
  const b = list.json.backups[0];
  assert.equal(b.status, 'available');
  return b;
}

async function verify(backupId: string): Promise<J> {
  const r = await h.req('POST', `/opencbr/v1/${h.a.projectId}/backups/${backupId}/verify`);
  assert.equal(r.status, 202, r.body);
  assert.match(r.json.operation_log_id, /^[0-9a-f-]{36}$/);
  assert.equal((await h.ctx.jobs.get(r.json.job_id))?.kind, 'verify');
  await h.drain();
  const log = await h.req('GET', `/opencbr/v1/${h.a.projectId}/operation-logs/${r.json.operation_log_id}`);
  assert.equal(log.status, 200, log.body);
  assert.equal(log.json.operation_log.operation_type, 'verify');
  return log.json.operation_log;
}

/** A raw (random) chunk's blob is 64 KiB + 28 bytes; blobs lie back to back in volume order. */
const insideChunk = (i: number) => i * (CHUNK_SIZE + 28) + 100;

test('verify a volume backup: all bytes verified, then a flipped byte named by offset and length', async () => {
  const vol = await h.volume('ver-vol', 1 * MiB);
  const vault = await createVault(h, 'disk', [{ id: vol.id, type: 'OS::Cinder::Volume' }], 'ver-disk');
  const b = await backUp(vault.id);

  const ok = await verify(b.id);
  assert.equal(ok.status, 'success');
  assert.equal(ok.extra_info.common.progress, 100);
  assert.equal(ok.extra_info.verify.summary, `all ${MiB} bytes verified`);
  assert.equal(ok.extra_info.verify.verified_bytes, MiB);
  assert.deepEqual(ok.extra_info.verify.disks[0].bad_regions, []);

  const [pack] = filesByAge(join(h.dir, 'objects', 'vaults', vault.id, 'packs'));
  flipByte(pack!, insideChunk(5));
  const bad = await verify(b.id);
  assert.equal(bad.status, 'failed');
  assert.equal(bad.error_info.code, 'OpenCBR.VerifyFailed');
  assert.deepEqual(bad.extra_info.verify.disks[0].bad_regions, [
    { offset: 5 * CHUNK_SIZE, length: CHUNK_SIZE, reason: 'authentication tag mismatch' },
  ]);
  assert.equal(bad.extra_info.verify.verified_bytes, MiB - CHUNK_SIZE);
  assert.match(bad.error_info.message, new RegExp(`${CHUNK_SIZE} bytes at offset ${5 * CHUNK_SIZE}`));

  // CBR's own operation-log listing still answers with the verify logs in it.
  const cbr = await h.req('GET', `/v3/${h.a.projectId}/operation-logs`);
  assert.equal(cbr.status, 200, cbr.body);
  assert.ok(cbr.json.operation_logs.some((l: J) => l.operation_type === 'verify'));
});

test('a server backup verifies each disk; the CLI prints the bad region and exits 1', async () => {
  const sys = await h.volume('ver-sys', 1 * MiB);
  const data = await h.volume('ver-data', 1 * MiB);
  const srv = await h.server('ver-srv', [sys.id, data.id]);
  const vault = await createVault(h, 'server', [{ id: srv.id, type: 'OS::Nova::Server' }], 'ver-server');
  const b = await backUp(vault.id);
  const ok = await verify(b.id);
  assert.equal(ok.status, 'success', JSON.stringify(ok));
  assert.equal(ok.extra_info.verify.disks.length, 2);
  assert.equal(ok.extra_info.verify.summary, `all ${2 * MiB} bytes verified`);

  // The disks are backed up in order: the newer pack is the data disk's.
  const packs = filesByAge(join(h.dir, 'objects', 'vaults', vault.id, 'packs'));
  assert.equal(packs.length, 2);
  flipByte(packs[1]!, insideChunk(3));
  const bad = await verify(b.id);
  assert.equal(bad.status, 'failed');
  const [d0, d1] = bad.extra_info.verify.disks;
  assert.equal(d0.resource_id, sys.id);
  assert.deepEqual(d0.bad_regions, []);
  assert.equal(d0.verified_bytes, MiB);
  assert.equal(d1.resource_id, data.id);
  assert.deepEqual(d1.bad_regions, [
    { offset: 3 * CHUNK_SIZE, length: CHUNK_SIZE, reason: 'authentication tag mismatch' },
  ]);

  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
  const env = {
    OPENCBR_URL: url,
    OPENCBR_USER: 'admin',
    OPENCBR_PASSWORD: 'Admin-pass-1',
    OPENCBR_PROJECT: 'admin',
  };
  const run = cli(env, 'backup', 'verify', b.id);
  const r = await run;
  assert.equal(r.code, 1, r.err + r.out);
  assert.match(r.out, new RegExp(`${3 * CHUNK_SIZE}`));
  assert.match(r.out, /authentication tag mismatch/);
  assert.match(r.out, /ver-data/);

  flipByte(packs[1]!, insideChunk(3)); // flipped back: intact again
  const good = await cli(env, '--json', 'backup', 'verify', b.id);
  assert.equal(good.code, 0, good.err + good.out);
  assert.equal(JSON.parse(good.out).extra_info.verify.summary, `all ${2 * MiB} bytes verified`);
});

test('verify of an unknown backup is a CBR 404; the API lists the route in /openapi.json', async () => {
  const r = await h.req(
    'POST',
    `/opencbr/v1/${h.a.projectId}/backups/f0000000-0000-4000-8000-000000000000/verify`,
  );
  assert.equal(r.status, 404);
  assert.equal(r.json.error_code, 'BackupService.6200');
  const other = await h.req('POST', `/opencbr/v1/${h.a.projectId}/backups/x/verify`, { token: h.b.token });
  assert.equal(other.status, 403);
  const doc = await h.req('GET', '/openapi.json', { token: null });
  assert.ok(doc.json.paths['/opencbr/v1/{project_id}/backups/{backup_id}/verify']);
  assert.ok(doc.json.paths['/opencbr/v1/{project_id}/operation-logs/{operation_log_id}']);
});
