// HSS backup policies really run, through CBR's one scheduler: at a due slot, a checkpoint of the protection
// vault's servers, then retention on the auto-triggered backups; each slot once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runDueCbrPolicies as runDuePolicies } from '../../src/services/policy-runs.js';
import { protocolDeps } from '../../src/services/protocol-deps.js';
import { type Harness, declareVolume, startHarness, waitFor } from '../cinder/harness.js';

let h: Harness;
let P: string;

function call(method: string, url: string, payload?: unknown) {
  return h.app.inject({
    method: method as 'GET',
    url,
    headers: { 'x-auth-token': h.adminToken },
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}

async function hostBackups(serverId: string) {
  const r = (await call('GET', `/v5/${P}/ransomware/backup/${serverId}?offset=0&limit=100`)).json() as {
    total_num: number;
    data_list: Array<{ backup_id: string; backup_status: string }>;
  };
  return r.data_list;
}

describe('HSS backup policy runner', () => {
  let serverId: string;
  let policyId: string;
  const base = new Date(Date.now() + 5 * 60_000);
  const at = (days: number, extraMin = 1) => new Date(base.getTime() + days * 86_400_000 + extraMin * 60_000);

  before(async () => {
    h = await startHarness();
    P = h.adminProjectId;
    const disk = await declareVolume(h, 'pol-disk', 1024 * 1024, 71);
    const s = await call('POST', `/opencbr/v1/${P}/servers`, {
      server: { name: 'scheduled', volume_ids: [disk.id] },
    });
    serverId = (s.json() as { server: { id: string } }).server.id;
    const open = await call('POST', `/v5/${P}/ransomware/protection/open`, {
      operating_system: 'Linux',
      ransom_protection_status: 'closed',
      backup_protection_status: 'opened',
      backup_cycle: {
        operation_definition: { max_backups: 1 },
        trigger: {
          properties: {
            pattern: [`FREQ=DAILY;BYHOUR=${base.getUTCHours()};BYMINUTE=${base.getUTCMinutes()}`],
          },
        },
      },
      agent_id_list: [],
      host_id_list: [serverId],
    });
    assert.equal(open.statusCode, 200, open.body);
    policyId = ((await call('GET', `/v5/${P}/backup/policy`)).json() as { id: string }).id;
  });
  after(async () => {
    await h.close();
  });

  it('does nothing before the first slot', async () => {
    // The engine may sweep retention between slots (a report without a slot); it runs no slot and backs nothing up.
    const reports = await runDuePolicies(protocolDeps(h.ctx), new Date());
    assert.deepEqual(
      reports.filter((r) => r.slot !== '' || r.checkpointId !== null),
      [],
    );
    assert.deepEqual(await hostBackups(serverId), []);
  });

  it('backs up the vault at a due slot, once per slot', async () => {
    const reports = await runDuePolicies(protocolDeps(h.ctx), at(0));
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.policyId, policyId);
    assert.ok(reports[0]!.checkpointId);
    assert.equal(reports[0]!.error, null);
    assert.deepEqual(await runDuePolicies(protocolDeps(h.ctx), at(0, 2)), []);
    const list = await waitFor(async () => {
      const l = await hostBackups(serverId);
      return l.length === 1 && l[0]!.backup_status === 'available' ? l : null;
    });
    const cbr = (await call('GET', `/v3/${P}/backups/${list[0]!.backup_id}`)).json() as {
      backup: { extend_info: { auto_trigger: boolean } };
    };
    assert.equal(cbr.backup.extend_info.auto_trigger, true);
  });

  it('keeps max_backups auto backups, deleting the oldest', async () => {
    await runDuePolicies(protocolDeps(h.ctx), at(1));
    await waitFor(async () => {
      const l = await hostBackups(serverId);
      return l.length === 2 && l.every((b) => b.backup_status === 'available') ? l : null;
    });
    const before = await hostBackups(serverId);
    const reports = await runDuePolicies(protocolDeps(h.ctx), at(2));
    assert.equal(reports.length, 1);
    // the newest available one stays (max_backups 1), the older one goes; the new run is still protecting
    assert.deepEqual(reports[0]!.deleted, [before[1]!.backup_id]);
    await waitFor(async () => {
      const l = await hostBackups(serverId);
      return l.length === 2 && l.every((b) => b.backup_status === 'available') ? l : null;
    });
  });

  it('does not run a disabled policy', async () => {
    const off = await call('PUT', `/v5/${P}/backup/policy`, { policy_id: policyId, enabled: false });
    assert.equal(off.statusCode, 200, off.body);
    assert.deepEqual(await runDuePolicies(protocolDeps(h.ctx), at(3)), []);
  });
});
