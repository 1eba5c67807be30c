// HSS v5 ransomware backup APIs over the shared catalog (inject), with real server backups and restores.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type Harness, declareVolume, startHarness, waitFor } from '../cinder/harness.js';

let h: Harness;
let P: string;

function call(method: string, url: string, opts: { token?: string | null; payload?: unknown } = {}) {
  const token = opts.token === undefined ? h.adminToken : opts.token;
  return h.app.inject({
    method: method as 'GET',
    url,
    headers: token ? { 'x-auth-token': token } : {},
    ...(opts.payload !== undefined ? { payload: opts.payload as object } : {}),
  });
}

async function cbrStatus(id: string): Promise<string> {
  const r = await call('GET', `/v3/${P}/backups/${id}`);
  return r.statusCode === 404 ? 'gone' : (r.json() as { backup: { status: string } }).backup.status;
}

const SEED_DETAIL_FIELDS = [
  'id',
  'name',
  'image_type',
  'vault_id',
  'created_at',
  'status',
  'resource_size',
  'resource_id',
  'resource_type',
  'resource_name',
  'children',
];
const SEED_CHILD_FIELDS = [
  'id',
  'name',
  'image_type',
  'vault_id',
  'status',
  'resource_size',
  'resource_id',
  'resource_type',
  'resource_name',
];

describe('HSS v5 ransomware backup APIs', () => {
  let serverId: string;
  let disks: Array<{ id: string; file: string; data: Buffer }>;
  let backupId: string;
  let vaultId: string;
  let protectionPolicyId: string;
  let backupPolicyId: string;

  before(async () => {
    h = await startHarness();
    P = h.adminProjectId;
    disks = [
      await declareVolume(h, 'sys', 2 * 1024 * 1024, 51),
      await declareVolume(h, 'data', 1024 * 1024, 52),
    ];
    const s = await call('POST', `/opencbr/v1/${P}/servers`, {
      payload: { server: { name: 'web-1', volume_ids: disks.map((d) => d.id) } },
    });
    assert.ok(s.statusCode < 300, s.body);
    serverId = (s.json() as { server: { id: string } }).server.id;
  });
  after(async () => {
    await h.close();
  });

  it('answers auth failures, unknown ids and bad parameters with HSS error bodies', async () => {
    const none = await call('GET', `/v5/${P}/ransomware/backup/policies?offset=0&limit=10`, { token: null });
    assert.equal(none.statusCode, 401);
    assert.equal((none.json() as { error_code: string }).error_code, 'HSS.0010');
    const other = await call('GET', `/v5/${P}/ransomware/backup/policies?offset=0&limit=10`, {
      token: h.otherToken,
    });
    assert.equal(other.statusCode, 403);
    assert.equal((other.json() as { error_code: string }).error_code, 'HSS.0013');
    const missing = await call(
      'GET',
      `/v5/${P}/ransomware/backup/0d6f3c1e-1111-4222-8333-944455556666/detail`,
    );
    assert.equal(missing.statusCode, 400);
    assert.equal((missing.json() as { error_code: string }).error_code, 'HSS.0011');
    for (const q of [
      '',
      '?offset=0',
      '?offset=0&limit=5',
      '?offset=-1&limit=10',
      '?offset=0&limit=201',
      '?offset=x&limit=10',
    ]) {
      const r = await call('GET', `/v5/${P}/ransomware/backup/${serverId}${q}`);
      assert.equal(r.statusCode, 400, q);
      assert.equal((r.json() as { error_code: string }).error_code, 'HSS.0001', q);
    }
    // Query values restricted to a list: anything else is HSS.0001 naming the parameter; listed values pass.
    for (const [path, name, good] of [
      [`ransomware/backup/${serverId}?offset=0&limit=10`, 'status', 'available'],
      ['ransomware/backup/operation-logs?offset=0&limit=10', 'status', 'success'],
      ['ransomware/protection/policy', 'operating_system', 'Linux'],
      ['ransomware/servers?offset=0&limit=10', 'os_type', 'Windows'],
      ['ransomware/servers?offset=0&limit=10', 'host_status', 'ACTIVE'],
    ] as const) {
      const sep = path.includes('?') ? '&' : '?';
      const bad = await call('GET', `/v5/${P}/${path}${sep}${name}=bogus`);
      assert.equal(bad.statusCode, 400, `${path} ${name}`);
      const body = bad.json() as { error_code: string; error_msg: string };
      assert.equal(body.error_code, 'HSS.0001', `${path} ${name}`);
      assert.match(body.error_msg, new RegExp(name), `${path} ${name}`);
      const ok = await call('GET', `/v5/${P}/${path}${sep}${name}=${good}`);
      assert.equal(ok.statusCode, 200, `${path} ${name}=${good}: ${ok.body}`);
    }
    // The vault list pages like every HSS list (both optional there): limit 10–200, offset 0–2000000.
    for (const q of ['?limit=5', '?limit=1', '?limit=0', '?limit=201', '?offset=-1', '?offset=2000001']) {
      const r = await call('GET', `/v5/${P}/ransomware/optional/vaults${q}`);
      assert.equal(r.statusCode, 400, q);
      assert.equal((r.json() as { error_code: string }).error_code, 'HSS.0001', q);
    }
    for (const q of ['', '?limit=10', '?offset=0&limit=200']) {
      const r = await call('GET', `/v5/${P}/ransomware/optional/vaults${q}`);
      assert.equal(r.statusCode, 200, q);
    }
    const route = await call('GET', `/v5/${P}/nothing`);
    assert.equal(route.statusCode, 404);
    assert.equal((route.json() as { error_code: string }).error_code, 'HSS.0011');
    const badBody = await call('POST', `/v5/${P}/ransomware/protection/open`, {
      payload: { host_id_list: 'x' },
    });
    assert.equal(badBody.statusCode, 400);
    assert.equal((badBody.json() as { error_code: string }).error_code, 'HSS.0001');
  });

  it('creates and lists ransomware protection policies', async () => {
    const r = await call('POST', `/v5/${P}/ransomware/protection/policy`, {
      payload: {
        policy_name: 'protect-docs',
        protection_mode: 'alarm_and_isolation',
        protection_directory: '/srv/docs;/home',
        protection_type: 'docx,pdf,txt',
        operating_system: 'Linux',
      },
    });
    assert.equal(r.statusCode, 200, r.body);
    const list = await call('GET', `/v5/${P}/ransomware/protection/policy?policy_name=docs`);
    const body = list.json() as { total_num: number; data_list: Array<Record<string, unknown>> };
    assert.equal(body.total_num, 1);
    assert.equal(body.data_list[0]!.policy_name, 'protect-docs');
    assert.equal(body.data_list[0]!.count_associated_server, 0);
    protectionPolicyId = body.data_list[0]!.policy_id as string;
    const bad = await call('POST', `/v5/${P}/ransomware/protection/policy`, {
      payload: {
        policy_name: 'x',
        protection_mode: 'alarm_only',
        protection_directory: '',
        protection_type: 'pdf',
        operating_system: 'Linux',
      },
    });
    assert.equal(bad.statusCode, 400);
  });

  it('pages protection policies: total over all pages, newest first, no row twice', async () => {
    const listed: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await call('POST', `/v5/${P}/ransomware/protection/policy`, {
        payload: {
          policy_name: `pager-${i}`,
          protection_mode: 'alarm_only',
          protection_directory: '/srv',
          protection_type: 'docx',
          operating_system: 'Linux',
        },
      });
      assert.equal(r.statusCode, 200, r.body);
    }
    const page = async (offset: number) => {
      const r = await call(
        'GET',
        `/v5/${P}/ransomware/protection/policy?policy_name=pager&limit=10&offset=${offset}`,
      );
      return r.json() as { total_num: number; data_list: Array<{ policy_id: string; policy_name: string }> };
    };
    const first = await page(0);
    const second = await page(10);
    assert.equal(first.total_num, 12);
    assert.equal(second.total_num, 12);
    assert.equal(first.data_list.length, 10);
    assert.equal(second.data_list.length, 2);
    for (const p of [...first.data_list, ...second.data_list]) listed.push(p.policy_id);
    assert.equal(new Set(listed).size, 12);
    // Newest first: the last one created leads the first page, the first one closes the last page.
    assert.equal(first.data_list[0]!.policy_name, 'pager-11');
    assert.equal(second.data_list[1]!.policy_name, 'pager-0');
    for (const id of listed) {
      const d = await call('DELETE', `/v5/${P}/ransomware/protection/policy?policy_id=${id}`);
      assert.equal(d.statusCode, 200, d.body);
    }
  });

  it('enables protection: binds the host to a protection vault with a backup policy', async () => {
    const r = await call('POST', `/v5/${P}/ransomware/protection/open`, {
      payload: {
        operating_system: 'Linux',
        ransom_protection_status: 'opened',
        protection_policy_id: protectionPolicyId,
        backup_protection_status: 'opened',
        backup_cycle: {
          enabled: true,
          operation_definition: { max_backups: 10 },
          trigger: { properties: { pattern: ['FREQ=DAILY;INTERVAL=1;BYHOUR=2;BYMINUTE=00'] } },
        },
        agent_id_list: ['agent-1'],
        host_id_list: [serverId],
      },
    });
    assert.equal(r.statusCode, 200, r.body);
    const servers = (await call('GET', `/v5/${P}/ransomware/server`)).json() as {
      total_num: number;
      data_list: Array<Record<string, unknown>>;
    };
    assert.equal(servers.total_num, 1);
    const s = servers.data_list[0]!;
    assert.equal(s.host_id, serverId);
    assert.equal(s.ransom_protection_status, 'opened');
    assert.equal(s.backup_protection_status, 'opened');
    assert.equal(s.protect_policy_id, protectionPolicyId);
    assert.equal(s.resources_num, 1);
    const nodes = await call('GET', `/v5/${P}/ransomware/servers`);
    assert.equal(nodes.statusCode, 400);
    const opened = (
      await call('GET', `/v5/${P}/ransomware/servers?offset=0&limit=10&ransom_protection_status=opened`)
    ).json() as {
      total_num: number;
    };
    assert.equal(opened.total_num, 1);
    const closed = (
      await call('GET', `/v5/${P}/ransomware/servers?offset=0&limit=10&ransom_protection_status=closed`)
    ).json() as {
      total_num: number;
    };
    assert.equal(closed.total_num, 0);
    vaultId = s.vault_id as string;
    backupPolicyId = s.backup_policy_id as string;
    assert.ok(vaultId && backupPolicyId);
    // CBR sees the host in the vault
    const vault = (await call('GET', `/v3/${P}/vaults/${vaultId}`)).json() as {
      vault: { resources: Array<{ id: string }>; billing: { object_type: string } };
    };
    assert.equal(vault.vault.billing.object_type, 'server');
    assert.deepEqual(
      vault.vault.resources.map((x) => x.id),
      [serverId],
    );
    // vault list with the policy
    const vaults = (await call('GET', `/v5/${P}/ransomware/optional/vaults`)).json() as {
      total_num: number;
      data_list: Array<Record<string, unknown>>;
    };
    const v = vaults.data_list.find((x) => x.vault_id === vaultId)!;
    assert.equal(v.backup_policy_id, backupPolicyId);
    assert.equal(v.backup_policy_enabled, true);
    assert.equal(v.resources_num, 1);
    // policies
    const pol = (await call('GET', `/v5/${P}/backup/policy`)).json() as Record<string, unknown>;
    assert.equal(pol.id, backupPolicyId);
    assert.equal(pol.enabled, true);
    assert.deepEqual((pol.trigger as { properties: { pattern: string[] } }).properties.pattern, [
      'FREQ=DAILY;INTERVAL=1;BYHOUR=2;BYMINUTE=00',
    ]);
    const single = await call('GET', `/v5/${P}/backup/${backupPolicyId}`);
    assert.deepEqual(single.json(), pol);
    const listed = (await call('GET', `/v5/${P}/ransomware/backup/policies?offset=0&limit=10`)).json() as {
      total_num: number;
    };
    assert.equal(listed.total_num, 1);
    const upd = await call('PUT', `/v5/${P}/backup/policy`, {
      payload: {
        policy_id: backupPolicyId,
        enabled: false,
        trigger: { properties: { pattern: ['FREQ=WEEKLY;BYDAY=MO;BYHOUR=14;BYMINUTE=30'] } },
      },
    });
    assert.equal(upd.statusCode, 200, upd.body);
    const after = (await call('GET', `/v5/${P}/backup/${backupPolicyId}`)).json() as Record<string, unknown>;
    assert.equal(after.enabled, false);
    const badRule = await call('PUT', `/v5/${P}/backup/policy`, {
      payload: { policy_id: backupPolicyId, trigger: { properties: { pattern: ['FREQ=HOURLY'] } } },
    });
    assert.equal(badRule.statusCode, 400);
    const assoc = await call('POST', `/v5/${P}/ransomware/backup/associate-policy`, {
      payload: { vault_id: vaultId, policy_id: backupPolicyId },
    });
    assert.equal(assoc.statusCode, 200, assoc.body);
  });

  it('shows a server backup exactly as seed 004 (flat, integer created_at, per-disk children)', async () => {
    const cp = await call('POST', `/v3/${P}/checkpoints`, {
      payload: { checkpoint: { vault_id: vaultId, parameters: { resources: [serverId] } } },
    });
    assert.equal(cp.statusCode, 200, cp.body);
    const list = await waitFor(async () => {
      const r = (await call('GET', `/v5/${P}/ransomware/backup/${serverId}?offset=0&limit=10`)).json() as {
        total_num: number;
        data_list: Array<Record<string, unknown>>;
      };
      return r.total_num === 1 && r.data_list[0]!.backup_status === 'available' ? r : null;
    });
    const copy = list.data_list[0]!;
    assert.deepEqual(Object.keys(copy).sort(), [
      'backup_id',
      'backup_name',
      'backup_status',
      'backup_tag',
      'create_time',
      'os_images_data',
    ]);
    assert.equal(typeof copy.create_time, 'number');
    backupId = copy.backup_id as string;
    const before = Date.now();
    const d = await call(
      'GET',
      `/v5/${P}/ransomware/backup/${backupId}/detail?enterprise_project_id=all_granted_ep&backup_id=${backupId}`,
    );
    assert.equal(d.statusCode, 200, d.body);
    const detail = d.json() as Record<string, unknown>;
    assert.ok(!('backup' in detail));
    assert.deepEqual(Object.keys(detail).sort(), [...SEED_DETAIL_FIELDS].sort());
    assert.equal(detail.id, backupId);
    assert.equal(detail.resource_id, serverId);
    assert.equal(detail.resource_name, 'web-1');
    assert.equal(detail.resource_type, 'OS::Nova::Server');
    assert.equal(detail.image_type, 'backup');
    assert.equal(detail.vault_id, vaultId);
    assert.equal(detail.status, 'available');
    assert.equal(detail.resource_size, 2);
    assert.ok(Number.isInteger(detail.created_at));
    assert.ok((detail.created_at as number) > before - 600_000 && (detail.created_at as number) <= before);
    const children = detail.children as Array<Record<string, unknown>>;
    assert.equal(children.length, 2);
    for (const c of children) assert.deepEqual(Object.keys(c).sort(), [...SEED_CHILD_FIELDS].sort());
    assert.deepEqual(
      children.map((c) => c.resource_id),
      disks.map((x) => x.id),
    );
    assert.ok(children.every((c) => c.resource_type === 'OS::Cinder::Volume' && c.status === 'available'));
    // the same backup through CBR
    const cbr = (await call('GET', `/v3/${P}/backups/${backupId}`)).json() as {
      backup: { children: unknown[] };
    };
    assert.equal(cbr.backup.children.length, 2);
    // filters
    const none = (
      await call('GET', `/v5/${P}/ransomware/backup/${serverId}?offset=0&limit=10&status=error`)
    ).json() as {
      total_num: number;
    };
    assert.equal(none.total_num, 0);
    const recent = (
      await call('GET', `/v5/${P}/ransomware/backup/${serverId}?offset=0&limit=10&last_days=1`)
    ).json() as {
      total_num: number;
    };
    assert.equal(recent.total_num, 1);
  });

  it('restores a host from its backup and logs the restore', async () => {
    for (const d of disks) fs.writeFileSync(d.file, Buffer.alloc(d.data.length, 0x5a));
    const r = await call('POST', `/v5/${P}/ransomware/duplication/${backupId}/restore`, {
      payload: { server_id: serverId, power_on: true },
    });
    assert.equal(r.statusCode, 200, r.body);
    await waitFor(async () => ((await cbrStatus(backupId)) === 'available' ? true : null));
    for (const d of disks) assert.deepEqual(fs.readFileSync(d.file), d.data);
    const logs = await waitFor(async () => {
      const l = (await call('GET', `/v5/${P}/ransomware/backup/operation-logs?offset=0&limit=10`)).json() as {
        total_num: number;
        data_list: Array<Record<string, unknown>>;
      };
      return l.total_num === 1 && l.data_list[0]!.status === 'success' ? l : null;
    });
    const log = logs.data_list[0]!;
    assert.equal(log.host_id, serverId);
    assert.equal(log.host_name, 'web-1');
    assert.equal(log.process, 100);
    assert.match(String(log.started_at), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('close_anti closes ransomware protection only (backup protection and the vault stay), then deletes the backup', async () => {
    const r = await call('POST', `/v5/${P}/ransomware/protection/close`, {
      payload: { host_id_list: [serverId], agent_id_list: ['agent-1'], close_protection_type: 'close_anti' },
    });
    assert.equal(r.statusCode, 200, r.body);
    const s = (
      (await call('GET', `/v5/${P}/ransomware/server`)).json() as {
        data_list: Array<Record<string, unknown>>;
      }
    ).data_list[0]!;
    assert.equal(s.ransom_protection_status, 'closed');
    assert.equal(s.backup_protection_status, 'opened');
    assert.equal(s.vault_id, vaultId);
    assert.equal(s.backup_policy_id, backupPolicyId);
    assert.equal(s.count_backuped, 1);
    const unknownHost = await call('POST', `/v5/${P}/ransomware/protection/close`, {
      payload: { host_id_list: ['nope'], agent_id_list: [], close_protection_type: 'close_anti' },
    });
    assert.equal(unknownHost.statusCode, 400);
    const del = await call('DELETE', `/v5/${P}/ransomware/duplication/${backupId}`);
    assert.equal(del.statusCode, 200, del.body);
    await waitFor(async () => ((await cbrStatus(backupId)) === 'gone' ? true : null));
    const d = await call('GET', `/v5/${P}/ransomware/backup/${backupId}/detail`);
    assert.equal(d.statusCode, 400);
    // the protection policy can go once no host uses it
    const dp = await call('DELETE', `/v5/${P}/ransomware/protection/policy?policy_id=${protectionPolicyId}`);
    assert.equal(dp.statusCode, 200, dp.body);
  });

  it('switching backup protection off through open unbinds the host; another vault is reported, not stolen', async () => {
    const open = (backup: 'opened' | 'closed', vault?: string) =>
      call('POST', `/v5/${P}/ransomware/protection/open`, {
        payload: {
          operating_system: 'Linux',
          ransom_protection_status: 'closed',
          backup_protection_status: backup,
          ...(vault ? { backup_resources: { vault_id: vault } } : {}),
          agent_id_list: [],
          host_id_list: [serverId],
        },
      });
    const server = async () =>
      (
        (await call('GET', `/v5/${P}/ransomware/server`)).json() as {
          data_list: Array<Record<string, unknown>>;
        }
      ).data_list[0]!;
    assert.equal((await open('opened', vaultId)).statusCode, 200);
    assert.equal((await server()).vault_id, vaultId);
    // a second server vault: the host stays where it is and the error is reported
    const other = await call('POST', `/v3/${P}/vaults`, {
      payload: {
        vault: {
          name: 'other-server-vault',
          billing: {
            consistent_level: 'crash_consistent',
            object_type: 'server',
            protect_type: 'backup',
            size: 100,
          },
          resources: [],
        },
      },
    });
    assert.equal(other.statusCode, 200, other.body);
    const otherId = (other.json() as { vault: { id: string } }).vault.id;
    assert.equal((await open('opened', otherId)).statusCode, 200);
    const s1 = await server();
    assert.equal(s1.backup_protection_status, 'failed_to_turn_on_backup');
    assert.deepEqual(s1.backup_error, {
      error_code: 1,
      error_description: `The host is already bound to vault ${vaultId}.`,
    });
    assert.equal((await open('closed')).statusCode, 200);
    const s2 = await server();
    assert.equal(s2.backup_protection_status, 'closed');
    assert.equal(s2.vault_id, '');
    const vault = (await call('GET', `/v3/${P}/vaults/${vaultId}`)).json() as {
      vault: { resources: unknown[] };
    };
    assert.equal(vault.vault.resources.length, 0);
  });
});
