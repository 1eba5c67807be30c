// Vault lock: in a locked vault no backup is deleted before its expiry, through any protocol or the vault's own
// delete, and the lock cannot be removed; past its expiry a backup goes as usual.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runDuePolicies } from '../../src/services/policy-runs.js';
import { protocolDeps } from '../../src/services/protocol-deps.js';
import { type Harness, type J, MiB, startHarness } from './helpers.js';

let h: Harness;
let P: string;

describe('vault lock', () => {
  let vaultId: string;
  let backupId: string;
  before(async () => {
    h = await startHarness();
    P = h.a.projectId;
    const vol = await h.volume('locked-disk', MiB);
    const r = await h.req('POST', `/v3/${P}/vaults`, {
      body: {
        vault: {
          name: 'locked',
          locked: true,
          billing: {
            consistent_level: 'crash_consistent',
            object_type: 'disk',
            protect_type: 'backup',
            size: 10,
          },
          resources: [{ id: vol.id, type: 'OS::Cinder::Volume' }],
        },
      },
    });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.vault.locked, true);
    vaultId = r.json.vault.id;
    const cp = await h.req('POST', `/v3/${P}/checkpoints`, {
      body: { checkpoint: { vault_id: vaultId, parameters: { name: 'kept' } } },
    });
    assert.equal(cp.status, 200, cp.body);
    await h.drain();
    backupId = (await h.req('GET', `/v3/${P}/backups?vault_id=${vaultId}`)).json.backups[0].id;
  });
  after(() => h.close());

  const status = async () => (await h.req('GET', `/v3/${P}/backups/${backupId}`)).json.backup.status;

  it('a backup with no expiry is refused on every delete path, and stays available', async () => {
    const cbr = await h.req('DELETE', `/v3/${P}/backups/${backupId}`);
    assert.equal(cbr.status, 400, cbr.body);
    assert.equal(cbr.json.error_code, 'BackupService.6220');
    const cinder = await h.req('DELETE', `/volume/v3/${P}/backups/${backupId}`);
    assert.equal(cinder.status, 400, cinder.body);
    assert.ok(cinder.json.badRequest, cinder.body);
    assert.match(cinder.body, /locked/);
    const force = await h.req('POST', `/volume/v3/${P}/backups/${backupId}/action`, {
      body: { 'os-force_delete': {} },
    });
    assert.equal(force.status, 400, force.body);
    assert.match(force.body, /locked/);
    const vault = await h.req('DELETE', `/v3/${P}/vaults/${vaultId}`);
    assert.equal(vault.status, 400, vault.body);
    assert.equal(vault.json.error_code, 'BackupService.6220');
    const unlock = await h.req('PUT', `/v3/${P}/vaults/${vaultId}`, { body: { vault: { locked: false } } });
    assert.equal(unlock.status, 400, unlock.body);
    await h.drain();
    assert.equal(await status(), 'available');
    assert.equal((await h.req('GET', `/v3/${P}/vaults/${vaultId}`)).json.vault.locked, true);
  });

  it('before its expiry still refused; past it, deleted as usual', async () => {
    const set = (at: string) =>
      h.ctx.db.updateTable('cbr_backups').set({ expired_at: at }).where('id', '=', backupId).execute();
    await set('2999-01-01T00:00:00.000000Z');
    const early = await h.req('DELETE', `/v3/${P}/backups/${backupId}`);
    assert.equal(early.status, 400, early.body);
    assert.match(early.json.error_msg as string, /kept until 2999/);
    await set('2000-01-01T00:00:00.000000Z');
    const late = await h.req('DELETE', `/v3/${P}/backups/${backupId}`);
    assert.equal(late.status, 204, late.body);
    await h.drain();
    const gone = (await h.req('GET', `/v3/${P}/backups?vault_id=${vaultId}`)).json.backups as J[];
    assert.equal(gone.length, 0);
  });
});

describe('vault lock: retention may be lengthened, never shortened', () => {
  let h2: Harness;
  let Q: string;
  const policy = async (name: string, def: Record<string, unknown>): Promise<J> => {
    const r = await h2.req('POST', `/v3/${Q}/policies`, {
      body: {
        policy: {
          name,
          operation_type: 'backup',
          operation_definition: def,
          trigger: { properties: { pattern: ['FREQ=DAILY;BYHOUR=2;BYMINUTE=00'] } },
        },
      },
    });
    assert.equal(r.status, 200, r.body);
    return r.json.policy;
  };
  const vault = async (name: string, locked: boolean, policyId?: string): Promise<J> => {
    const r = await h2.req('POST', `/v3/${Q}/vaults`, {
      body: {
        vault: {
          name,
          locked,
          ...(policyId ? { backup_policy_id: policyId } : {}),
          billing: {
            consistent_level: 'crash_consistent',
            object_type: 'disk',
            protect_type: 'backup',
            size: 10,
          },
          resources: [],
        },
      },
    });
    assert.equal(r.status, 200, r.body);
    return r.json.vault;
  };
  const update = (id: string, def: Record<string, unknown>) =>
    h2.req('PUT', `/v3/${Q}/policies/${id}`, { body: { policy: { operation_definition: def } } });
  const definition = async (id: string) =>
    (await h2.req('GET', `/v3/${Q}/policies/${id}`)).json.policy.operation_definition;

  before(async () => {
    h2 = await startHarness();
    Q = h2.a.projectId;
  });
  after(() => h2.close());

  it('UpdatePolicy of a policy bound to a locked vault: shorter refused with 6127, longer accepted', async () => {
    const p = await policy('days30', { retention_duration_days: 30 });
    await vault('locked-days', true, p.id);
    const refusals: Array<[Record<string, unknown>, RegExp]> = [
      [{ retention_duration_days: 29 }, /retention_duration_days 29 is shorter than 30/],
      [{ max_backups: 100 }, /max_backups 100/],
    ];
    for (const [def, why] of refusals) {
      const r = await update(p.id, def);
      assert.equal(r.status, 400, r.body);
      assert.equal(r.json.error_code, 'BackupService.6127');
      assert.match(r.json.error_msg as string, /locked/);
      assert.match(r.json.error_msg as string, why);
      assert.equal((await definition(p.id)).retention_duration_days, 30);
    }
    const longer = await update(p.id, { retention_duration_days: 31 });
    assert.equal(longer.status, 200, longer.body);
    assert.equal((await definition(p.id)).retention_duration_days, 31);
    const forever = await update(p.id, { retention_duration_days: -1 });
    assert.equal(forever.status, 200, forever.body);
    // From "keep forever", any expiring rule shortens.
    const back = await update(p.id, { retention_duration_days: 365 });
    assert.equal(back.status, 400, back.body);
    assert.equal(back.json.error_code, 'BackupService.6127');
  });

  it('count and long-term rules: fewer refused, more or a new time zone without long-term rules accepted', async () => {
    const p = await policy('gfs', {
      max_backups: 10,
      day_backups: 7,
      week_backups: 4,
      timezone: 'UTC+08:00',
    });
    await vault('locked-gfs', true, p.id);
    const tz = 'UTC+08:00';
    for (const def of [
      { max_backups: 9, day_backups: 7, week_backups: 4, timezone: tz },
      { max_backups: 10, day_backups: 6, week_backups: 4, timezone: tz },
      { max_backups: 10, day_backups: 7, timezone: tz },
      { max_backups: 10, day_backups: 7, week_backups: 4, timezone: 'UTC+01:00' },
    ]) {
      const r = await update(p.id, def);
      assert.equal(r.status, 400, `${JSON.stringify(def)}: ${r.body}`);
      assert.equal(r.json.error_code, 'BackupService.6127');
    }
    const more = await update(p.id, {
      max_backups: 20,
      day_backups: 7,
      week_backups: 5,
      month_backups: 3,
      timezone: tz,
    });
    assert.equal(more.status, 200, more.body);
    // Long-term rules alone expire nothing: always allowed.
    const keepOnly = await update(p.id, { day_backups: 1, timezone: 'UTC+00:00' });
    assert.equal(keepOnly.status, 200, keepOnly.body);
  });

  it('the same updates on an unlocked vault are accepted', async () => {
    const p = await policy('open', { retention_duration_days: 30 });
    await vault('open-vault', false, p.id);
    const r = await update(p.id, { retention_duration_days: 1 });
    assert.equal(r.status, 200, r.body);
  });

  it('AssociateVaultPolicy: a shorter policy refused on a locked vault, a longer one accepted; unbinding allowed', async () => {
    const long = await policy('long', { retention_duration_days: 90 });
    const short = await policy('short', { retention_duration_days: 7 });
    const longer = await policy('longer', { retention_duration_days: 120 });
    const v = await vault('locked-bind', true, long.id);
    const bind = (id: string) =>
      h2.req('POST', `/v3/${Q}/vaults/${v.id}/associatepolicy`, { body: { policy_id: id } });
    const refused = await bind(short.id);
    assert.equal(refused.status, 400, refused.body);
    assert.equal(refused.json.error_code, 'BackupService.6127');
    assert.match(refused.json.error_msg as string, /retention_duration_days 7 is shorter than 90/);
    const shown = async () => (await h2.req('GET', `/v3/${Q}/vaults/${v.id}`)).json.vault;
    assert.equal((await shown()).backup_policy_id, long.id);
    const ok = await bind(longer.id);
    assert.equal(ok.status, 200, ok.body);
    assert.equal((await shown()).backup_policy_id, longer.id);
    // Removing the policy stops retention: nothing expires sooner, so it is allowed.
    const un = await h2.req('POST', `/v3/${Q}/vaults/${v.id}/dissociatepolicy`, {
      body: { policy_id: longer.id },
    });
    assert.equal(un.status, 200, un.body);
    assert.equal((await shown()).backup_policy_id, null);
    // With no policy governing it, a locked vault may get one (each backup keeps its own expired_at).
    const first = await bind(short.id);
    assert.equal(first.status, 200, first.body);
  });

  it("a refused update leaves the backups' expired_at as it was", async () => {
    const p = await policy('expiry', { retention_duration_days: 30 });
    const vol = await h2.volume('expiry-disk', MiB);
    const v = await vault('locked-expiry', true, p.id);
    const add = await h2.req('POST', `/v3/${Q}/vaults/${v.id}/addresources`, {
      body: { resources: [{ id: vol.id, type: 'OS::Cinder::Volume' }] },
    });
    assert.equal(add.status, 200, add.body);
    const run = await runDuePolicies(protocolDeps(h2.ctx), new Date(Date.now() + 86_400_000));
    assert.ok(
      run.some((x) => x.checkpointId !== null && x.policyId === p.id),
      JSON.stringify(run),
    );
    await h2.drain();
    const list = async () => (await h2.req('GET', `/v3/${Q}/backups?vault_id=${v.id}`)).json.backups as J[];
    const [b] = await list();
    assert.ok(b.expired_at, JSON.stringify(b));
    const r = await update(p.id, { retention_duration_days: 1 });
    assert.equal(r.status, 400, r.body);
    assert.equal((await list())[0].expired_at, b.expired_at);
    const del = await h2.req('DELETE', `/v3/${Q}/backups/${b.id}`);
    assert.equal(del.status, 400, del.body);
    assert.equal(del.json.error_code, 'BackupService.6220');
  });
});
