// StartProtection checks the whole request before it stores anything: a refused request leaves no
// protection policy, backup policy or protected host behind (the policies it would have created included).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, declareVolume, startHarness } from '../cinder/harness.js';

let h: Harness;
let P: string;

function call(method: string, url: string, payload?: object) {
  return h.app.inject({
    method: method as 'GET',
    url,
    headers: { 'x-auth-token': h.adminToken },
    ...(payload ? { payload } : {}),
  });
}

const newPolicy = (policy_id: string) => ({
  policy_id,
  policy_name: `name-${policy_id}`,
  protection_mode: 'alarm_only',
  protection_directory: '/srv/data',
  protection_type: 'pdf',
  operating_system: 'Linux',
});

async function policyCount(id: string): Promise<number> {
  const r = await call('GET', `/v5/${P}/ransomware/protection/policy?protect_policy_id=${id}`);
  assert.equal(r.statusCode, 200, r.body);
  return (r.json() as { total_num: number }).total_num;
}

async function backupPolicyCount(): Promise<number> {
  const r = await call('GET', `/v5/${P}/ransomware/backup/policies?offset=0&limit=100`);
  assert.equal(r.statusCode, 200, r.body);
  return (r.json() as { total_num: number }).total_num;
}

describe('HSS StartProtection refuses without side effects', () => {
  let serverId: string;

  before(async () => {
    h = await startHarness();
    P = h.adminProjectId;
    const disk = await declareVolume(h, 'open-disk', 256 * 1024, 5);
    const s = await call('POST', `/opencbr/v1/${P}/servers`, {
      server: { name: 'open', volume_ids: [disk.id] },
    });
    serverId = (s.json() as { server: { id: string } }).server.id;
  });
  after(async () => {
    await h.close();
  });

  it('an unknown host: the protection policy to create is not created', async () => {
    const r = await call('POST', `/v5/${P}/ransomware/protection/open`, {
      operating_system: 'Linux',
      ransom_protection_status: 'opened',
      create_protection_policy: newPolicy('orphan-1'),
      backup_protection_status: 'closed',
      agent_id_list: [],
      host_id_list: ['no-such-host'],
    });
    assert.equal(r.statusCode, 400, r.body);
    assert.equal((r.json() as { error_code: string }).error_code, 'HSS.0011');
    assert.equal(await policyCount('orphan-1'), 0);
  });

  it('a bad backup schedule: neither policy is created and the host stays unprotected', async () => {
    const before = await backupPolicyCount();
    const r = await call('POST', `/v5/${P}/ransomware/protection/open`, {
      operating_system: 'Linux',
      ransom_protection_status: 'opened',
      create_protection_policy: newPolicy('orphan-2'),
      backup_protection_status: 'opened',
      backup_cycle: { trigger: { properties: { pattern: ['FREQ=HOURLY'] } } },
      agent_id_list: [],
      host_id_list: [serverId],
    });
    assert.equal(r.statusCode, 400, r.body);
    assert.equal((r.json() as { error_code: string }).error_code, 'HSS.0001');
    assert.equal(await policyCount('orphan-2'), 0);
    assert.equal(await backupPolicyCount(), before);
    const servers = (await call('GET', `/v5/${P}/ransomware/server`)).json() as {
      data_list: Array<{ host_id: string; ransom_protection_status: string; vault_id: string }>;
    };
    const row = servers.data_list.find((s) => s.host_id === serverId)!;
    assert.equal(row.ransom_protection_status, 'closed');
    assert.equal(row.vault_id, '');
  });

  it('a valid request still creates the policy and protects the host', async () => {
    const r = await call('POST', `/v5/${P}/ransomware/protection/open`, {
      operating_system: 'Linux',
      ransom_protection_status: 'opened',
      create_protection_policy: newPolicy('kept-1'),
      backup_protection_status: 'closed',
      agent_id_list: [],
      host_id_list: [serverId],
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(await policyCount('kept-1'), 1);
  });
});
