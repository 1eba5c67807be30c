// A small stored world for bad-input tests: in project A a disk vault with a disk backup, a server vault with
// a server backup (and its disk backups); in project B a volume, a vault and a backup of the volume (ids of
// another project).
import assert from 'node:assert/strict';
import { type Harness, type J, createVault, startHarness } from '../cbr/helpers.js';
import { diskVaultBody } from '../support/bodies.js';

export interface World {
  h: Harness;
  /** Request body limit of this harness (small, so an oversized body is cheap to send). */
  bodyLimit: number;
  a: {
    volumeId: string;
    serverVolumeId: string;
    serverId: string;
    diskVaultId: string;
    serverVaultId: string;
    checkpointId: string;
    diskBackupId: string;
    serverBackupId: string;
    /** A disk backup inside the server backup. */
    childBackupId: string;
    operationLogId: string;
  };
  b: { volumeId: string; vaultId: string; checkpointId: string; backupId: string; operationLogId: string };
}

const BODY_LIMIT = 64 * 1024;

async function checkpoint(h: Harness, vaultId: string): Promise<J> {
  const r = await h.req('POST', `/v3/${h.a.projectId}/checkpoints`, {
    body: { checkpoint: { vault_id: vaultId } },
  });
  assert.equal(r.status, 200, r.body);
  return r.json.checkpoint;
}

export async function startWorld(): Promise<World> {
  const h = await startHarness({ env: { OPENCBR_BODY_LIMIT: String(BODY_LIMIT) } });
  const pa = h.a.projectId;
  const vol = await h.volume('fuzz-disk', 256 * 1024);
  const sysVol = await h.volume('fuzz-sys', 256 * 1024);
  const srv = await h.server('fuzz-host', [sysVol.id]);
  const diskVault = await createVault(h, 'disk', [{ id: vol.id, type: 'OS::Cinder::Volume' }], 'fuzz-disk');
  const serverVault = await createVault(
    h,
    'server',
    [{ id: srv.id, type: 'OS::Nova::Server' }],
    'fuzz-server',
  );
  const cp = await checkpoint(h, diskVault.id);
  await checkpoint(h, serverVault.id);
  await h.drain();
  const backups = (await h.req('GET', `/v3/${pa}/backups`)).json.backups as J[];
  const diskBackup = backups.find(
    (b) => b.checkpoint_id === cp.id && b.resource_type === 'OS::Cinder::Volume',
  );
  const serverBackup = backups.find((b) => b.resource_type === 'OS::Nova::Server');
  assert.ok(diskBackup && serverBackup, JSON.stringify(backups));
  const children = await h.req('GET', `/v3/${pa}/backups?parent_id=${serverBackup.id}`);
  const child = (children.json?.backups as J[] | undefined)?.[0];
  assert.ok(child, 'the server backup has a disk backup');
  const logs = (await h.req('GET', `/v3/${pa}/operation-logs`)).json.operation_logs as J[];
  assert.ok(logs.length > 0);

  const pb = h.b.projectId;
  const bPath = `${h.volumeRoot}/fuzz-b.img`;
  (await import('node:fs')).writeFileSync(bPath, Buffer.alloc(64 * 1024, 1));
  const bv = await h.req('POST', `/opencbr/v1/${pb}/volumes`, {
    token: h.b.token,
    body: { volume: { name: 'fuzz-b', path: bPath } },
  });
  assert.equal(bv.status, 200, bv.body);
  const bVault = await h.req('POST', `/v3/${pb}/vaults`, {
    token: h.b.token,
    body: diskVaultBody('fuzz-b', [bv.json.volume.id]),
  });
  assert.equal(bVault.status, 200, bVault.body);
  const bCp = await h.req('POST', `/v3/${pb}/checkpoints`, {
    token: h.b.token,
    body: { checkpoint: { vault_id: bVault.json.vault.id } },
  });
  assert.equal(bCp.status, 200, bCp.body);
  await h.drain();
  const bBackups = (await h.req('GET', `/v3/${pb}/backups`, { token: h.b.token })).json.backups as J[];
  const bLogs = (await h.req('GET', `/v3/${pb}/operation-logs`, { token: h.b.token })).json
    .operation_logs as J[];
  assert.ok(bBackups.length === 1 && bLogs.length > 0);
  return {
    h,
    bodyLimit: BODY_LIMIT,
    a: {
      volumeId: vol.id,
      serverVolumeId: sysVol.id,
      serverId: srv.id,
      diskVaultId: diskVault.id,
      serverVaultId: serverVault.id,
      checkpointId: cp.id,
      diskBackupId: diskBackup.id,
      serverBackupId: serverBackup.id,
      childBackupId: child.id,
      operationLogId: logs[0].id,
    },
    b: {
      volumeId: bv.json.volume.id,
      vaultId: bVault.json.vault.id,
      checkpointId: bCp.json.checkpoint.id,
      backupId: bBackups[0].id,
      operationLogId: bLogs[0].id,
    },
  };
}
