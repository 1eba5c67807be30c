// A CBR backup and a byte-identical restore with the engine on a real S3 store (Ceph RGW via
// scripts/test-s3.sh), counting the S3 requests: the engine writes packs, so far fewer than one per chunk.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { openContext } from '../../src/context.js';
import { CHUNK_SIZE } from '../../src/engine/index.js';
import { type CountedS3Store, closeTestS3Clients, s3Skip, testS3Store } from '../support/s3.js';
import { type Harness, MiB, createVault } from './helpers.js';
import { startHarness } from './helpers.js';

let h: Harness;
let s3: CountedS3Store;
before(async () => {
  if (s3Skip.skip) return;
  s3 = testS3Store();
  h = await startHarness({ store: s3.store });
});
after(async () => {
  await h?.close();
  closeTestS3Clients();
});

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

test('CBR backup to S3 and byte-identical restore, with S3 requests per GB', s3Skip, async () => {
  const size = 48 * MiB;
  const vol = await h.volume('disk', size);
  const vault = await createVault(h, 'disk', [{ id: vol.id, type: 'OS::Cinder::Volume' }]);
  const original = fs.readFileSync(vol.path);

  s3.requests.clear();
  const cp = await h.req('POST', `/v3/${h.a.projectId}/checkpoints`, {
    body: { checkpoint: { vault_id: vault.id, parameters: {} } },
  });
  assert.equal(cp.status, 200, cp.body);
  await h.drain();
  const list = await h.req('GET', `/v3/${h.a.projectId}/backups?checkpoint_id=${cp.json.checkpoint.id}`);
  const [b] = list.json.backups;
  assert.equal(b.status, 'available', JSON.stringify(b));
  const backupRequests = total(s3.requests);
  const chunks = size / CHUNK_SIZE;
  const perGb = (backupRequests * 1024 * MiB) / size;
  console.log(
    `S3 requests for a ${size / MiB} MiB backup: ${backupRequests} (${JSON.stringify(Object.fromEntries(s3.requests))}), ` +
      `${chunks} chunks, ${perGb.toFixed(0)} requests per GiB`,
  );
  assert.ok(backupRequests < chunks, `${backupRequests} requests for ${chunks} chunks`);
  // Today the usage refresh after a backup lists the vault's whole prefix (1 page per 1000 objects) and the
  // first open of a vault lists its packs: a few pages here, growing with the vault (see CHANGELOG / notes).
  assert.ok((s3.requests.get('ListObjectsV2Command') ?? 0) <= 3);

  fs.writeFileSync(vol.path, Buffer.alloc(size, 3));
  s3.requests.clear();
  const rr = await h.req('POST', `/v3/${h.a.projectId}/backups/${b.id}/restore`, {
    body: { restore: { volume_id: vol.id } },
  });
  assert.equal(rr.status, 202, rr.body);
  await h.drain();
  assert.ok(fs.readFileSync(vol.path).equals(original), 'restored byte for byte from S3');
  console.log(
    `S3 requests for the restore: ${total(s3.requests)} (${JSON.stringify(Object.fromEntries(s3.requests))})`,
  );

  const v = await h.req('GET', `/v3/${h.a.projectId}/vaults/${vault.id}`);
  assert.ok(v.json.vault.billing.used >= 1, 'billing.used reflects stored bytes');
});

test('the composition root opens the engine on the bucket OPENCBR_OBJECT_STORE names', s3Skip, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opencbr-s3ctx-'));
  const probe = testS3Store();
  const config = loadConfig(
    {
      OPENCBR_DATA: dir,
      OPENCBR_OBJECT_STORE: `s3://${process.env.OPENCBR_TEST_S3_BUCKET}/${probe.prefix}`,
      OPENCBR_S3_ENDPOINT: process.env.OPENCBR_S3_ENDPOINT ?? '',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? '',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? '',
    },
    dir,
  );
  const ctx = await openContext(config, { log: pino({ level: 'silent' }), engine: true, engineWorkers: 0 });
  try {
    await ctx.engine!.vault('ctx-vault');
    const keys: string[] = [];
    for await (const o of probe.store.list('vaults/ctx-vault/')) keys.push(o.key);
    assert.ok(keys.length > 0, 'the vault key object is in the bucket under the configured prefix');
    assert.ok(!fs.existsSync(path.join(dir, 'objects', 'vaults')), 'nothing in the filesystem store');
  } finally {
    await ctx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
