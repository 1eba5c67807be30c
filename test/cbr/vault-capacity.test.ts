// Vault capacity over HTTP: billing.size refuses a checkpoint that would not fit (BackupService.6114) unless
// auto_expand grows the vault, a backup that finds the vault full at commit fails and keeps nothing, the
// threshold raises one operation-log event per crossing, and billing.used / the summary follow the store.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { runDuePolicies } from '../../src/services/policy-runs.js';
import { protocolDeps } from '../../src/services/protocol-deps.js';
import { type Harness, type J, MiB, startHarness } from './helpers.js';

let h: Harness;
let P: string;
const GiB = 1024 * MiB;

async function vault(name: string, size: number, extra: Record<string, unknown>, volId: string): Promise<J> {
  const r = await h.req('POST', `/v3/${P}/vaults`, {
    body: {
      vault: {
        name,
        billing: { consistent_level: 'crash_consistent', object_type: 'disk', protect_type: 'backup', size },
        resources: [{ id: volId, type: 'OS::Cinder::Volume' }],
        ...extra,
      },
    },
  });
  assert.equal(r.status, 200, r.body);
  return r.json.vault;
}
const checkpoint = (vaultId: string, incremental = true) =>
  h.req('POST', `/v3/${P}/checkpoints`, {
    body: { checkpoint: { vault_id: vaultId, parameters: { incremental } } },
  });
const show = async (id: string) => (await h.req('GET', `/v3/${P}/vaults/${id}`)).json.vault;
/** Pretends the store already holds `bytes` in the vault (the next refresh from the store replaces it). */
const setUsed = (id: string, bytes: number) =>
  h.ctx.db.updateTable('cbr_vaults').set({ used_bytes: bytes }).where('id', '=', id).execute();

describe('vault capacity', () => {
  before(async () => {
    h = await startHarness();
    P = h.a.projectId;
  });
  after(() => h.close());

  it('a checkpoint that would exceed billing.size is refused with 6114 (manual and policy run)', async () => {
    const vol = await h.volume('cap-full', MiB);
    const v = await vault('cap-full', 1, {}, vol.id);
    await setUsed(v.id, GiB - MiB / 2);
    const r = await checkpoint(v.id);
    assert.equal(r.status, 400, r.body);
    assert.equal(r.json.error_code, 'BackupService.6114');
    assert.match(r.json.error_msg as string, /Insufficient vault capacity/);
    assert.equal((await h.req('GET', `/v3/${P}/backups?vault_id=${v.id}`)).json.count, 0);
    const p = await h.req('POST', `/v3/${P}/policies`, {
      body: {
        policy: {
          name: 'cap',
          operation_type: 'backup',
          operation_definition: { max_backups: 3 },
          trigger: { properties: { pattern: ['FREQ=DAILY;BYHOUR=2;BYMINUTE=00'] } },
        },
      },
    });
    assert.equal(p.status, 200, p.body);
    const bind = await h.req('POST', `/v3/${P}/vaults/${v.id}/associatepolicy`, {
      body: { policy_id: p.json.policy.id },
    });
    assert.equal(bind.status, 200, bind.body);
    const run = (await runDuePolicies(protocolDeps(h.ctx), new Date(Date.now() + 86_400_000))).find(
      (x) => x.policyId === p.json.policy.id,
    );
    assert.ok(run, 'the slot ran');
    assert.equal(run.checkpointId, null);
    assert.match(run.error ?? '', /Insufficient vault capacity/);
    // With room again, the same checkpoint goes through.
    await setUsed(v.id, 0);
    assert.equal((await checkpoint(v.id)).status, 200);
    await h.drain();
  });

  it('auto_expand grows billing.size instead, visible in ShowVault', async () => {
    const vol = await h.volume('cap-grow', MiB);
    const v = await vault('cap-grow', 1, { auto_expand: true }, vol.id);
    await setUsed(v.id, GiB);
    const r = await checkpoint(v.id);
    assert.equal(r.status, 200, r.body);
    assert.equal((await show(v.id)).billing.size, 2);
    await h.drain();
    const [b] = (await h.req('GET', `/v3/${P}/backups?vault_id=${v.id}`)).json.backups as J[];
    assert.equal(b.status, 'available');
  });

  it('a backup that finds the vault full at commit fails with 6114 and keeps no data', async () => {
    const vol = await h.volume('cap-commit', 2 * MiB);
    const v = await vault('cap-commit', 1, {}, vol.id);
    assert.equal((await checkpoint(v.id)).status, 200);
    await h.drain();
    const used = (await show(v.id)).billing.used;
    // Shrink the vault behind the API's back to below what the next (full) backup will store.
    await h.ctx.db.updateTable('cbr_vaults').set({ size_gb: 0 }).where('id', '=', v.id).execute();
    await setUsed(v.id, 0);
    const r = await checkpoint(v.id, false);
    assert.equal(r.status, 400, r.body); // refused up front: a full backup is estimated at its size
    await h.ctx.db.updateTable('cbr_vaults').set({ size_gb: 0 }).where('id', '=', v.id).execute();
    const inc = await checkpoint(v.id, true); // incremental: estimated at nothing, caught at commit
    assert.equal(inc.status, 200, inc.body);
    await h.drain();
    const backups = (await h.req('GET', `/v3/${P}/backups?vault_id=${v.id}&sort=created_at:desc`)).json
      .backups as J[];
    const failed = backups.find((b) => b.status === 'error');
    assert.ok(failed, JSON.stringify(backups.map((b) => b.status)));
    const logs = (await h.req('GET', `/v3/${P}/operation-logs?vault_id=${v.id}&operation_type=backup`)).json
      .operation_logs as J[];
    const log = logs.find((l) => l.extra_info.backup?.backup_id === failed.id);
    assert.equal(log.status, 'failed');
    assert.equal(log.error_info.code, 'BackupService.6114');
    assert.match(log.error_info.message, /Insufficient vault capacity/);
    const ve = await h.ctx.engine!.vault(v.id);
    const held = (await ve.scanBackups()).backups.map((x) => x.backupId);
    assert.ok(!held.includes(failed.id), 'the failed backup left no manifest');
    await h.drain(); // the gc the failure queued
    assert.equal((await show(v.id)).billing.used, used);
  });

  it('threshold: one vault_threshold operation log per crossing', async () => {
    const vol = await h.volume('cap-thr', MiB);
    const v = await vault('cap-thr', 1, { threshold: 50 }, vol.id);
    const events = async () =>
      ((await h.req('GET', `/v3/${P}/operation-logs?vault_id=${v.id}`)).json.operation_logs as J[]).filter(
        (l) => l.operation_type === 'vault_threshold',
      );
    assert.equal((await checkpoint(v.id)).status, 200);
    await h.drain();
    assert.equal((await events()).length, 0, 'a small backup stays under 50%');
    await h.ctx.db.updateTable('cbr_vaults').set({ threshold: 1 }).where('id', '=', v.id).execute();
    fs.writeFileSync(vol.path, randomBytes(12 * MiB)); // the next backup stores over 1% of 1 GB
    assert.equal((await checkpoint(v.id, false)).status, 200);
    await h.drain();
    const first = await events();
    assert.equal(first.length, 1, JSON.stringify(first));
    assert.equal(first[0].status, 'success');
    assert.match(first[0].error_info.message, /threshold of 1%/);
    assert.equal((await checkpoint(v.id, false)).status, 200);
    await h.drain();
    assert.equal((await events()).length, 1, 'still above: no second event');
  });

  it('billing.used and the summary equal what the vault stores, after backups and deletes', async () => {
    const vol = await h.volume('cap-used', 3 * MiB);
    const v = await vault('cap-used', 10, {}, vol.id);
    for (let i = 0; i < 2; i++) {
      fs.writeFileSync(vol.path, randomBytes(3 * MiB)); // new content: nothing deduplicates
      assert.equal((await checkpoint(v.id, false)).status, 200);
      await h.drain();
    }
    const exact = async () => {
      const ve = await h.ctx.engine!.vault(v.id);
      const stored = (await ve.usage()).storedBytes;
      const backups = (await h.req('GET', `/v3/${P}/backups?vault_id=${v.id}`)).json.backups as J[];
      const shown = await show(v.id);
      assert.equal(shown.billing.used, Math.ceil(stored / MiB));
      // Each resource's backup_size is the sum of its backups' stored bytes; the store adds only its
      // manifests and the vault's key to that.
      const sum = shown.resources.reduce((a: number, r: J) => a + Number(r.backup_size), 0);
      assert.ok(sum <= stored && stored - sum < MiB, `${sum} vs ${stored}`);
      return { used: shown.billing.used, count: backups.length, stored };
    };
    const two = await exact();
    assert.equal(two.count, 2);
    const summary = async () => (await h.req('GET', `/v3/${P}/vaults/summary`)).json;
    const list = (await h.req('GET', `/v3/${P}/vaults`)).json.vaults as J[];
    const totalUsed = list.reduce((a, x) => a + x.billing.used, 0);
    const s = await summary();
    assert.ok(Math.abs(s.used_size - totalUsed) <= list.length, `${JSON.stringify(s)} vs ${totalUsed}`);
    const [b] = (await h.req('GET', `/v3/${P}/backups?vault_id=${v.id}`)).json.backups as J[];
    assert.equal((await h.req('DELETE', `/v3/${P}/backups/${b.id}`)).status, 204);
    await h.drain();
    const one = await exact();
    assert.equal(one.count, 1);
    assert.ok(one.used < two.used, `${one.used} < ${two.used}`);
  });
});
