// CBR policies over HTTP (CreatePolicy … DisassociateVaultPolicy) and the scheduler that runs them: each due slot
// once per bound vault, the latest missed slot only, retention on automatic backups only. The scheduler is driven
// with explicit times (no sleeping).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runDuePolicies } from '../../src/services/policy-runs.js';
import { protocolDeps } from '../../src/services/protocol-deps.js';
import { type Harness, type J, MiB, createVault, startHarness } from './helpers.js';

let h: Harness;
let P: string;
const DAY = 86_400_000;

function policyBody(over: Record<string, unknown> = {}, def: Record<string, unknown> = { max_backups: 5 }) {
  return {
    policy: {
      name: 'daily',
      operation_type: 'backup',
      operation_definition: def,
      trigger: { properties: { pattern: ['FREQ=DAILY;BYHOUR=2;BYMINUTE=00'] } },
      ...over,
    },
  };
}

async function createPolicy(body: unknown = policyBody()): Promise<J> {
  const r = await h.req('POST', `/v3/${P}/policies`, { body });
  assert.equal(r.status, 200, r.body);
  return r.json.policy;
}

describe('CBR policies', () => {
  before(async () => {
    h = await startHarness();
    P = h.a.projectId;
  });
  after(() => h.close());

  it('create, show, list, update, delete: the documented shapes', async () => {
    const p = await createPolicy();
    assert.equal(p.name, 'daily');
    assert.equal(p.enabled, true);
    assert.equal(p.operation_type, 'backup');
    assert.equal(p.operation_definition.max_backups, 5);
    assert.equal(p.operation_definition.retention_duration_days, -1);
    assert.deepEqual(p.trigger.properties.pattern, ['FREQ=DAILY;BYHOUR=2;BYMINUTE=00']);
    assert.equal(p.trigger.type, 'time');
    assert.match(p.trigger.properties.start_time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.deepEqual(p.associated_vaults, []);
    const shown = await h.req('GET', `/v3/${P}/policies/${p.id}`);
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.json.policy, p);
    const list = await h.req('GET', `/v3/${P}/policies?operation_type=backup`);
    assert.equal(list.status, 200);
    assert.ok(list.json.policies.some((x: J) => x.id === p.id));
    assert.equal(list.json.count, list.json.policies.length);
    assert.equal((await h.req('GET', `/v3/${P}/policies?operation_type=replication`)).json.count, 0);
    const up = await h.req('PUT', `/v3/${P}/policies/${p.id}`, {
      body: {
        policy: {
          name: 'nightly',
          enabled: false,
          trigger: { properties: { pattern: ['FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=3;BYMINUTE=30'] } },
        },
      },
    });
    assert.equal(up.status, 200, up.body);
    assert.equal(up.json.policy.name, 'nightly');
    assert.equal(up.json.policy.enabled, false);
    assert.equal(up.json.policy.operation_definition.max_backups, 5, 'a definition left out stays');
    assert.deepEqual(up.json.policy.trigger.properties.pattern, [
      'FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=3;BYMINUTE=30',
    ]);
    // Another project sees nothing of it.
    const other = await h.req('GET', `/v3/${h.b.projectId}/policies/${p.id}`, { token: h.b.token });
    assert.equal(other.status, 404);
    assert.equal(other.json.error_code, 'BackupService.6000');
    assert.equal((await h.req('DELETE', `/v3/${P}/policies/${p.id}`)).status, 204);
    const gone = await h.req('GET', `/v3/${P}/policies/${p.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.json.error_code, 'BackupService.6000');
    assert.equal((await h.req('DELETE', `/v3/${P}/policies/${p.id}`)).status, 404);
  });

  it('refuses what CBR refuses, in the CBR error body, storing nothing', async () => {
    const before = (await h.req('GET', `/v3/${P}/policies`)).json.count;
    const bad: Array<[string, unknown]> = [
      ['hourly', policyBody({ trigger: { properties: { pattern: ['FREQ=HOURLY'] } } })],
      ['COUNT', policyBody({ trigger: { properties: { pattern: ['FREQ=DAILY;COUNT=3;BYHOUR=1'] } } })],
      ['hour 24', policyBody({ trigger: { properties: { pattern: ['FREQ=DAILY;BYHOUR=24;BYMINUTE=0'] } } })],
      [
        '30 minutes apart',
        policyBody({ trigger: { properties: { pattern: ['FREQ=DAILY;BYHOUR=1;BYMINUTE=0,30'] } } }),
      ],
      [
        'two patterns 20 minutes apart',
        policyBody({
          trigger: {
            properties: {
              pattern: ['FREQ=DAILY;BYHOUR=5;BYMINUTE=0', 'FREQ=WEEKLY;BYDAY=TU;BYHOUR=5;BYMINUTE=20'],
            },
          },
        }),
      ],
      ['no pattern', policyBody({ trigger: { properties: { pattern: [] } } })],
      ['count and days', policyBody({}, { max_backups: 3, retention_duration_days: 7 })],
      ['long-term without timezone', policyBody({}, { max_backups: 3, day_backups: 2 })],
      [
        'long-term with days',
        policyBody({}, { retention_duration_days: 7, week_backups: 2, timezone: 'UTC+08:00' }),
      ],
      ['bad timezone', policyBody({}, { max_backups: 3, day_backups: 2, timezone: 'Asia/Shanghai' })],
      ['max_backups 0', policyBody({}, { max_backups: 0 })],
      ['full_backup_interval 0', policyBody({}, { full_backup_interval: 0 })],
      ['replication', policyBody({ operation_type: 'replication' }, { destination_region: 'r2' })],
      ['replication field on backup', policyBody({}, { max_backups: 2, destination_region: 'r2' })],
      ['name', policyBody({ name: 'no spaces here' })],
      ['enabled', policyBody({ enabled: 'yes' })],
    ];
    for (const [what, body] of bad) {
      const r = await h.req('POST', `/v3/${P}/policies`, { body });
      assert.equal(r.status, 400, `${what}: ${r.body}`);
      assert.match(r.json.error_code, /^BackupService\.\d{4}$/, what);
      assert.equal(typeof r.json.error_msg, 'string', what);
    }
    assert.equal((await h.req('GET', `/v3/${P}/policies`)).json.count, before);
    const p = await createPolicy();
    const r = await h.req('PUT', `/v3/${P}/policies/${p.id}`, {
      body: { policy: { operation_definition: { max_backups: 2, retention_duration_days: 2 } } },
    });
    assert.equal(r.status, 400, r.body);
    assert.equal(
      (await h.req('GET', `/v3/${P}/policies/${p.id}`)).json.policy.operation_definition.max_backups,
      5,
    );
    await h.req('DELETE', `/v3/${P}/policies/${p.id}`);
  });

  it('binding: associate, the vault and ListVault show it, dissociate, delete unbinds', async () => {
    const vol = await h.volume('bind-disk', MiB);
    const vault = await createVault(h, 'disk', [{ id: vol.id, type: 'OS::Cinder::Volume' }], 'bind-vault');
    const p = await createPolicy();
    const q = await createPolicy(policyBody({ name: 'second' }));
    const a = await h.req('POST', `/v3/${P}/vaults/${vault.id}/associatepolicy`, {
      body: { policy_id: p.id },
    });
    assert.equal(a.status, 200, a.body);
    assert.deepEqual(a.json.associate_policy, { vault_id: vault.id, policy_id: p.id });
    assert.equal((await h.req('GET', `/v3/${P}/vaults/${vault.id}`)).json.vault.backup_policy_id, p.id);
    const byPolicy = await h.req('GET', `/v3/${P}/vaults?policy_id=${p.id}`);
    assert.deepEqual(
      byPolicy.json.vaults.map((v: J) => v.id),
      [vault.id],
    );
    assert.deepEqual((await h.req('GET', `/v3/${P}/policies/${p.id}`)).json.policy.associated_vaults, [
      { vault_id: vault.id },
    ]);
    const byVault = await h.req('GET', `/v3/${P}/policies?vault_id=${vault.id}`);
    assert.deepEqual(
      byVault.json.policies.map((x: J) => x.id),
      [p.id],
    );
    // add_policy_ids replaces the vault's backup policy.
    const b = await h.req('POST', `/v3/${P}/vaults/${vault.id}/associatepolicy`, {
      body: { add_policy_ids: [q.id] },
    });
    assert.equal(b.status, 200, b.body);
    assert.equal((await h.req('GET', `/v3/${P}/vaults/${vault.id}`)).json.vault.backup_policy_id, q.id);
    // Refusals.
    const both = await h.req('POST', `/v3/${P}/vaults/${vault.id}/associatepolicy`, {
      body: { policy_id: p.id, add_policy_ids: [q.id] },
    });
    assert.equal(both.status, 400);
    const two = await h.req('POST', `/v3/${P}/vaults/${vault.id}/associatepolicy`, {
      body: { add_policy_ids: [p.id, q.id] },
    });
    assert.equal(two.status, 400);
    const unknown = await h.req('POST', `/v3/${P}/vaults/${vault.id}/associatepolicy`, {
      body: { policy_id: 'no-such-policy' },
    });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error_code, 'BackupService.6000');
    const notBound = await h.req('POST', `/v3/${P}/vaults/${vault.id}/dissociatepolicy`, {
      body: { policy_id: p.id },
    });
    assert.equal(notBound.status, 404);
    assert.equal(notBound.json.error_code, 'BackupService.6002');
    const foreign = await h.req('POST', `/v3/${h.b.projectId}/vaults/${vault.id}/associatepolicy`, {
      token: h.b.token,
      body: { policy_id: p.id },
    });
    assert.equal(foreign.status, 404);
    const d = await h.req('POST', `/v3/${P}/vaults/${vault.id}/dissociatepolicy`, {
      body: { policy_id: q.id },
    });
    assert.equal(d.status, 200, d.body);
    assert.deepEqual(d.json.dissociate_policy, { vault_id: vault.id, policy_id: q.id });
    assert.equal((await h.req('GET', `/v3/${P}/vaults/${vault.id}`)).json.vault.backup_policy_id, null);
    // Deleting a bound policy unbinds its vaults.
    await h.req('POST', `/v3/${P}/vaults/${vault.id}/associatepolicy`, { body: { policy_id: p.id } });
    assert.equal((await h.req('DELETE', `/v3/${P}/policies/${p.id}`)).status, 204);
    assert.equal((await h.req('GET', `/v3/${P}/vaults/${vault.id}`)).json.vault.backup_policy_id, null);
    await h.req('DELETE', `/v3/${P}/policies/${q.id}`);
    // CreateVault names only a policy that exists.
    const r = await h.req('POST', `/v3/${P}/vaults`, {
      body: {
        vault: {
          name: 'with-policy',
          backup_policy_id: 'no-such-policy',
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
    assert.equal(r.status, 404, r.body);
    assert.equal(r.json.error_code, 'BackupService.6000');
  });

  it('the scheduler: one automatic backup per slot, the latest missed slot once, retention on automatic ones', async () => {
    const vol = await h.volume('sched-disk', MiB);
    const vault = await createVault(h, 'disk', [{ id: vol.id, type: 'OS::Cinder::Volume' }], 'sched-vault');
    const manual = await h.req('POST', `/v3/${P}/checkpoints`, {
      body: { checkpoint: { vault_id: vault.id, parameters: { name: 'manual' } } },
    });
    assert.equal(manual.status, 200, manual.body);
    await h.drain();
    const p = await createPolicy(policyBody({ name: 'sched' }, { max_backups: 1 }));
    await h.req('POST', `/v3/${P}/vaults/${vault.id}/associatepolicy`, { body: { policy_id: p.id } });
    const deps = protocolDeps(h.ctx);
    const created = Date.parse(`${p.trigger.properties.start_time.replace(' ', 'T')}Z`);
    // 02:00 UTC of the day after the policy was made, and a minute later.
    const day1 = new Date(Math.floor(created / DAY) * DAY + DAY + 2 * 3_600_000 + 60_000);
    const autos = async () =>
      (await h.req('GET', `/v3/${P}/backups?vault_id=${vault.id}`)).json.backups.filter(
        (b: J) => b.extend_info.auto_trigger,
      );
    const before = Date.now();
    // Two schedulers (two nodes) race for the slot: exactly one checkpoint.
    const [r1, r2] = await Promise.all([runDuePolicies(deps, day1), runDuePolicies(deps, day1)]);
    const made = [...r1, ...r2].filter((r) => r.policyId === p.id && r.checkpointId);
    assert.equal(made.length, 1, JSON.stringify([r1, r2]));
    await h.drain();
    let a = await autos();
    assert.equal(a.length, 1);
    assert.equal(a[0].status, 'available');
    assert.match(a[0].name, /^autobk_/);
    const logs = (await h.req('GET', `/v3/${P}/operation-logs?vault_id=${vault.id}`)).json.operation_logs;
    assert.ok(
      logs.some((o: J) => o.policy_id === p.id && o.operation_type === 'backup'),
      'the automatic backup’s operation log names the policy',
    );
    // The same slot again: nothing.
    const again = await runDuePolicies(deps, new Date(day1.getTime() + 30_000));
    assert.equal(again.filter((r) => r.policyId === p.id && r.checkpointId).length, 0);
    // Down for five days: the latest missed slot once, then retention (max_backups 1) deletes the first automatic
    // backup but never the manual one.
    const first = a[0].id;
    const day6 = new Date(day1.getTime() + 5 * DAY);
    const late = (await runDuePolicies(deps, day6)).filter((r) => r.policyId === p.id);
    assert.equal(late.filter((r) => r.checkpointId).length, 1);
    await h.drain();
    await runDuePolicies(deps, new Date(day6.getTime() + 2 * 3_600_000)); // an hourly sweep between slots
    await h.drain();
    a = await autos();
    assert.equal(a.length, 1, JSON.stringify(a.map((b: J) => [b.id, b.status])));
    assert.notEqual(a[0].id, first);
    const all = (await h.req('GET', `/v3/${P}/backups?vault_id=${vault.id}`)).json.backups;
    assert.ok(
      all.some((b: J) => b.name === 'manual' && b.status === 'available'),
      'the manual backup stays',
    );
    assert.ok(Date.now() - before < 60_000);
  });

  it('retention_duration_days sets each automatic backup’s expiry and the checkpoint’s retention', async () => {
    const vol = await h.volume('expiry-disk', MiB);
    const vault = await createVault(h, 'disk', [{ id: vol.id, type: 'OS::Cinder::Volume' }], 'expiry-vault');
    const p = await createPolicy(policyBody({ name: 'expiring' }, { retention_duration_days: 7 }));
    await h.req('POST', `/v3/${P}/vaults/${vault.id}/associatepolicy`, { body: { policy_id: p.id } });
    const created = Date.parse(`${p.trigger.properties.start_time.replace(' ', 'T')}Z`);
    const day1 = new Date(Math.floor(created / DAY) * DAY + DAY + 2 * 3_600_000 + 60_000);
    const run = (await runDuePolicies(protocolDeps(h.ctx), day1)).find((r) => r.policyId === p.id);
    assert.ok(run?.checkpointId, JSON.stringify(run));
    await h.drain();
    const b = (await h.req('GET', `/v3/${P}/backups?checkpoint_id=${run.checkpointId}`)).json.backups[0];
    const expiry = Date.parse(`${b.expired_at}Z`) - Date.parse(`${b.created_at}Z`);
    assert.ok(Math.abs(expiry - 7 * DAY) < 2000, `${b.created_at} → ${b.expired_at}`);
    const cp = (await h.req('GET', `/v3/${P}/checkpoints/${run.checkpointId}`)).json.checkpoint;
    assert.equal(cp.extra_info.retention_duration, 7);
  });
});
