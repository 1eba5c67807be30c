// The rest of CBR's surface about this deployment: features, replication capabilities, storage usage per
// resource, a backup's metadata, the caller's projects and domains, and the billing calls (a post-paid vault
// order works, charge-mode and order changes are refused with CBR's error).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Harness, type J, MiB, createVault, startHarness } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startHarness({ env: { OPENCBR_REGION: 'region-test' } });
});
after(async () => {
  await h.close();
});

const P = () => h.a.projectId;

test('ListFeatures and ShowFeature describe this deployment', async () => {
  const all = await h.req('GET', `/v3/${P()}/cbr-features`);
  assert.equal(all.status, 200, all.body);
  assert.equal(all.json['replication.enable'], false);
  assert.equal(all.json['replication.source_region'], 'region-test');
  const one = await h.req('GET', `/v3/${P()}/cbr-features/replication.source_region`);
  assert.deepEqual(one.json, { 'replication.source_region': 'region-test' });
  const unknown = await h.req('GET', `/v3/${P()}/cbr-features/no.such.feature`);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.error_code, 'BackupService.9900');
  const caps = await h.req('GET', `/v3/${P()}/replication-capabilities`);
  assert.deepEqual(caps.json, { regions: [{ name: 'region-test', replication_destinations: [] }] });
  assert.equal((await h.req('GET', `/v3/${P()}/cbr-features`, { token: null })).status, 401);
});

test('ShowStorageUsage: backups and stored bytes per resource, equal to the vault resources; ShowMetadata', async () => {
  const sys = await h.volume('su-sys', MiB);
  const data = await h.volume('su-data', 2 * MiB);
  const srv = await h.server('su-srv', [sys.id, data.id]);
  const vault = await createVault(h, 'server', [{ id: srv.id, type: 'OS::Nova::Server' }], 'su');
  for (let i = 0; i < 2; i++) {
    const cp = await h.req('POST', `/v3/${P()}/checkpoints`, {
      body: { checkpoint: { vault_id: vault.id, parameters: { name: `su-${i}` } } },
    });
    assert.equal(cp.status, 200, cp.body);
    await h.drain();
  }
  const usage = await h.req('GET', `/v3/${P()}/storage_usage?resource_type=OS::Nova::Server`);
  assert.equal(usage.status, 200, usage.body);
  const mine = (usage.json.storage_usage as J[]).find((u) => u.resource_id === srv.id);
  const shown = (await h.req('GET', `/v3/${P()}/vaults/${vault.id}`)).json.vault;
  const held = (shown.resources as J[]).find((r) => r.id === srv.id);
  assert.equal(mine.backup_count, 2);
  assert.equal(mine.resource_name, 'su-srv');
  assert.equal(mine.resource_type, 'OS::Nova::Server');
  assert.equal(mine.backup_size, held.backup_size);
  assert.ok(mine.backup_size > 3 * MiB, 'random data does not compress: at least the full backup is stored');
  const byId = await h.req('GET', `/v3/${P()}/storage_usage?resource_id=${srv.id}`);
  assert.equal(byId.json.resource_count, 1);
  const disks = await h.req('GET', `/v3/${P()}/storage_usage?resource_type=OS::Cinder::Volume`);
  assert.ok(!(disks.json.storage_usage as J[]).some((u) => u.resource_id === srv.id));
  const paged = await h.req('GET', `/v3/${P()}/storage_usage?offset=${usage.json.resource_count}`);
  assert.deepEqual(paged.json.storage_usage, []);
  assert.equal((await h.req('GET', `/v3/${P()}/storage_usage?resource_type=OS::Foo`)).status, 400);
  // Another project sees none of it.
  const other = await h.req('GET', `/v3/${h.b.projectId}/storage_usage`, { token: h.b.token });
  assert.equal(other.json.resource_count, 0);

  const [backup] = (await h.req('GET', `/v3/${P()}/backups?vault_id=${vault.id}&sort=created_at:desc`)).json
    .backups as J[];
  const meta = await h.req('GET', `/v3/${P()}/backups/${backup.id}/metadata`);
  assert.equal(meta.status, 200, meta.body);
  assert.equal(meta.json.backup_id, backup.id);
  assert.equal(JSON.parse(meta.json.server).id, srv.id);
  const volumes = (meta.json.volumes as string[]).map((v) => JSON.parse(v));
  assert.deepEqual(
    volumes.map((v) => [v.id, v.bootable, v.size_bytes]),
    [
      [sys.id, 'true', MiB],
      [data.id, 'false', 2 * MiB],
    ],
  );
  const children = JSON.parse(meta.json.backups) as J[];
  assert.deepEqual(
    children.map((c) => c.volume_id),
    [sys.id, data.id],
  );
  const foreign = await h.req('GET', `/v3/${h.b.projectId}/backups/${backup.id}/metadata`, {
    token: h.b.token,
  });
  assert.equal(foreign.status, 404);
  await h.req('DELETE', `/v3/${P()}/backups/${backup.id}`);
  const deleting = await h.req('GET', `/v3/${P()}/backups/${backup.id}/metadata`);
  if (deleting.status !== 404) {
    assert.equal(deleting.status, 400);
    assert.equal(deleting.json.error_code, 'BackupService.6206');
  }
  await h.drain();
});

test('ShowDomain, ListDomainProjects, ListProjects: only the projects the caller holds a role in', async () => {
  const dom = await h.req('GET', `/v3/domain/${P()}`);
  assert.equal(dom.status, 200, dom.body);
  assert.equal(dom.json.project_id, P());
  assert.equal(dom.json.project_name, 'admin');
  assert.equal(dom.json.domain_name, 'Default');
  const hidden = await h.req('GET', `/v3/domain/${h.b.projectId}`);
  assert.equal(hidden.status, 404, 'project B is not the admin user’s');
  const mine = await h.req('GET', '/v3/domain/Default/projects');
  assert.deepEqual(
    (mine.json.projects as J[]).map((p) => p.project_id),
    [P()],
  );
  assert.deepEqual((await h.req('GET', '/v3/domain/Other/projects')).json.projects, []);
  const listed = await h.req('GET', '/v3/region-projects', { token: h.b.token });
  assert.deepEqual(
    (listed.json.projects as J[]).map((p) => p.id),
    [h.b.projectId],
  );
  assert.equal((await h.req('GET', '/v3/region-projects', { token: null })).status, 401);
  assert.equal((await h.req('GET', '/v3/region-projects', { token: 'bogus' })).status, 401);
});

test('billing: CreatePostPaidVault makes a vault and answers in the order shape; order changes are refused', async () => {
  const order = await h.req('POST', `/v3/${P()}/vaults/order`, {
    body: {
      vault: {
        name: 'ordered',
        billing: {
          consistent_level: 'crash_consistent',
          object_type: 'disk',
          protect_type: 'backup',
          size: 40,
        },
        resources: [],
        parameters: { combined_order: {} },
      },
    },
  });
  assert.equal(order.status, 200, order.body);
  assert.equal(order.json.retCode, 0);
  const [o] = order.json.orders as J[];
  assert.equal(o.subscribeResult, 1);
  const vault = await h.req('GET', `/v3/${P()}/vaults/${o.resourceId}`);
  assert.equal(vault.status, 200);
  assert.equal(vault.json.vault.name, 'ordered');
  assert.equal(vault.json.vault.billing.size, 40);
  const prepaid = await h.req('POST', `/v3/${P()}/vaults/order`, {
    body: {
      vault: {
        name: 'prepaid',
        billing: {
          consistent_level: 'crash_consistent',
          object_type: 'disk',
          protect_type: 'backup',
          size: 40,
          charging_mode: 'pre_paid',
          period_type: 'month',
          period_num: 1,
        },
        resources: [],
      },
    },
  });
  assert.equal(prepaid.status, 400);
  assert.equal(prepaid.json.error_code, 'BackupService.6109');
  for (const [method, url] of [
    ['POST', `/v3/${P()}/vaults/change-charge-mode`],
    ['POST', `/v3/${P()}/orders/change`],
    ['PUT', `/v3/${P()}/orders/some-order`],
  ] as const) {
    const r = await h.req(method, url, { body: {} });
    assert.equal(r.status, 400, `${method} ${url}: ${r.body}`);
    assert.equal(r.json.error_code, 'BackupService.6109');
    assert.match(r.json.error_msg, /no billing/);
    assert.equal((await h.req(method, url, { body: {}, token: null })).status, 401);
  }
});
