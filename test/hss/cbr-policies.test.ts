// HSS's backup policies are CBR's: what HSS changes, CBR shows (ShowPolicy, ShowVault, ListVaults' policy_id
// filter, associated_vaults) and the other way round; an HSS-enabled host's schedule runs through CBR's one
// scheduler (one checkpoint per due slot, even with two racing runners); StopProtection (close_anti) closes
// ransomware protection only and leaves backup protection, the vault binding and the schedule running.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runDueCbrPolicies } from '../../src/services/policy-runs.js';
import { protocolDeps } from '../../src/services/protocol-deps.js';
import { type Harness, declareVolume, startHarness } from '../cinder/harness.js';

let h: Harness;
let P: string;
const DAY = 86_400_000;

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies of the two protocols, read field by field
type J = any;

async function call(method: string, url: string, payload?: object): Promise<{ status: number; json: J }> {
  const r = await h.app.inject({
    method: method as 'GET',
    url,
    headers: { 'x-auth-token': h.adminToken },
    ...(payload ? { payload } : {}),
  });
  return { status: r.statusCode, json: r.body ? r.json() : null };
}

const protectionPolicy = {
  policy_id: 'pp-cbr-view',
  policy_name: 'pp-cbr-view',
  protection_mode: 'alarm_only',
  protection_directory: '/srv/data',
  protection_type: 'pdf',
  operating_system: 'Linux',
};

describe('HSS backup policies are CBR policies', () => {
  let serverId: string;
  let policyId: string;
  let vaultId: string;
  // The schedule's time of day: an hour after the policy is made (no slot between creation and the first run).
  const first = new Date(Date.now() + 3_600_000);
  const pattern = `FREQ=DAILY;BYHOUR=${first.getUTCHours()};BYMINUTE=${first.getUTCMinutes()}`;
  const slot = (days: number) => new Date(first.getTime() + days * DAY + 60_000);
  const autoBackups = async () =>
    (await call('GET', `/v3/${P}/backups?vault_id=${vaultId}`)).json.backups.filter(
      (b: J) => b.extend_info.auto_trigger,
    );

  before(async () => {
    h = await startHarness();
    P = h.adminProjectId;
    const disk = await declareVolume(h, 'cbr-view-disk', 256 * 1024, 81);
    const s = await call('POST', `/opencbr/v1/${P}/servers`, {
      server: { name: 'cbr-view', volume_ids: [disk.id] },
    });
    serverId = s.json.server.id;
    const open = await call('POST', `/v5/${P}/ransomware/protection/open`, {
      operating_system: 'Linux',
      ransom_protection_status: 'opened',
      create_protection_policy: protectionPolicy,
      backup_protection_status: 'opened',
      backup_cycle: {
        operation_definition: { max_backups: 10 },
        trigger: { properties: { pattern: [pattern] } },
      },
      agent_id_list: ['agent-1'],
      host_id_list: [serverId],
    });
    assert.equal(open.status, 200, JSON.stringify(open.json));
    const server = (await call('GET', `/v5/${P}/ransomware/server?host_id=${serverId}`)).json.data_list[0];
    policyId = server.backup_policy_id;
    vaultId = server.vault_id;
    assert.ok(policyId && vaultId);
  });
  after(() => h.close());

  it('the policy HSS made is a CBR policy bound to the protection vault', async () => {
    const p = await call('GET', `/v3/${P}/policies/${policyId}`);
    assert.equal(p.status, 200, JSON.stringify(p.json));
    assert.equal(p.json.policy.operation_type, 'backup');
    assert.equal(p.json.policy.enabled, true);
    assert.deepEqual(p.json.policy.trigger.properties.pattern, [pattern]);
    assert.equal(p.json.policy.operation_definition.max_backups, 10);
    assert.deepEqual(p.json.policy.associated_vaults, [{ vault_id: vaultId }]);
    const vault = await call('GET', `/v3/${P}/vaults/${vaultId}`);
    assert.equal(vault.json.vault.backup_policy_id, policyId);
    const filtered = await call('GET', `/v3/${P}/vaults?policy_id=${policyId}`);
    assert.deepEqual(
      filtered.json.vaults.map((v: J) => v.id),
      [vaultId],
    );
    const listed = await call('GET', `/v3/${P}/policies?vault_id=${vaultId}`);
    assert.deepEqual(
      listed.json.policies.map((x: J) => x.id),
      [policyId],
    );
  });

  it('an HSS policy update is the CBR policy update, and the other way round', async () => {
    const weekly = 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=14;BYMINUTE=30';
    const up = await call('PUT', `/v5/${P}/backup/policy`, {
      policy_id: policyId,
      enabled: false,
      operation_definition: { max_backups: 3 },
      trigger: { properties: { pattern: [weekly] } },
    });
    assert.equal(up.status, 200, JSON.stringify(up.json));
    let cbr = (await call('GET', `/v3/${P}/policies/${policyId}`)).json.policy;
    assert.equal(cbr.enabled, false);
    assert.equal(cbr.operation_definition.max_backups, 3);
    assert.deepEqual(cbr.trigger.properties.pattern, [weekly]);
    // A rule CBR has and HSS's body does not spell (time points an hour apart) is enforced on HSS's update too.
    const close = await call('PUT', `/v5/${P}/backup/policy`, {
      policy_id: policyId,
      trigger: {
        properties: { pattern: ['FREQ=DAILY;BYHOUR=1;BYMINUTE=00', 'FREQ=DAILY;BYHOUR=1;BYMINUTE=30'] },
      },
    });
    assert.equal(close.status, 400);
    assert.equal(close.json.error_code, 'HSS.0001');
    // CBR's UpdatePolicy back to the original schedule: HSS shows it.
    const back = await call('PUT', `/v3/${P}/policies/${policyId}`, {
      policy: { enabled: true, trigger: { properties: { pattern: [pattern] } } },
    });
    assert.equal(back.status, 200, JSON.stringify(back.json));
    const hss = (await call('GET', `/v5/${P}/backup/policy`)).json;
    assert.equal(hss.id, policyId);
    assert.equal(hss.enabled, true);
    assert.deepEqual(hss.trigger.properties.pattern, [pattern]);
    assert.equal(hss.operation_definition.max_backups, 3);
    cbr = (await call('GET', `/v3/${P}/policies/${policyId}`)).json.policy;
    assert.equal(hss.trigger.id, cbr.trigger.id);
    assert.equal(hss.trigger.properties.start_time, cbr.trigger.properties.start_time);
  });

  it('a due slot of the HSS-enabled host makes exactly one checkpoint through the CBR scheduler', async () => {
    const deps = protocolDeps(h.ctx);
    const early = await runDueCbrPolicies(deps, new Date(first.getTime() - 60_000));
    assert.equal(early.filter((r) => r.checkpointId).length, 0, 'nothing before the first slot');
    // Two schedulers (two nodes) race for the slot.
    const [a, b] = await Promise.all([runDueCbrPolicies(deps, slot(0)), runDueCbrPolicies(deps, slot(0))]);
    const made = [...a, ...b].filter((r) => r.policyId === policyId && r.checkpointId);
    assert.equal(made.length, 1, JSON.stringify([a, b]));
    const again = await runDueCbrPolicies(deps, new Date(slot(0).getTime() + 30_000));
    assert.equal(again.filter((r) => r.checkpointId).length, 0, 'the same slot runs once');
    await h.ctx.jobs.drain(30_000);
    const autos = await autoBackups();
    assert.equal(autos.length, 1);
    assert.equal(autos[0].status, 'available');
    assert.equal(autos[0].resource_id, serverId);
    const logs = (await call('GET', `/v3/${P}/operation-logs?vault_id=${vaultId}`)).json.operation_logs;
    assert.ok(logs.some((o: J) => o.policy_id === policyId && o.operation_type === 'backup'));
  });

  it('deploy switches the protection policy of a host and leaves its backup protection', async () => {
    const other = await call('POST', `/v5/${P}/ransomware/protection/policy`, {
      ...protectionPolicy,
      policy_id: 'pp-other',
      policy_name: 'pp-other',
    });
    assert.equal(other.status, 200, JSON.stringify(other.json));
    const d = await call('POST', `/v5/${P}/ransomware/protection/policy/deploy`, {
      target_protection_policy_id: 'pp-other',
      host_id_list: [serverId],
    });
    assert.equal(d.status, 200, JSON.stringify(d.json));
    const s = (await call('GET', `/v5/${P}/ransomware/server?host_id=${serverId}`)).json.data_list[0];
    assert.equal(s.protect_policy_id, 'pp-other');
    assert.equal(s.backup_protection_status, 'opened');
    assert.equal(s.backup_policy_id, policyId);
    const missing = await call('POST', `/v5/${P}/ransomware/protection/policy/deploy`, {
      target_protection_policy_id: 'pp-none',
      host_id_list: [serverId],
    });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error_code, 'HSS.0011');
  });

  it('close_anti closes ransomware protection only: backup protection, vault binding and schedule stay', async () => {
    const r = await call('POST', `/v5/${P}/ransomware/protection/close`, {
      host_id_list: [serverId],
      agent_id_list: ['agent-1'],
      close_protection_type: 'close_anti',
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const s = (await call('GET', `/v5/${P}/ransomware/server?host_id=${serverId}`)).json.data_list[0];
    assert.equal(s.ransom_protection_status, 'closed');
    assert.equal(s.backup_protection_status, 'opened');
    assert.equal(s.vault_id, vaultId);
    assert.equal(s.backup_policy_id, policyId);
    assert.equal(s.backup_policy_enabled, true);
    const vault = (await call('GET', `/v3/${P}/vaults/${vaultId}`)).json.vault;
    assert.deepEqual(
      vault.resources.map((x: J) => x.id),
      [serverId],
    );
    assert.equal(vault.backup_policy_id, policyId);
    assert.equal((await call('GET', `/v3/${P}/policies/${policyId}`)).json.policy.enabled, true);
    // The schedule still runs: the next day's slot backs the host up.
    const next = await runDueCbrPolicies(protocolDeps(h.ctx), slot(1));
    assert.equal(
      next.filter((x) => x.policyId === policyId && x.checkpointId).length,
      1,
      JSON.stringify(next),
    );
    await h.ctx.jobs.drain(30_000);
    assert.equal((await autoBackups()).length, 2);
  });
});
