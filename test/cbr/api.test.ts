// Every CBR endpoint over HTTP: success shapes, bad input for each parameter (CBR error body, 4xx naming
// the field, never a 500), unknown ids, and tenancy (no token 401, another project's path 403, ids invisible).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Harness, type J, MiB, createVault, startHarness } from './helpers.js';

let h: Harness;
let pa: string;
let vol1: { id: string; path: string };
let vol2: { id: string; path: string };
let srv: { id: string };
let diskVault: J;
let serverVault: J;
let backupId: string;
let checkpointId: string;

before(async () => {
  h = await startHarness();
  pa = h.a.projectId;
  vol1 = await h.volume('api-v1', 1 * MiB);
  vol2 = await h.volume('api-v2', 1 * MiB);
  const v3 = await h.volume('api-v3', 1 * MiB);
  srv = await h.server('api-srv', [v3.id]);
  diskVault = await createVault(h, 'disk', [{ id: vol1.id, type: 'OS::Cinder::Volume' }], 'api-disk');
  serverVault = await createVault(h, 'server', [], 'api-server');
  const cp = await h.req('POST', `/v3/${pa}/checkpoints`, {
    body: { checkpoint: { vault_id: diskVault.id } },
  });
  assert.equal(cp.status, 200, cp.body);
  checkpointId = cp.json.checkpoint.id;
  await h.drain();
  const l = await h.req('GET', `/v3/${pa}/backups?checkpoint_id=${checkpointId}`);
  backupId = l.json.backups[0].id;
});
after(async () => {
  await h.close();
});

function assertCbrError(
  r: { status: number; json: J; body: string },
  status: number,
  code?: string,
  mention?: string,
) {
  assert.equal(r.status, status, r.body);
  assert.equal(typeof r.json?.error_code, 'string', r.body);
  assert.equal(typeof r.json?.error_msg, 'string', r.body);
  assert.deepEqual(Object.keys(r.json).sort(), ['error_code', 'error_msg']);
  if (code) assert.equal(r.json.error_code, code, r.body);
  if (mention)
    assert.ok(r.json.error_msg.includes(mention), `"${r.json.error_msg}" should mention ${mention}`);
}

describe('versions and unknown routes', () => {
  test('GET / and GET /v3 list v3 (300)', async () => {
    for (const url of ['/', '/v3']) {
      const r = await h.req('GET', url, { token: null });
      assert.equal(r.status, 300);
      assert.equal(r.json.versions[0].id, 'v3');
      assert.equal(r.json.versions[0].status, 'CURRENT');
    }
  });
  test('unknown routes are 404, wrong methods 405, in the CBR body', async () => {
    // Not 9900: the spec table gives that code HTTP 400 ("Parameter verification failed.").
    assertCbrError(await h.req('GET', `/v3/${pa}/nothing-here`), 404, 'APIGW.0101');
    const patch = await h.req('PATCH' as 'GET', `/v3/${pa}/vaults`);
    assertCbrError(patch, 405, 'APIGW.0101');
    assert.equal(patch.headers.allow, 'GET, HEAD, POST');
    const put = await h.req('POST', `/v3/${pa}/backups/${backupId}`);
    assertCbrError(put, 405, 'APIGW.0101');
    assert.match(String(put.headers.allow), /GET/);
    assert.match(String(put.headers.allow), /DELETE/);
  });
});

describe('tenancy', () => {
  const routes = () =>
    [
      ['GET', `/v3/${pa}/vaults`],
      ['GET', `/v3/${pa}/vaults/${diskVault.id}`],
      ['GET', `/v3/${pa}/vaults/summary`],
      ['GET', `/v3/${pa}/backups`],
      ['GET', `/v3/${pa}/backups/${backupId}`],
      ['DELETE', `/v3/${pa}/backups/${backupId}`],
      ['GET', `/v3/${pa}/checkpoints/${checkpointId}`],
      ['GET', `/v3/${pa}/operation-logs`],
      ['GET', `/v3/${pa}/protectables/disk/instances`],
    ] as const;
  test('no token → 401, bad token → 401, another project → 403', async () => {
    for (const [m, u] of routes()) {
      assertCbrError(await h.req(m, u, { token: null }), 401);
      assertCbrError(await h.req(m, u, { token: 'not-a-token' }), 401);
      assertCbrError(await h.req(m, u, { token: h.b.token }), 403, 'BackupService.8600');
    }
    // Authentication comes before validation: an anonymous bad request is 401, not 400.
    assertCbrError(await h.req('POST', `/v3/${pa}/vaults`, { token: null, body: { vault: 5 } }), 401);
    assertCbrError(await h.req('GET', `/v3/${pa}/backups?limit=0`, { token: h.b.token }), 403);
    // Nothing was deleted by the refused DELETE.
    assert.equal((await h.req('GET', `/v3/${pa}/backups/${backupId}`)).status, 200);
  });
  test("another project cannot see A's objects through its own path", async () => {
    const pb = h.b.projectId;
    const t = { token: h.b.token };
    assertCbrError(await h.req('GET', `/v3/${pb}/backups/${backupId}`, t), 404, 'BackupService.6200');
    assertCbrError(await h.req('GET', `/v3/${pb}/vaults/${diskVault.id}`, t), 404, 'BackupService.6105');
    assertCbrError(await h.req('GET', `/v3/${pb}/checkpoints/${checkpointId}`, t), 404, 'BackupService.6217');
    assertCbrError(
      await h.req('POST', `/v3/${pb}/backups/${backupId}/restore`, { ...t, body: { restore: {} } }),
      404,
    );
    assertCbrError(await h.req('DELETE', `/v3/${pb}/backups/${backupId}`, t), 404);
    const l = await h.req('GET', `/v3/${pb}/backups`, t);
    assert.equal(l.json.count, 0);
    const vl = await h.req('GET', `/v3/${pb}/vaults`, t);
    assert.equal(vl.json.count, 0);
    // B cannot bind A's volume to its own vault.
    const r = await h.req('POST', `/v3/${pb}/vaults`, {
      ...t,
      body: {
        vault: {
          name: 'b',
          billing: {
            consistent_level: 'crash_consistent',
            object_type: 'disk',
            protect_type: 'backup',
            size: 10,
          },
          resources: [{ id: vol2.id, type: 'OS::Cinder::Volume' }],
        },
      },
    });
    assertCbrError(r, 404, 'BackupService.6302', 'resources[0]');
  });
});

describe('vaults', () => {
  const body = (over: Record<string, unknown> = {}, billing: Record<string, unknown> = {}) => ({
    vault: {
      name: 'v',
      billing: {
        consistent_level: 'crash_consistent',
        object_type: 'disk',
        protect_type: 'backup',
        size: 10,
        ...billing,
      },
      resources: [],
      ...over,
    },
  });
  test('create: shape', async () => {
    const r = await h.req('POST', `/v3/${pa}/vaults`, { body: body({ description: 'd' }) });
    assert.equal(r.status, 200, r.body);
    const v = r.json.vault;
    for (const k of [
      'id',
      'name',
      'project_id',
      'provider_id',
      'billing',
      'resources',
      'created_at',
      'enterprise_project_id',
    ]) {
      assert.ok(k in v, k);
    }
    assert.equal(v.billing.size, 10);
    assert.equal(v.billing.used, 0);
    assert.equal(v.billing.allocated, 0);
    assert.equal(v.billing.status, 'available');
    assert.equal(v.billing.spec_code, 'vault.backup.volume.normal');
    assert.equal(v.enterprise_project_id, '0');
  });
  test('create: bad input names the field', async () => {
    const url = `/v3/${pa}/vaults`;
    const cases: Array<[unknown, number, string | undefined, string]> = [
      [{}, 400, 'BackupService.9900', 'vault'],
      [body({ name: '' }), 400, 'BackupService.9900', 'name'],
      [body({ name: 'x'.repeat(65) }), 400, 'BackupService.9900', 'name'],
      [body({ name: 5 }), 400, 'BackupService.9900', 'name'],
      [body({}, { size: 0 }), 400, 'BackupService.9900', 'size'],
      [body({}, { size: 10485761 }), 400, 'BackupService.9900', 'size'],
      [body({}, { size: '10' }), 400, 'BackupService.9900', 'size'],
      [body({}, { consistent_level: 'nope' }), 400, 'BackupService.9900', 'consistent_level'],
      [body({}, { protect_type: 'nope' }), 400, 'BackupService.9900', 'protect_type'],
      [body({}, { object_type: 'turbo' }), 400, 'BackupService.6116', 'object_type'],
      [body({ threshold: 101 }), 400, 'BackupService.9900', 'threshold'],
      [
        body({ resources: [{ id: vol2.id, type: 'OS::Nova::Server' }] }),
        400,
        'BackupService.6102',
        'resources[0]',
      ],
      [
        body({ resources: [{ id: vol2.id, type: 'OS::Sfs::Turbo' }] }),
        400,
        'BackupService.6116',
        'resources[0]',
      ],
      [
        body({ resources: [{ id: 'f0000000-0000-4000-8000-000000000000', type: 'OS::Cinder::Volume' }] }),
        404,
        'BackupService.6302',
        'resources[0]',
      ],
      [
        body({ resources: [{ id: vol1.id, type: 'OS::Cinder::Volume' }] }),
        400,
        'BackupService.6103',
        vol1.id,
      ],
      [
        body({
          resources: [
            { id: vol2.id, type: 'OS::Cinder::Volume' },
            { id: vol2.id, type: 'OS::Cinder::Volume' },
          ],
        }),
        400,
        'BackupService.6104',
        'resources[1]',
      ],
      [body({ resources: 'x' }), 400, 'BackupService.9900', 'resources'],
    ];
    for (const [b, status, code, field] of cases) {
      assertCbrError(await h.req('POST', url, { body: b }), status, code, field);
    }
    assertCbrError(await h.req('POST', url, { rawBody: '{"vault": {' }), 400, 'BackupService.9900');
    assertCbrError(await h.req('POST', url, { rawBody: '[1,2]' }), 400);
    assertCbrError(
      await h.req('POST', url, { rawBody: '<x/>', headers: { 'content-type': 'application/xml' } }),
      415,
    );
    assertCbrError(
      await h.req('POST', url, { rawBody: 'x', headers: { 'content-type': 'text/plain' } }),
      400,
      undefined,
      'body',
    );
    const big = JSON.stringify(body({ description: 'x'.repeat(13 * MiB) }));
    assertCbrError(await h.req('POST', url, { rawBody: big }), 413);
    // None of the refused requests bound vol2.
    const prot = await h.req('GET', `/v3/${pa}/protectables/disk/instances/${vol2.id}`);
    assert.equal(prot.json.instance.protectable.result, true);
  });
  test('list, show, update, summary, delete', async () => {
    const c = await h.req('POST', `/v3/${pa}/vaults`, { body: body({ name: 'to-update' }) });
    const id = c.json.vault.id;
    const l = await h.req('GET', `/v3/${pa}/vaults?name=to-update`);
    assert.equal(l.status, 200);
    assert.equal(l.json.count, 1);
    assert.equal(l.json.vaults[0].id, id);
    const all = await h.req('GET', `/v3/${pa}/vaults?limit=1&offset=0`);
    assert.equal(all.json.vaults.length, 1);
    assert.ok(all.json.count >= 3);
    const byRes = await h.req('GET', `/v3/${pa}/vaults?resource_ids=${vol1.id}`);
    assert.equal(byRes.json.count, 1);
    assert.equal(byRes.json.vaults[0].id, diskVault.id);
    for (const q of ['limit=0', 'limit=1001', 'limit=abc', 'offset=-1', 'protect_type=x', 'cloud_type=x']) {
      assertCbrError(await h.req('GET', `/v3/${pa}/vaults?${q}`), 400, 'BackupService.9900', q.split('=')[0]);
    }
    const s = await h.req('GET', `/v3/${pa}/vaults/${id}`);
    assert.equal(s.json.vault.name, 'to-update');
    const u = await h.req('PUT', `/v3/${pa}/vaults/${id}`, {
      body: { vault: { name: 'updated', billing: { size: 20 }, threshold: 90, smn_notify: false } },
    });
    assert.equal(u.status, 200, u.body);
    assert.equal(u.json.vault.name, 'updated');
    assert.equal(u.json.vault.billing.size, 20);
    assert.equal(u.json.vault.threshold, 90);
    assert.equal(u.json.vault.smn_notify, false);
    assertCbrError(
      await h.req('PUT', `/v3/${pa}/vaults/${id}`, { body: { vault: { threshold: 0 } } }),
      400,
      undefined,
      'threshold',
    );
    assertCbrError(
      await h.req('PUT', `/v3/${pa}/vaults/${id}`, { body: { vault: { name: '' } } }),
      400,
      undefined,
      'name',
    );
    assertCbrError(await h.req('PUT', `/v3/${pa}/vaults/${id}`, { body: {} }), 400, undefined, 'vault');
    const sum = await h.req('GET', `/v3/${pa}/vaults/summary`);
    assert.equal(sum.status, 200);
    assert.ok(sum.json.size >= 20 + 10 + 100);
    assert.ok(sum.json.used_size >= 1);
    assert.equal((await h.req('DELETE', `/v3/${pa}/vaults/${id}`)).status, 204);
    assertCbrError(await h.req('GET', `/v3/${pa}/vaults/${id}`), 404, 'BackupService.6105');
    assertCbrError(await h.req('DELETE', `/v3/${pa}/vaults/${id}`), 404, 'BackupService.6105');
    assertCbrError(
      await h.req('PUT', `/v3/${pa}/vaults/${id}`, { body: { vault: { name: 'x' } } }),
      404,
      'BackupService.6105',
    );
  });
  test('addresources / removeresources', async () => {
    const url = `/v3/${pa}/vaults/${serverVault.id}`;
    const add = await h.req('POST', `${url}/addresources`, {
      body: { resources: [{ id: srv.id, type: 'OS::Nova::Server' }] },
    });
    assert.equal(add.status, 200, add.body);
    assert.deepEqual(add.json.add_resource_ids, [srv.id]);
    const v = await h.req('GET', url);
    assert.equal(v.json.vault.resources[0].id, srv.id);
    assert.equal(v.json.vault.resources[0].type, 'OS::Nova::Server');
    assert.equal(v.json.vault.billing.allocated, 1);
    assertCbrError(
      await h.req('POST', `${url}/addresources`, { body: { resources: [] } }),
      400,
      undefined,
      'resources',
    );
    assertCbrError(
      await h.req('POST', `${url}/addresources`, {
        body: { resources: [{ id: srv.id, type: 'OS::Nova::Server' }] },
      }),
      400,
      'BackupService.6103',
    );
    assertCbrError(
      await h.req('POST', `${url}/addresources`, {
        body: { resources: [{ id: vol2.id, type: 'OS::Cinder::Volume' }] },
      }),
      400,
      'BackupService.6102',
    );
    assertCbrError(
      await h.req('POST', `${url}/removeresources`, { body: { resource_ids: [vol2.id] } }),
      400,
      'BackupService.6135',
      'resource_ids[0]',
    );
    assertCbrError(
      await h.req('POST', `${url}/removeresources`, { body: { resource_ids: [] } }),
      400,
      undefined,
      'resource_ids',
    );
    const rm = await h.req('POST', `${url}/removeresources`, { body: { resource_ids: [srv.id] } });
    assert.deepEqual(rm.json.remove_resource_ids, [srv.id]);
    assert.equal((await h.req('GET', url)).json.vault.resources.length, 0);
    assertCbrError(
      await h.req('POST', `/v3/${pa}/vaults/nope/addresources`, {
        body: { resources: [{ id: srv.id, type: 'OS::Nova::Server' }] },
      }),
      404,
      'BackupService.6105',
    );
  });
});

describe('checkpoints', () => {
  test('ShowCheckpoint: every seed field with its documented type', async () => {
    const r = await h.req('GET', `/v3/${pa}/checkpoints/${checkpointId}`);
    assert.equal(r.status, 200);
    const c = r.json.checkpoint;
    assert.equal(typeof c.created_at, 'string');
    assert.equal(c.id, checkpointId);
    assert.equal(c.project_id, pa);
    assert.equal(c.status, 'available');
    assert.equal(c.vault.id, diskVault.id);
    assert.equal(c.vault.name, 'api-disk');
    const res = c.vault.resources[0];
    assert.equal(res.id, vol1.id);
    assert.equal(res.type, 'OS::Cinder::Volume');
    assert.equal(res.protect_status, 'available');
    for (const k of ['resource_size', 'backup_size', 'backup_count'])
      assert.equal(typeof res[k], 'string', k);
    assert.equal(res.extra_info, null);
    assert.deepEqual(c.vault.skipped_resources, []);
    assert.deepEqual(Object.keys(c.extra_info).sort(), ['description', 'name', 'retention_duration']);
    assert.equal(typeof c.extra_info.retention_duration, 'number');
  });
  test('create: bad input', async () => {
    const url = `/v3/${pa}/checkpoints`;
    const cp = (p: unknown, vaultId: unknown = diskVault.id) => ({
      body: { checkpoint: { vault_id: vaultId, parameters: p } },
    });
    assertCbrError(await h.req('POST', url, { body: {} }), 400, 'BackupService.9900', 'checkpoint');
    assertCbrError(
      await h.req('POST', url, cp({}, 'f0000000-0000-4000-8000-000000000000')),
      404,
      'BackupService.6105',
      'vault_id',
    );
    assertCbrError(await h.req('POST', url, cp({}, 12)), 400, 'BackupService.9900', 'vault_id');
    assertCbrError(await h.req('POST', url, cp({ name: 'bad name!' })), 400, 'BackupService.9900', 'name');
    assertCbrError(
      await h.req('POST', url, cp({ incremental: 'yes' })),
      400,
      'BackupService.9900',
      'incremental',
    );
    assertCbrError(
      await h.req('POST', url, cp({ description: 'x'.repeat(256) })),
      400,
      'BackupService.9900',
      'description',
    );
    assertCbrError(await h.req('POST', url, cp({ resources: 'x' })), 400, 'BackupService.9900', 'resources');
    assertCbrError(
      await h.req('POST', url, cp({ resources: [vol2.id] })),
      400,
      'BackupService.0001',
      vol2.id,
    );
    assertCbrError(await h.req('POST', url, cp({}, serverVault.id)), 400, 'BackupService.0001');
    assertCbrError(
      await h.req('GET', `/v3/${pa}/checkpoints/f0000000-0000-4000-8000-000000000000`),
      404,
      'BackupService.6217',
    );
  });
});

describe('backups', () => {
  test('ShowBackup: every seed field with its documented type (null where no value)', async () => {
    const r = await h.req('GET', `/v3/${pa}/backups/${backupId}`);
    assert.equal(r.status, 200);
    const b = r.json.backup;
    const strings = [
      'checkpoint_id',
      'created_at',
      'id',
      'image_type',
      'name',
      'project_id',
      'resource_id',
      'resource_name',
      'resource_type',
      'status',
      'updated_at',
      'vault_id',
    ];
    for (const k of strings) assert.equal(typeof b[k], 'string', k);
    for (const k of ['description', 'expired_at', 'parent_id', 'resource_az']) assert.ok(k in b, k);
    assert.equal(b.parent_id, null);
    assert.equal(b.expired_at, null);
    assert.equal(typeof b.protected_at, 'string');
    assert.ok(Number.isInteger(b.resource_size));
    assert.equal(b.resource_size, 1);
    assert.ok(Array.isArray(b.children));
    assert.match(b.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const e = b.extend_info;
    for (const k of ['auto_trigger', 'bootable', 'incremental', 'support_lld', 'encrypted', 'system_disk'])
      assert.equal(typeof e[k], 'boolean', k);
    for (const k of ['snapshot_id', 'supported_restore_mode', 'os_images_data', 'contain_system_disk'])
      assert.ok(k in e, k);
    assert.equal(b.provider_id, 'd1603440-187d-4516-af25-121250c7cc97');
    assert.equal(b.enterprise_project_id, '0');
    assertCbrError(
      await h.req('GET', `/v3/${pa}/backups/f0000000-0000-4000-8000-000000000000`),
      404,
      'BackupService.6200',
      'backup_id',
    );
    assertCbrError(
      await h.req('GET', `/v3/${pa}/backups/${'x'.repeat(65)}`),
      400,
      'BackupService.9900',
      'backup_id',
    );
  });
  test('ListBackups: every parameter refuses bad values, naming it', async () => {
    const bad = [
      'dec=maybe',
      'end_time=2020-01-01',
      'end_time=2020-13-01T00:00:00Z',
      'start_time=yesterday',
      'start_time=2020-01-02T00:00:00Z&end_time=2020-01-01T00:00:00Z',
      'image_type=snapshot',
      'limit=0',
      'limit=1001',
      'limit=abc',
      'limit=1&limit=2',
      'offset=-1',
      'offset=x',
      'member_status=maybe',
      'own_type=mine',
      'resource_type=OS::Sfs::Turbo',
      'sort=size',
      'sort=name:up',
      'sort=name,name',
      `sort=${'name,'.repeat(60)}name`,
      'status=bogus',
      'status=available&status=bogus',
      'used_percent=0',
      'used_percent=101',
      'used_percent=abc',
      'marker=f0000000-0000-4000-8000-000000000000',
      'checkpoint_id=',
      'vault_id=',
      'name=',
      'resource_id=',
      'resource_name=',
      'resource_az=',
      'parent_id=',
      'enterprise_project_id=',
      'show_replication=x',
      'incremental=x',
    ];
    for (const q of bad) {
      const field = q.split('=')[0]!;
      const r = await h.req('GET', `/v3/${pa}/backups?${q}`);
      assertCbrError(
        r,
        400,
        'BackupService.9900',
        q.includes('end_time') && q.includes('start_time') ? 'end_time' : field,
      );
    }
  });
  test('ListBackups: shape and simple filters', async () => {
    const r = await h.req(
      'GET',
      `/v3/${pa}/backups?status=available&status=error&vault_id=${diskVault.id}&sort=created_at:asc,name&limit=10&offset=0`,
    );
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(Object.keys(r.json).sort(), ['backups', 'count', 'limit', 'offset']);
    assert.equal(r.json.count, 1);
    assert.equal(r.json.limit, 10);
    assert.equal(r.json.backups[0].id, backupId);
    for (const q of [
      'dec=true',
      'own_type=shared',
      'member_status=accept',
      'image_type=replication',
      'resource_type=OS::Nova::Server',
      'used_percent=100',
    ]) {
      assert.equal((await h.req('GET', `/v3/${pa}/backups?${q}`)).json.count, 0, q);
    }
    for (const q of [
      'dec=false',
      'own_type=private',
      'own_type=all_granted',
      'image_type=backup',
      'resource_type=OS::Cinder::Volume',
      'enterprise_project_id=all_granted_eps',
      'enterprise_project_id=0',
      `resource_id=${vol1.id}`,
      'resource_name=api-v1',
      'start_time=2000-01-01T00:00:00Z',
      'end_time=2999-01-01T00:00:00Z',
    ]) {
      assert.ok((await h.req('GET', `/v3/${pa}/backups?${q}`)).json.count >= 1, q);
    }
  });
  test('restore and delete: bad input and wrong state', async () => {
    const url = `/v3/${pa}/backups/${backupId}`;
    assertCbrError(await h.req('POST', `${url}/restore`, { body: {} }), 400, 'BackupService.9900', 'restore');
    assertCbrError(
      await h.req('POST', `${url}/restore`, { body: { restore: { volume_id: 5 } } }),
      400,
      'BackupService.9900',
      'volume_id',
    );
    assertCbrError(
      await h.req('POST', `${url}/restore`, { body: { restore: { mappings: 'x' } } }),
      400,
      'BackupService.9900',
      'mappings',
    );
    assertCbrError(
      await h.req('POST', `${url}/restore`, { body: { restore: { power_on: 'yes' } } }),
      400,
      'BackupService.9900',
      'power_on',
    );
    assertCbrError(
      await h.req('POST', `${url}/restore`, {
        body: { restore: { volume_id: 'f0000000-0000-4000-8000-000000000000' } },
      }),
      404,
      'BackupService.7000',
      'volume_id',
    );
    assertCbrError(
      await h.req('POST', `${url}/restore`, { body: { restore: { server_id: srv.id } } }),
      400,
      'BackupService.9900',
      'volume_id',
    );
    const small = await h.volume('small', 512);
    assertCbrError(
      await h.req('POST', `${url}/restore`, { body: { restore: { volume_id: small.id } } }),
      400,
      'BackupService.2001',
      'volume_id',
    );
    assertCbrError(
      await h.req('POST', `/v3/${pa}/backups/f0000000-0000-4000-8000-000000000000/restore`, {
        body: { restore: {} },
      }),
      404,
      'BackupService.6200',
    );
    assertCbrError(
      await h.req('DELETE', `/v3/${pa}/backups/f0000000-0000-4000-8000-000000000000`),
      404,
      'BackupService.6200',
    );
    // In `restoring`, another restore and a delete are refused; the backup stays intact.
    await h.ctx.jobs.stop();
    const ok = await h.req('POST', `${url}/restore`, { body: { restore: { volume_id: vol2.id } } });
    assert.equal(ok.status, 202, ok.body);
    assert.equal((await h.req('GET', url)).json.backup.status, 'restoring');
    assertCbrError(
      await h.req('POST', `${url}/restore`, { body: { restore: { volume_id: vol2.id } } }),
      400,
      'BackupService.2005',
    );
    assertCbrError(await h.req('DELETE', url), 400, 'BackupService.6201');
    await h.ctx.jobs.start();
    await h.drain();
    assert.equal((await h.req('GET', url)).json.backup.status, 'available');
    const fs = await import('node:fs');
    assert.ok(fs.readFileSync(vol2.path).equals(fs.readFileSync(vol1.path)), 'restored to another volume');
  });
  test('a disk being backed up is not restored, a disk being restored is not backed up', async () => {
    const url = `/v3/${pa}/backups/${backupId}`;
    await h.ctx.jobs.stop();
    assert.equal(
      (await h.req('POST', `${url}/restore`, { body: { restore: { volume_id: vol1.id } } })).status,
      202,
    );
    const cp = await h.req('POST', `/v3/${pa}/checkpoints`, {
      body: { checkpoint: { vault_id: diskVault.id } },
    });
    assertCbrError(cp, 400, 'BackupService.0001', 'being restored');
    await h.ctx.jobs.start();
    await h.drain();
    await h.ctx.jobs.stop();
    const cp2 = await h.req('POST', `/v3/${pa}/checkpoints`, {
      body: { checkpoint: { vault_id: diskVault.id } },
    });
    assert.equal(cp2.status, 200, cp2.body);
    assertCbrError(
      await h.req('POST', `${url}/restore`, { body: { restore: { volume_id: vol1.id } } }),
      400,
      'BackupService.2002',
      'being backed up',
    );
    assert.equal((await h.req('GET', url)).json.backup.status, 'available');
    await h.ctx.jobs.start();
    await h.drain();
    const b2 = (await h.req('GET', `/v3/${pa}/backups?checkpoint_id=${cp2.json.checkpoint.id}`)).json
      .backups[0];
    assert.equal(b2.status, 'available', JSON.stringify(b2));
  });
  test('UpdateBackup renames; bad names refused', async () => {
    const url = `/v3/${pa}/backups/${backupId}`;
    const r = await h.req('PUT', url, { body: { backup: { name: 'renamed_1' } } });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.backup.name, 'renamed_1');
    assertCbrError(
      await h.req('PUT', url, { body: { backup: { name: 'bad name' } } }),
      400,
      'BackupService.9900',
      'name',
    );
  });
});

describe('operation logs and protectables', () => {
  test('operation logs: list filters, show, bad input', async () => {
    const l = await h.req('GET', `/v3/${pa}/operation-logs?operation_type=backup&limit=5`);
    assert.equal(l.status, 200);
    assert.ok(l.json.count >= 1);
    const o = l.json.operation_logs[0];
    assert.equal(o.operation_type, 'backup');
    assert.equal(o.status, 'success');
    assert.match(o.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(o.extra_info.backup.backup_id.length, 36);
    assert.equal(o.extra_info.resource.type, 'OS::Cinder::Volume');
    const s = await h.req('GET', `/v3/${pa}/operation-logs/${o.id}`);
    assert.deepEqual(s.json.operation_log, o);
    assert.equal(
      (await h.req('GET', `/v3/${pa}/operation-logs?vault_id=${diskVault.id}&status=success`)).json.count >=
        1,
      true,
    );
    assert.equal(
      (await h.req('GET', `/v3/${pa}/operation-logs?end_time=2000-01-01T00:00:00Z`)).json.count,
      0,
    );
    for (const q of [
      'operation_type=x',
      'status=x',
      'limit=0',
      'offset=-1',
      'start_time=x',
      'end_time=2020-01-01',
      'provider_id=x',
    ]) {
      assertCbrError(
        await h.req('GET', `/v3/${pa}/operation-logs?${q}`),
        400,
        'BackupService.9900',
        q.split('=')[0],
      );
    }
    assertCbrError(
      await h.req('GET', `/v3/${pa}/operation-logs/f0000000-0000-4000-8000-000000000000`),
      404,
      'BackupService.6500',
    );
  });
  test('protectables over the inventory', async () => {
    const d = await h.req('GET', `/v3/${pa}/protectables/disk/instances`);
    assert.equal(d.status, 200);
    const v1 = d.json.instances.find((i: J) => i.id === vol1.id);
    assert.equal(v1.type, 'OS::Cinder::Volume');
    assert.equal(v1.protectable.result, false);
    assert.equal(v1.protectable.vault.id, diskVault.id);
    const s = await h.req('GET', `/v3/${pa}/protectables/server/instances`);
    assert.equal(s.json.instances[0].id, srv.id);
    assert.equal(s.json.instances[0].children.length, 1);
    const one = await h.req('GET', `/v3/${pa}/protectables/server/instances/${srv.id}`);
    assert.equal(one.json.instance.id, srv.id);
    assert.equal(
      (await h.req('GET', `/v3/${pa}/protectables/disk/instances?name=api-v2`)).json.instances.length,
      1,
    );
    assertCbrError(
      await h.req('GET', `/v3/${pa}/protectables/turbo/instances`),
      400,
      'BackupService.9900',
      'protectable_type',
    );
    assertCbrError(
      await h.req('GET', `/v3/${pa}/protectables/disk/instances?limit=51`),
      400,
      'BackupService.9900',
      'limit',
    );
    assertCbrError(
      await h.req('GET', `/v3/${pa}/protectables/disk/instances/f0000000-0000-4000-8000-000000000000`),
      404,
      'BackupService.7000',
    );
  });
});

describe('responses match the documented schemas', () => {
  test('ShowBackup, ListBackups, ShowCheckpoint, vaults, operation logs validate against their schemas', async () => {
    const { Ajv } = await import('ajv');
    const S = await import('../../src/api/cbr/schemas.js');
    const ajv = new Ajv({ strict: false, allErrors: true });
    const check = (schema: object, body: unknown, what: string) => {
      const validate = ajv.compile(schema);
      assert.ok(validate(body), `${what}: ${JSON.stringify(validate.errors)}`);
    };
    check(S.ShowBackupResponse, (await h.req('GET', `/v3/${pa}/backups/${backupId}`)).json, 'ShowBackup');
    check(S.ListBackupsResponse, (await h.req('GET', `/v3/${pa}/backups`)).json, 'ListBackups');
    check(
      S.CheckpointResponse,
      (await h.req('GET', `/v3/${pa}/checkpoints/${checkpointId}`)).json,
      'ShowCheckpoint',
    );
    check(S.VaultResponse, (await h.req('GET', `/v3/${pa}/vaults/${diskVault.id}`)).json, 'ShowVault');
    check(S.ListVaultResponse, (await h.req('GET', `/v3/${pa}/vaults`)).json, 'ListVault');
    check(S.ListOperationLogsResponse, (await h.req('GET', `/v3/${pa}/operation-logs`)).json, 'ListOpLogs');
    // The schemas forbid nothing by default; every documented field must be present.
    const required = (S.BackupResp as { required?: string[] }).required ?? [];
    assert.ok(
      required.includes('children') && required.includes('extend_info') && required.includes('resource_az'),
    );
  });
});
