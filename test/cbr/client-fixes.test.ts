// What real clients (Huawei's SDK, the OTC SDK and CLI) send: repeated list parameters, marker paging, an empty
// restore mapping list, the literal vault routes (batch-update, external).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { type Harness, type J, MiB, createVault, startHarness } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

const vaultsUrl = () => `/v3/${h.a.projectId}/vaults`;

test('ListVault: a repeated id is a list, marker pages after the given vault', async () => {
  const made: J[] = [];
  for (let i = 0; i < 5; i++) made.push(await createVault(h, 'disk', [], `mk-${i}`));
  const ids = made.map((v) => v.id as string);

  const two = await h.req('GET', `${vaultsUrl()}?id=${ids[0]}&id=${ids[3]}`);
  assert.equal(two.status, 200, two.body);
  assert.deepEqual(two.json.vaults.map((v: J) => v.id).sort(), [ids[0], ids[3]].sort());
  assert.equal(two.json.count, 2);
  const one = await h.req('GET', `${vaultsUrl()}?id=${ids[2]}`);
  assert.deepEqual(
    one.json.vaults.map((v: J) => v.id),
    [ids[2]],
  );

  // Marker paging as the OTC SDK does it: the last id of each page until a page comes back empty.
  const seen: string[] = [];
  let marker: string | undefined;
  for (let pages = 0; pages < 10; pages++) {
    const r = await h.req('GET', `${vaultsUrl()}?limit=2${marker ? `&marker=${marker}` : ''}`);
    assert.equal(r.status, 200, r.body);
    const page = r.json.vaults.map((v: J) => v.id as string);
    if (page.length === 0) break;
    seen.push(...page);
    marker = page[page.length - 1];
  }
  const every = await h.req('GET', vaultsUrl());
  assert.deepEqual(
    seen,
    every.json.vaults.map((v: J) => v.id),
    'each vault once, in the listing order, and the paging ends',
  );
  assert.equal(seen.length, every.json.count);

  // Marker with a filter: only the filtered vaults after it.
  const filtered = await h.req('GET', `${vaultsUrl()}?marker=${seen[0]}&id=${seen[0]}&id=${seen[1]}`);
  assert.deepEqual(
    filtered.json.vaults.map((v: J) => v.id),
    [seen[1]],
  );

  const unknown = await h.req('GET', `${vaultsUrl()}?marker=no-such-vault`);
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json.error_code, 'BackupService.9900');
  assert.match(unknown.json.error_msg, /marker/);
  // Another project's vault is no marker here.
  const foreign = await h.req('GET', `/v3/${h.b.projectId}/vaults?marker=${ids[0]}`, { token: h.b.token });
  assert.equal(foreign.status, 400);
  const twice = await h.req('GET', `${vaultsUrl()}?marker=${ids[0]}&marker=${ids[1]}`);
  assert.equal(twice.status, 400);
  const long = await h.req('GET', `${vaultsUrl()}?id=${'x'.repeat(65)}`);
  assert.equal(long.status, 400);
  for (const v of made) assert.equal((await h.req('DELETE', `${vaultsUrl()}/${v.id}`)).status, 204);
});

test('RestoreBackup: "mappings": [] restores a disk backup, and a server backup, to the original disks', async () => {
  const disk = await h.volume('rm-disk', MiB);
  const original = fs.readFileSync(disk.path);
  const vault = await createVault(h, 'disk', [{ id: disk.id, type: 'OS::Cinder::Volume' }], 'rm-disk');
  const cp = await h.req('POST', `/v3/${h.a.projectId}/checkpoints`, {
    body: { checkpoint: { vault_id: vault.id, parameters: {} } },
  });
  assert.equal(cp.status, 200, cp.body);
  await h.drain();
  const list = await h.req('GET', `/v3/${h.a.projectId}/backups?vault_id=${vault.id}`);
  const [b] = list.json.backups as J[];
  assert.equal(b.status, 'available');
  fs.writeFileSync(disk.path, Buffer.alloc(MiB, 7));
  const r = await h.req('POST', `/v3/${h.a.projectId}/backups/${b.id}/restore`, {
    body: { restore: { volume_id: disk.id, mappings: [] } },
  });
  assert.equal(r.status, 202, r.body);
  await h.drain();
  assert.ok(fs.readFileSync(disk.path).equals(original), 'disk restored byte for byte');
  // Without volume_id too (the original volume), as the OTC CLI sends it.
  fs.writeFileSync(disk.path, Buffer.alloc(MiB, 8));
  const r2 = await h.req('POST', `/v3/${h.a.projectId}/backups/${b.id}/restore`, {
    body: { restore: { mappings: [] } },
  });
  assert.equal(r2.status, 202, r2.body);
  await h.drain();
  assert.ok(fs.readFileSync(disk.path).equals(original));

  const sys = await h.volume('rm-sys', MiB);
  const srv = await h.server('rm-srv', [sys.id]);
  const sv = await createVault(h, 'server', [{ id: srv.id, type: 'OS::Nova::Server' }], 'rm-srv');
  await h.req('POST', `/v3/${h.a.projectId}/checkpoints`, {
    body: { checkpoint: { vault_id: sv.id, parameters: {} } },
  });
  await h.drain();
  const [sb] = (await h.req('GET', `/v3/${h.a.projectId}/backups?vault_id=${sv.id}`)).json.backups as J[];
  const sysOriginal = fs.readFileSync(sys.path);
  fs.writeFileSync(sys.path, Buffer.alloc(MiB, 9));
  const r3 = await h.req('POST', `/v3/${h.a.projectId}/backups/${sb.id}/restore`, {
    body: { restore: { server_id: srv.id, mappings: [] } },
  });
  assert.equal(r3.status, 202, r3.body);
  await h.drain();
  assert.ok(fs.readFileSync(sys.path).equals(sysOriginal), 'server disk restored byte for byte');

  // A mapping list is still checked when it is not empty.
  const bad = await h.req('POST', `/v3/${h.a.projectId}/backups/${sb.id}/restore`, {
    body: { restore: { server_id: srv.id, mappings: [{ backup_id: 'nope', volume_id: sys.id }] } },
  });
  assert.equal(bad.status, 400);
});

test('BatchUpdateVault updates the notification settings of every vault of the project only', async () => {
  const a1 = await createVault(h, 'disk', [], 'bu-1');
  const a2 = await createVault(h, 'server', [], 'bu-2');
  const other = await h.req('POST', `/v3/${h.b.projectId}/vaults`, {
    token: h.b.token,
    body: {
      vault: {
        name: 'bu-b',
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
  assert.equal(other.status, 200, other.body);
  const url = `${vaultsUrl()}/batch-update`;
  const r = await h.req('PUT', url, { body: { vault: { smn_notify: false, threshold: 55 } } });
  assert.equal(r.status, 200, r.body);
  const every = (await h.req('GET', vaultsUrl())).json.vaults.map((v: J) => v.id as string);
  assert.deepEqual([...r.json.updated_vaults_id].sort(), [...every].sort());
  assert.ok(r.json.updated_vaults_id.includes(a1.id) && r.json.updated_vaults_id.includes(a2.id));
  for (const id of [a1.id, a2.id]) {
    const v = (await h.req('GET', `${vaultsUrl()}/${id}`)).json.vault;
    assert.equal(v.smn_notify, false);
    assert.equal(v.threshold, 55);
  }
  const ov = await h.req('GET', `/v3/${h.b.projectId}/vaults/${other.json.vault.id}`, { token: h.b.token });
  assert.equal(ov.json.vault.threshold, 80, 'another project is untouched');
  assert.equal(ov.json.vault.smn_notify, true);

  const only = await h.req('PUT', url, { body: { vault: { threshold: 90 } } });
  assert.equal(only.status, 200);
  const v1 = (await h.req('GET', `${vaultsUrl()}/${a1.id}`)).json.vault;
  assert.equal(v1.threshold, 90);
  assert.equal(v1.smn_notify, false, 'a field not given keeps its value');

  for (const [body, field] of [
    [{ vault: {} }, 'vault'],
    [{ vault: { threshold: 0 } }, 'threshold'],
    [{ vault: { threshold: 101 } }, 'threshold'],
    [{ vault: { smn_notify: 'yes' } }, 'smn_notify'],
    [{}, 'vault'],
  ] as const) {
    const bad = await h.req('PUT', url, { body });
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.equal(bad.json.error_code, 'BackupService.9900');
    assert.match(bad.json.error_msg, new RegExp(field));
  }
  assert.equal((await h.req('PUT', url, { token: null, body: { vault: { threshold: 50 } } })).status, 401);
});

test('ListExternalVault: a clear error naming region_id when no replication region is configured', async () => {
  const url = `${vaultsUrl()}/external`;
  const r = await h.req('GET', `${url}?external_project_id=${h.b.projectId}&region_id=region-b`);
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json.error_code, 'BackupService.9900');
  assert.match(r.json.error_msg, /region_id: region-b is not a replication region/);
  const noRegion = await h.req('GET', `${url}?external_project_id=${h.b.projectId}`);
  assert.equal(noRegion.status, 400);
  assert.match(noRegion.json.error_msg, /region_id/);
  const noProject = await h.req('GET', `${url}?region_id=region-b`);
  assert.equal(noProject.status, 400);
  assert.match(noProject.json.error_msg, /external_project_id/);
  const badType = await h.req('GET', `${url}?external_project_id=x&region_id=r&protect_type=mirror`);
  assert.equal(badType.status, 400);
  assert.equal((await h.req('GET', `${url}?external_project_id=x&region_id=r`, { token: null })).status, 401);
});
