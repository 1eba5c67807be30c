// Cinder v3 backups API over the shared catalog, through the HTTP surface (inject) with real backups.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type Harness, cbrDiskCheckpoint, declareVolume, startHarness, waitFor } from './harness.js';

let h: Harness;
let P: string;

type Json = Record<string, unknown> & {
  backup?: Record<string, unknown>;
  backups?: Array<Record<string, unknown>>;
};

function call(
  method: string,
  url: string,
  opts: { version?: string; token?: string | null; payload?: unknown } = {},
) {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? h.adminToken : opts.token;
  if (token) headers['x-auth-token'] = token;
  if (opts.version) headers['openstack-api-version'] = `volume ${opts.version}`;
  return h.app.inject({
    method: method as 'GET',
    url,
    headers,
    ...(opts.payload !== undefined ? { payload: opts.payload as object } : {}),
  });
}

async function createBackup(volumeId: string, extra: Record<string, unknown> = {}, version?: string) {
  const res = await call('POST', `/volume/v3/${P}/backups`, {
    payload: { backup: { volume_id: volumeId, ...extra } },
    ...(version ? { version } : {}),
  });
  assert.equal(res.statusCode, 202, res.body);
  return (res.json() as Json).backup!.id as string;
}

async function settled(id: string, version = '3.0'): Promise<Record<string, unknown>> {
  return waitFor(async () => {
    const res = await call('GET', `/volume/v3/${P}/backups/${id}`, { version });
    if (res.statusCode !== 200) return null;
    const b = (res.json() as Json).backup!;
    return b.status === 'creating' || b.status === 'restoring' ? null : b;
  });
}

async function gone(id: string): Promise<void> {
  await waitFor(async () => (await call('GET', `/volume/v3/${P}/backups/${id}`)).statusCode === 404);
}

describe('Cinder v3 backups API', () => {
  let vol: { id: string; file: string; data: Buffer };
  let firstId: string;

  before(async () => {
    h = await startHarness();
    P = h.adminProjectId;
    vol = await declareVolume(h, 'data-1', 3 * 1024 * 1024 + 512, 3);
  });
  after(async () => {
    await h.close();
  });

  it('serves the version documents', async () => {
    const root = await call('GET', '/volume/', { token: null });
    assert.equal(root.statusCode, 300);
    const doc = root.json() as { versions: Array<Record<string, unknown>> };
    assert.equal(doc.versions[0]!.id, 'v3.0');
    assert.equal(doc.versions[0]!.min_version, '3.0');
    assert.equal(doc.versions[0]!.version, '3.71');
    const v3 = await call('GET', '/volume/v3/', { token: null });
    assert.equal(v3.statusCode, 200);
    assert.equal((v3.json() as { versions: Array<{ id: string }> }).versions[0]!.id, 'v3.0');
  });

  it('negotiates microversions: default 3.0, echo, latest, 406 beyond, 400 malformed, legacy header', async () => {
    const d = await call('GET', `/volume/v3/${P}/backups`);
    assert.equal(d.headers['openstack-api-version'], 'volume 3.0');
    assert.equal(d.headers.vary, 'OpenStack-API-Version');
    assert.match(String(d.headers['x-compute-request-id']), /^req-[0-9a-f-]{36}$/);
    assert.equal(
      (await call('GET', `/volume/v3/${P}/backups`, { version: '3.64' })).headers['openstack-api-version'],
      'volume 3.64',
    );
    assert.equal(
      (await call('GET', `/volume/v3/${P}/backups`, { version: 'latest' })).headers['openstack-api-version'],
      'volume 3.71',
    );
    for (const bad of ['3.72', '2.0', '4.0']) {
      const r = await call('GET', `/volume/v3/${P}/backups`, { version: bad });
      assert.equal(r.statusCode, 406, bad);
      assert.deepEqual(r.json(), {
        computeFault: {
          code: 406,
          message: `Version ${bad} is not supported by the API. Minimum is 3.0 and maximum is 3.71.`,
        },
      });
    }
    const m = await call('GET', `/volume/v3/${P}/backups`, { version: 'three' });
    assert.equal(m.statusCode, 400);
    assert.equal((m.json() as { badRequest: { code: number } }).badRequest.code, 400);
    const legacy = await h.app.inject({
      method: 'GET',
      url: `/volume/v3/${P}/backups`,
      headers: { 'x-auth-token': h.adminToken, 'x-openstack-volume-api-version': '3.45' },
    });
    assert.equal(legacy.headers['openstack-api-version'], 'volume 3.45');
    const multi = await h.app.inject({
      method: 'GET',
      url: `/volume/v3/${P}/backups`,
      headers: { 'x-auth-token': h.adminToken, 'openstack-api-version': 'compute 2.1, volume 3.50' },
    });
    assert.equal(multi.headers['openstack-api-version'], 'volume 3.50');
  });

  it('answers auth failures and unknown routes with Cinder faults', async () => {
    const none = await call('GET', `/volume/v3/${P}/backups`, { token: null });
    assert.equal(none.statusCode, 401);
    assert.equal((none.json() as { unauthorized: { code: number } }).unauthorized.code, 401);
    const bad = await call('GET', `/volume/v3/${P}/backups`, { token: 'not-a-token' });
    assert.equal(bad.statusCode, 401);
    const other = await call('GET', `/volume/v3/${P}/backups`, { token: h.otherToken });
    assert.equal(other.statusCode, 403);
    assert.equal((other.json() as { forbidden: { code: number } }).forbidden.code, 403);
    const nf = await call('GET', `/volume/v3/${P}/nothing-here`);
    assert.equal(nf.statusCode, 404);
    assert.equal((nf.json() as { itemNotFound: { code: number } }).itemNotFound.code, 404);
    const wrong = await call('PATCH', `/volume/v3/${P}/backups`);
    assert.equal(wrong.statusCode, 405);
    assert.equal((wrong.json() as { badMethod: { code: number } }).badMethod.code, 405);
    assert.match(String(wrong.headers.allow), /POST/);
    const missing = await call('GET', `/volume/v3/${P}/backups/7b3a7a0e-4d47-4f55-8c53-3f6a1c0f2d11`);
    assert.deepEqual(missing.json(), {
      itemNotFound: { code: 404, message: 'Backup 7b3a7a0e-4d47-4f55-8c53-3f6a1c0f2d11 could not be found.' },
    });
  });

  it('refuses bad create requests without storing anything', async () => {
    const before = (await call('GET', `/volume/v3/${P}/backups`)).json() as Json;
    const cases: Array<[unknown, number, string?]> = [
      [{ backup: { volume_id: '0b1d7b2e-0d3a-4f35-b8a4-4f3c8a0e9a11' } }, 404, 'itemNotFound'],
      [{ backup: { volume_id: vol.id, colour: 'red' } }, 400, 'badRequest'],
      [{ backup: { volume_id: vol.id, metadata: { a: 'b' } } }, 400, 'badRequest'],
      [{ backup: { volume_id: vol.id, availability_zone: 'az-01' } }, 400, 'badRequest'],
      [{ backup: { volume_id: vol.id, force: 'maybe' } }, 400, 'badRequest'],
      [{ backup: { volume_id: vol.id, incremental: true } }, 400, 'badRequest'],
      [
        { backup: { volume_id: vol.id, snapshot_id: '6a5e7f5c-3b0a-4a4e-9f1a-7f8d9e0a1b2c' } },
        404,
        'itemNotFound',
      ],
      [{ backup: { volume_id: vol.id, name: 'x'.repeat(256) } }, 400, 'badRequest'],
      [{ volume_id: vol.id }, 400, 'badRequest'],
      ['not json at all', 415, 'badMediaType'],
    ];
    for (const [payload, status, fault] of cases) {
      const res = await call('POST', `/volume/v3/${P}/backups`, { payload });
      assert.equal(res.statusCode, status, `${JSON.stringify(payload)} → ${res.body}`);
      assert.ok(fault! in (res.json() as object), res.body);
    }
    const broken = await h.app.inject({
      method: 'POST',
      url: `/volume/v3/${P}/backups`,
      headers: { 'x-auth-token': h.adminToken, 'content-type': 'application/json' },
      payload: '{"backup": {',
    });
    assert.equal(broken.statusCode, 400, broken.body);
    assert.ok('badRequest' in (broken.json() as object));
    const incr = await call('POST', `/volume/v3/${P}/backups`, {
      payload: { backup: { volume_id: vol.id, incremental: true } },
    });
    assert.match(res400(incr), /No backups available to do an incremental backup/);
    const afterList = (await call('GET', `/volume/v3/${P}/backups`)).json() as Json;
    assert.deepEqual(afterList, before);
  });

  it('creates a backup that really holds the volume, visible to CBR as OS::Cinder::Volume', async () => {
    const res = await call('POST', `/volume/v3/${P}/backups`, {
      version: '3.51',
      payload: {
        backup: {
          volume_id: vol.id,
          name: 'first',
          description: 'the first one',
          force: 'false',
          metadata: { purpose: 'test' },
          availability_zone: 'az-01',
        },
      },
    });
    assert.equal(res.statusCode, 202, res.body);
    const created = (res.json() as Json).backup!;
    assert.deepEqual(Object.keys(created).sort(), ['id', 'links', 'metadata', 'name']);
    assert.deepEqual(created.metadata, { purpose: 'test' });
    firstId = created.id as string;
    const links = created.links as Array<{ href: string; rel: string }>;
    assert.equal(links[0]!.href, `http://localhost:80/volume/v3/${P}/backups/${firstId}`);
    assert.equal(links[1]!.href, `http://localhost:80/volume/${P}/backups/${firstId}`);

    const b = await settled(firstId);
    assert.equal(b.status, 'available');
    // seed 001's fields, at 3.0
    for (const k of [
      'status',
      'description',
      'links',
      'availability_zone',
      'volume_id',
      'fail_reason',
      'id',
      'size',
      'object_count',
      'container',
      'name',
      'created_at',
      'os-backup-project-attr:project_id',
      'updated_at',
      'data_timestamp',
      'has_dependent_backups',
      'snapshot_id',
      'is_incremental',
    ]) {
      assert.ok(k in b, `missing ${k}`);
    }
    assert.equal('metadata' in b, false);
    assert.equal('user_id' in b, false);
    assert.equal(b.size, 1);
    assert.equal(b.object_count, Math.ceil(vol.data.length / 65536));
    assert.equal(b.container, 'default-disk-vault');
    assert.equal(b.is_incremental, false);
    assert.equal(b.has_dependent_backups, false);
    assert.equal(b.volume_id, vol.id);
    assert.equal(b.description, 'the first one');
    assert.equal(b['os-backup-project-attr:project_id'], P);
    assert.match(String(b.created_at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);

    const at364 = await settled(firstId, '3.64');
    assert.deepEqual(at364.metadata, { purpose: 'test' });
    assert.equal(typeof at364.user_id, 'string');
    assert.equal('encryption_key_id' in at364, false);

    // CBR sees the same backup in the project's default disk vault.
    const cbr = await h.app.inject({
      method: 'GET',
      url: `/v3/${P}/backups?resource_type=OS::Cinder::Volume`,
      headers: { 'x-auth-token': h.adminToken },
    });
    assert.equal(cbr.statusCode, 200, cbr.body);
    const found = (cbr.json() as { backups: Array<Record<string, unknown>> }).backups.find(
      (x) => x.id === firstId,
    );
    assert.ok(found, cbr.body);
    assert.equal(found.resource_type, 'OS::Cinder::Volume');
    assert.equal(found.resource_id, vol.id);
  });

  it('restores into an existing volume and into a new volume, byte for byte', async () => {
    const target = await declareVolume(h, 'target-1', 4 * 1024 * 1024, 9);
    const r1 = await call('POST', `/volume/v3/${P}/backups/${firstId}/restore`, {
      payload: { restore: { volume_id: target.id } },
    });
    assert.equal(r1.statusCode, 202, r1.body);
    assert.deepEqual(r1.json(), {
      restore: { backup_id: firstId, volume_id: target.id, volume_name: 'target-1' },
    });
    await settled(firstId);
    const after = fs.readFileSync(target.file);
    assert.deepEqual(after.subarray(0, vol.data.length), vol.data);
    // The larger existing volume keeps its size (Cinder never shrinks it); beyond the backup: zeros.
    assert.equal(after.length, 4 * 1024 * 1024);
    assert.ok(after.subarray(vol.data.length).every((x) => x === 0));

    const r2 = await call('POST', `/volume/v3/${P}/backups/${firstId}/restore`, {
      payload: { restore: { name: 'fresh' } },
    });
    assert.equal(r2.statusCode, 202, r2.body);
    const restored = (r2.json() as { restore: { volume_id: string; volume_name: string } }).restore;
    assert.equal(restored.volume_name, 'fresh');
    await settled(firstId);
    const shown = await call('GET', `/volume/v3/${P}/volumes/${restored.volume_id}`);
    assert.equal(shown.statusCode, 200);
    const inv = await h.ctx.inventory.getVolume(P, restored.volume_id);
    assert.ok(inv.path.startsWith(fs.realpathSync(h.volumeRoot)));
    assert.deepEqual(fs.readFileSync(inv.path), vol.data);

    // An empty body restores into a new volume named after the backup.
    const r3 = await call('POST', `/volume/v3/${P}/backups/${firstId}/restore`, { payload: { restore: {} } });
    assert.equal(r3.statusCode, 202, r3.body);
    assert.equal(
      (r3.json() as { restore: { volume_name: string } }).restore.volume_name,
      `restore_backup_${firstId}`,
    );
    await settled(firstId);

    const small = await declareVolume(h, 'small', 1024 * 1024, 2);
    const r4 = await call('POST', `/volume/v3/${P}/backups/${firstId}/restore`, {
      payload: { restore: { volume_id: small.id } },
    });
    assert.equal(r4.statusCode, 400);
    assert.match(res400(r4), /too small/);
    const r5 = await call('POST', `/volume/v3/${P}/backups/${firstId}/restore`, {
      payload: { restore: { volume_id: '5f0c4a8e-0000-4000-8000-000000000000' } },
    });
    assert.equal(r5.statusCode, 404);
  });

  it('makes incremental backups, reports dependents, and refuses to delete a backup others depend on', async () => {
    const data = fs.readFileSync(vol.file);
    data.fill(0xab, 4096, 8192);
    fs.writeFileSync(vol.file, data);
    const incId = await createBackup(vol.id, { incremental: true, name: 'second' });
    const inc = await settled(incId);
    assert.equal(inc.status, 'available');
    assert.equal(inc.is_incremental, true);
    const first = await settled(firstId);
    assert.equal(first.has_dependent_backups, true);
    const del = await call('DELETE', `/volume/v3/${P}/backups/${firstId}`);
    assert.equal(del.statusCode, 400);
    assert.deepEqual(del.json(), {
      badRequest: { code: 400, message: 'Invalid backup: Incremental backups exist for this backup.' },
    });
    // restore of the incremental gives the changed bytes
    const target = await declareVolume(h, 'target-2', 4 * 1024 * 1024, 4);
    const r = await call('POST', `/volume/v3/${P}/backups/${incId}/restore`, {
      payload: { restore: { volume_id: target.id } },
    });
    assert.equal(r.statusCode, 202, r.body);
    await settled(incId);
    assert.deepEqual(fs.readFileSync(target.file).subarray(0, data.length), data);
  });

  it('pages, sorts, filters and counts like Cinder', async () => {
    const vol2 = await declareVolume(h, 'data-2', 1024 * 1024, 7);
    const ids = [] as string[];
    for (const name of ['page-c', 'page-a', 'page-b']) {
      ids.push(await createBackup(vol2.id, { name }));
      await settled(ids[ids.length - 1]!);
    }
    const all = (
      await call('GET', `/volume/v3/${P}/backups?volume_id=${vol2.id}&sort=name:asc`)
    ).json() as Json;
    assert.deepEqual(
      all.backups!.map((b) => b.name),
      ['page-a', 'page-b', 'page-c'],
    );
    assert.equal('backups_links' in all, false);
    const p1 = (
      await call('GET', `/volume/v3/${P}/backups/detail?volume_id=${vol2.id}&sort=name:asc&limit=2`)
    ).json() as Json & {
      backups_links: Array<{ rel: string; href: string }>;
    };
    assert.deepEqual(
      p1.backups!.map((b) => b.name),
      ['page-a', 'page-b'],
    );
    assert.equal(p1.backups_links[0]!.rel, 'next');
    const next = new URL(p1.backups_links[0]!.href);
    assert.equal(next.pathname, `/volume/v3/${P}/backups/detail`);
    assert.equal(next.searchParams.get('marker'), p1.backups![1]!.id);
    const p2 = (await call('GET', `${next.pathname}${next.search}`)).json() as Json;
    assert.deepEqual(
      p2.backups!.map((b) => b.name),
      ['page-c'],
    );
    assert.equal('backups_links' in p2, false);
    // count at 3.45 only
    const c = (
      await call('GET', `/volume/v3/${P}/backups?volume_id=${vol2.id}&with_count=true&limit=1`, {
        version: '3.45',
      })
    ).json() as Json;
    assert.equal(c.count, 3);
    assert.equal(c.backups!.length, 1);
    const c0 = (
      await call('GET', `/volume/v3/${P}/backups?volume_id=${vol2.id}&with_count=true`)
    ).json() as Json;
    assert.equal('count' in c0, false);
    // exact and like filters
    const byName = (await call('GET', `/volume/v3/${P}/backups?name=page-b`)).json() as Json;
    assert.deepEqual(
      byName.backups!.map((b) => b.id),
      [ids[2]],
    );
    const like = (
      await call('GET', `/volume/v3/${P}/backups?name~=PAGE-&sort=name:desc`, { version: '3.34' })
    ).json() as Json;
    assert.deepEqual(
      like.backups!.map((b) => b.name),
      ['page-c', 'page-b', 'page-a'],
    );
    const status = (
      await call('GET', `/volume/v3/${P}/backups?status=creating&volume_id=${vol2.id}`)
    ).json() as Json;
    assert.equal(status.backups!.length, 0);
    // unknown filters: ignored below 3.31, refused from 3.31
    assert.equal((await call('GET', `/volume/v3/${P}/backups?colour=red`)).statusCode, 200);
    const refused = await call('GET', `/volume/v3/${P}/backups?colour=red`, { version: '3.31' });
    assert.equal(refused.statusCode, 400);
    assert.match(res400(refused), /Invalid filters colour are provided/);
    for (const q of [
      'limit=-1',
      'limit=x',
      'offset=-2',
      'sort=bogus:asc',
      'sort=name:up',
      'sort=name&sort_key=id',
      'marker=nope',
    ]) {
      const r = await call('GET', `/volume/v3/${P}/backups?${q}`);
      assert.equal(r.statusCode, 400, `${q}: ${r.body}`);
    }
    // sort_key/sort_dir, offset
    const legacy = (
      await call('GET', `/volume/v3/${P}/backups?volume_id=${vol2.id}&sort_key=name&sort_dir=asc&offset=1`)
    ).json() as Json;
    assert.deepEqual(
      legacy.backups!.map((b) => b.name),
      ['page-b', 'page-c'],
    );
    // project-less URL (3.67 form) lists the same backups
    const pl = (
      await call('GET', `/volume/v3/backups?volume_id=${vol2.id}&sort=name:asc`, { version: '3.67' })
    ).json() as Json;
    assert.deepEqual(
      pl.backups!.map((b) => b.id),
      all.backups!.map((b) => b.id),
    );
  });

  it('updates name, description and metadata from 3.9/3.43 only', async () => {
    const id = firstId;
    const old = await call('PUT', `/volume/v3/${P}/backups/${id}`, { payload: { backup: { name: 'x' } } });
    assert.equal(old.statusCode, 404);
    const r = await call('PUT', `/volume/v3/${P}/backups/${id}`, {
      version: '3.9',
      payload: { backup: { name: 'renamed', description: 'new words' } },
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(((r.json() as Json).backup as Record<string, unknown>).name, 'renamed');
    const md0 = await call('PUT', `/volume/v3/${P}/backups/${id}`, {
      version: '3.9',
      payload: { backup: { metadata: {} } },
    });
    assert.equal(md0.statusCode, 400);
    const md = await call('PUT', `/volume/v3/${P}/backups/${id}`, {
      version: '3.43',
      payload: { backup: { metadata: { k: 'v' } } },
    });
    assert.equal(md.statusCode, 200);
    assert.deepEqual(((md.json() as Json).backup as Record<string, unknown>).metadata, { k: 'v' });
    const b = await settled(id, '3.43');
    assert.equal(b.name, 'renamed');
    assert.equal(b.description, 'new words');
    assert.deepEqual(b.metadata, { k: 'v' });
    // CBR shows the new name too
    const cbr = await h.app.inject({
      method: 'GET',
      url: `/v3/${P}/backups/${id}`,
      headers: { 'x-auth-token': h.adminToken },
    });
    assert.equal((cbr.json() as { backup: { name: string } }).backup.name, 'renamed');
  });

  it('shows a disk backup made through CBR in the Cinder list, and hides it from another project', async () => {
    const v = await declareVolume(h, 'cbr-made', 1024 * 1024, 11);
    await cbrDiskCheckpoint(h, v.id, 'cbr-disk-vault');
    const listed = await waitFor(async () => {
      const r = (await call('GET', `/volume/v3/${P}/backups/detail?volume_id=${v.id}`)).json() as Json;
      const b = r.backups![0];
      return b && b.status === 'available' ? b : null;
    });
    assert.equal(listed.container, 'cbr-disk-vault');
    assert.equal(listed.volume_id, v.id);
    // another project sees nothing of it
    const o = await call('GET', `/volume/v3/${h.otherProjectId}/backups/${listed.id}`, {
      token: h.otherToken,
    });
    assert.equal(o.statusCode, 404);
    const ol = (
      await call('GET', `/volume/v3/${h.otherProjectId}/backups/detail`, { token: h.otherToken })
    ).json() as Json;
    assert.equal(ol.backups!.length, 0);
    // and a non-admin cannot export
    const ex = await call('GET', `/volume/v3/${h.otherProjectId}/backups/${listed.id}/export_record`, {
      token: h.otherToken,
    });
    assert.equal(ex.statusCode, 403);
  });

  it('exports a record and imports it back after the catalog lost the backup', async () => {
    const v = await declareVolume(h, 'exported', 2 * 1024 * 1024, 21);
    const id = await createBackup(v.id, { name: 'to-export', container: 'export-vault' });
    const shown = await settled(id);
    assert.equal(shown.container, 'export-vault');
    const ex = await call('GET', `/volume/v3/${P}/backups/${id}/export_record`);
    assert.equal(ex.statusCode, 200, ex.body);
    const rec = (ex.json() as { 'backup-record': { backup_service: string; backup_url: string } })[
      'backup-record'
    ];
    assert.equal(rec.backup_service, 'opencbr.engine');
    const dup = await call('POST', `/volume/v3/${P}/backups/import_record`, {
      payload: { 'backup-record': rec },
    });
    assert.equal(dup.statusCode, 400);
    assert.match(res400(dup), /already exists/);
    for (const bad of [
      { backup_service: 'cinder.backup.drivers.swift', backup_url: rec.backup_url },
      { backup_service: 'opencbr.engine', backup_url: 'bm90IGpzb24=' },
      { backup_service: 'opencbr.engine', backup_url: '!!!' },
    ]) {
      const r = await call('POST', `/volume/v3/${P}/backups/import_record`, {
        payload: { 'backup-record': bad },
      });
      assert.equal(r.statusCode, 400, r.body);
    }
    // The catalog loses the backup (its data stays in the vault).
    await h.ctx.db.deleteFrom('cbr_backups').where('id', '=', id).execute();
    await h.ctx.db.deleteFrom('cinder_backups').where('backup_id', '=', id).execute();
    assert.equal((await call('GET', `/volume/v3/${P}/backups/${id}`)).statusCode, 404);
    const im = await call('POST', `/volume/v3/${P}/backups/import_record`, {
      payload: { 'backup-record': rec },
    });
    assert.equal(im.statusCode, 201, im.body);
    assert.equal(((im.json() as Json).backup as Record<string, unknown>).id, id);
    const back = await settled(id);
    assert.equal(back.status, 'available');
    const target = await declareVolume(h, 'import-target', 2 * 1024 * 1024, 22);
    const r = await call('POST', `/volume/v3/${P}/backups/${id}/restore`, {
      payload: { restore: { volume_id: target.id } },
    });
    assert.equal(r.statusCode, 202, r.body);
    await settled(id);
    assert.deepEqual(fs.readFileSync(target.file), v.data);
  });

  it('needs force for an attached volume; admins list all_tenants', async () => {
    const v = await declareVolume(h, 'attached', 1024 * 1024, 41);
    const s = await h.app.inject({
      method: 'POST',
      url: `/opencbr/v1/${P}/servers`,
      headers: { 'x-auth-token': h.adminToken },
      payload: { server: { name: 'holder', volume_ids: [v.id] } },
    });
    assert.ok(s.statusCode < 300, s.body);
    const refused = await call('POST', `/volume/v3/${P}/backups`, {
      payload: { backup: { volume_id: v.id } },
    });
    assert.equal(refused.statusCode, 400);
    assert.match(res400(refused), /in-use volume must use the force flag/);
    const id = await createBackup(v.id, { force: true, name: 'forced' });
    assert.equal((await settled(id)).status, 'available');
    // bob's backup, seen by the admin with all_tenants only
    const bobVol = await declareVolume(h, 'bob-vol', 1024 * 1024, 43, h.otherToken);
    const bob = await call('POST', `/volume/v3/${h.otherProjectId}/backups`, {
      token: h.otherToken,
      payload: { backup: { volume_id: bobVol.id, name: 'bobs-backup' } },
    });
    assert.equal(bob.statusCode, 202, bob.body);
    const mine = (await call('GET', `/volume/v3/${P}/backups?name=bobs-backup`)).json() as Json;
    assert.equal(mine.backups!.length, 0);
    const all = (await call('GET', `/volume/v3/${P}/backups?name=bobs-backup&all_tenants=1`)).json() as Json;
    assert.equal(all.backups!.length, 1);
    const bobAll = (
      await call('GET', `/volume/v3/${h.otherProjectId}/backups?all_tenants=1`, { token: h.otherToken })
    ).json() as Json;
    assert.deepEqual(
      bobAll.backups!.map((b) => b.name),
      ['bobs-backup'],
    );
  });

  it('shows a volume as backing-up while its backup runs, and refuses new work on it', async () => {
    const v = await declareVolume(h, 'busy', 1024 * 1024, 61);
    await h.ctx.jobs.stop();
    let id: string;
    try {
      id = await createBackup(v.id, { name: 'slow' });
      const shown = (await call('GET', `/volume/v3/${P}/volumes/${v.id}`)).json() as {
        volume: { status: string };
      };
      assert.equal(shown.volume.status, 'backing-up');
      const listed = (await call('GET', `/volume/v3/${P}/volumes/detail?status=backing-up`)).json() as {
        volumes: Array<{ id: string }>;
      };
      assert.deepEqual(
        listed.volumes.map((x) => x.id),
        [v.id],
      );
      const again = await call('POST', `/volume/v3/${P}/backups`, {
        payload: { backup: { volume_id: v.id } },
      });
      assert.equal(again.statusCode, 400);
      assert.match(res400(again), /current status is "backing-up"/);
      const into = await call('POST', `/volume/v3/${P}/backups/${firstId}/restore`, {
        payload: { restore: { volume_id: v.id } },
      });
      assert.equal(into.statusCode, 400);
      assert.equal((await call('GET', `/volume/v3/${P}/backups/${id}`)).json().backup.status, 'creating');
      const force = await call('POST', `/volume/v3/${P}/backups/${id}/action`, {
        payload: { 'os-force_delete': {} },
      });
      assert.equal(force.statusCode, 400);
      assert.match(res400(force), /still running/);
    } finally {
      await h.ctx.jobs.start();
    }
    assert.equal((await settled(id)).status, 'available');
    const after = (await call('GET', `/volume/v3/${P}/volumes/${v.id}`)).json() as {
      volume: { status: string };
    };
    assert.equal(after.volume.status, 'available');
  });

  it('shows a backup created without a name as name null, and clears a name with null (3.9)', async () => {
    const v = await declareVolume(h, 'nameless', 1024 * 1024, 81);
    const res = await call('POST', `/volume/v3/${P}/backups`, { payload: { backup: { volume_id: v.id } } });
    assert.equal(res.statusCode, 202, res.body);
    const created = (res.json() as Json).backup!;
    assert.equal(created.name, null);
    const id = created.id as string;
    assert.equal((await settled(id)).name, null);
    const listed = (await call('GET', `/volume/v3/${P}/backups?volume_id=${v.id}`)).json() as Json;
    assert.equal(listed.backups![0]!.name, null);
    // CBR shows the name it generated
    const cbr = (await call('GET', `/v3/${P}/backups/${id}`)).json() as { backup: { name: string } };
    assert.match(cbr.backup.name, /^manualbk_/);
    const named = await call('PUT', `/volume/v3/${P}/backups/${id}`, {
      version: '3.9',
      payload: { backup: { name: 'now-named' } },
    });
    assert.equal(((named.json() as Json).backup as Record<string, unknown>).name, 'now-named');
    const cleared = await call('PUT', `/volume/v3/${P}/backups/${id}`, {
      version: '3.9',
      payload: { backup: { name: null } },
    });
    assert.equal(cleared.statusCode, 200, cleared.body);
    assert.equal(((cleared.json() as Json).backup as Record<string, unknown>).name, null);
    assert.equal((await settled(id)).name, null);
  });

  it('resets status and force-deletes (admin actions), deletes and forgets', async () => {
    const v = await declareVolume(h, 'actions', 1024 * 1024, 31);
    const id = await createBackup(v.id, { name: 'acted-on' });
    await settled(id);
    const bad = await call('POST', `/volume/v3/${P}/backups/${id}/action`, {
      payload: { 'os-reset_status': { status: 'creating' } },
    });
    assert.equal(bad.statusCode, 400);
    const two = await call('POST', `/volume/v3/${P}/backups/${id}/action`, { payload: { 'os-unknown': {} } });
    assert.equal(two.statusCode, 400);
    const r = await call('POST', `/volume/v3/${P}/backups/${id}/action`, {
      payload: { 'os-reset_status': { status: 'error' } },
    });
    assert.equal(r.statusCode, 202, r.body);
    assert.equal((await settled(id)).status, 'error');
    const nonAdmin = await call('POST', `/volume/v3/${h.otherProjectId}/backups/${id}/action`, {
      token: h.otherToken,
      payload: { 'os-reset_status': { status: 'available' } },
    });
    assert.equal(nonAdmin.statusCode, 403);
    const fd = await call('POST', `/volume/v3/${P}/backups/${id}/action`, {
      payload: { 'os-force_delete': {} },
    });
    assert.equal(fd.statusCode, 202, fd.body);
    await gone(id);

    const id2 = await createBackup(v.id, { name: 'plain-delete' });
    await settled(id2);
    const d = await call('DELETE', `/volume/v3/${P}/backups/${id2}`);
    assert.equal(d.statusCode, 202);
    assert.equal(d.body, '');
    await gone(id2);
    const d2 = await call('DELETE', `/volume/v3/${P}/backups/${id2}`);
    assert.equal(d2.statusCode, 404);
    // Nothing of a deleted backup stays behind in the catalog: Cinder's own attributes go with it.
    const left = await h.ctx.db
      .selectFrom('cinder_backups')
      .select('backup_id')
      .where('backup_id', 'in', [id, id2])
      .execute();
    assert.deepEqual(left, []);
  });
});

function res400(r: { json(): unknown }): string {
  const j = r.json() as { badRequest?: { message: string } };
  return j.badRequest?.message ?? JSON.stringify(j);
}
