// Read side of Cinder's volumes API over the inventory, and project-less (3.67) URLs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signRequest } from '../iam/helpers.js';
import { type Harness, declareVolume, startHarness } from './harness.js';

let h: Harness;
let P: string;

function get(url: string, token: string | null = h.adminToken, version?: string) {
  const headers: Record<string, string> = {};
  if (token) headers['x-auth-token'] = token;
  if (version) headers['openstack-api-version'] = `volume ${version}`;
  return h.app.inject({ method: 'GET', url, headers });
}

type Vols = {
  volumes: Array<Record<string, unknown>>;
  volumes_links?: Array<{ rel: string; href: string }>;
  count?: number;
};

describe('Cinder volumes (read side)', () => {
  const ids: Record<string, string> = {};

  before(async () => {
    h = await startHarness();
    P = h.adminProjectId;
    for (const [i, name] of ['alpha', 'beta', 'gamma'].entries()) {
      ids[name] = (await declareVolume(h, name, (i + 1) * 1024 * 1024, i + 1)).id;
    }
    ids.bobs = (await declareVolume(h, 'bobs', 1024 * 1024, 9, h.otherToken)).id;
    const s = await h.app.inject({
      method: 'POST',
      url: `/opencbr/v1/${P}/servers`,
      headers: { 'x-auth-token': h.adminToken },
      payload: { server: { name: 'srv', volume_ids: [ids.gamma] } },
    });
    assert.ok(s.statusCode < 300, s.body);
  });
  after(async () => {
    await h.close();
  });

  it('lists, details and shows inventory volumes with Cinder fields', async () => {
    const list = (await get(`/volume/v3/${P}/volumes?sort=name:asc`)).json() as Vols;
    assert.deepEqual(
      list.volumes.map((v) => v.name),
      ['alpha', 'beta', 'gamma'],
    );
    assert.deepEqual(Object.keys(list.volumes[0]!).sort(), ['id', 'links', 'name']);
    const detail = (await get(`/volume/v3/${P}/volumes/detail?sort=name:asc`)).json() as Vols;
    const alpha = detail.volumes[0]!;
    assert.equal(alpha.size, 1); // 1 MiB rounds up to 1 GiB
    assert.equal(alpha.status, 'available');
    assert.equal(alpha.bootable, 'false');
    assert.equal(alpha['os-vol-tenant-attr:tenant_id'], P);
    const gamma = detail.volumes[2]!;
    assert.equal(gamma.status, 'in-use');
    assert.equal((gamma.attachments as unknown[]).length, 1);
    assert.equal(gamma.bootable, 'true');
    const show = await get(`/volume/v3/${P}/volumes/${ids.beta}`);
    assert.equal(show.statusCode, 200);
    assert.equal((show.json() as { volume: { name: string } }).volume.name, 'beta');
    const at369 = (await get(`/volume/v3/${P}/volumes/${ids.beta}`, h.adminToken, '3.69')).json() as {
      volume: Record<string, unknown>;
    };
    assert.ok('cluster_name' in at369.volume && 'consumes_quota' in at369.volume);
  });

  it('filters by name (exact and, from 3.34, partial), pages with volumes_links', async () => {
    const byName = (await get(`/volume/v3/${P}/volumes?name=beta`)).json() as Vols;
    assert.deepEqual(
      byName.volumes.map((v) => v.id),
      [ids.beta],
    );
    const like = (
      await get(`/volume/v3/${P}/volumes?name~=AM&sort=name:asc`, h.adminToken, '3.34')
    ).json() as Vols;
    assert.deepEqual(
      like.volumes.map((v) => v.name),
      ['gamma'],
    );
    const inUse = (await get(`/volume/v3/${P}/volumes?status=in-use`)).json() as Vols;
    assert.deepEqual(
      inUse.volumes.map((v) => v.id),
      [ids.gamma],
    );
    const p1 = (await get(`/volume/v3/${P}/volumes?sort=name:asc&limit=2`)).json() as Vols;
    assert.equal(p1.volumes.length, 2);
    const next = new URL(p1.volumes_links![0]!.href);
    const p2 = (await get(`${next.pathname}${next.search}`)).json() as Vols;
    assert.deepEqual(
      p2.volumes.map((v) => v.name),
      ['gamma'],
    );
    const counted = (
      await get(`/volume/v3/${P}/volumes?with_count=true&limit=1`, h.adminToken, '3.45')
    ).json() as Vols;
    assert.equal(counted.count, 3);
  });

  it('keeps projects apart; admins may list all_tenants', async () => {
    const mine = await get(`/volume/v3/${P}/volumes/${ids.bobs}`);
    assert.equal(mine.statusCode, 404);
    assert.deepEqual(mine.json(), {
      itemNotFound: { code: 404, message: `Volume ${ids.bobs} could not be found.` },
    });
    const bob = (await get(`/volume/v3/${h.otherProjectId}/volumes`, h.otherToken)).json() as Vols;
    assert.deepEqual(
      bob.volumes.map((v) => v.id),
      [ids.bobs],
    );
    const bobAll = (
      await get(`/volume/v3/${h.otherProjectId}/volumes?all_tenants=1`, h.otherToken)
    ).json() as Vols;
    assert.deepEqual(
      bobAll.volumes.map((v) => v.id),
      [ids.bobs],
    );
    const adminAll = (await get(`/volume/v3/${P}/volumes?all_tenants=1`)).json() as Vols;
    assert.equal(adminAll.volumes.length, 4);
    const cross = await get(`/volume/v3/${h.otherProjectId}/volumes`);
    assert.equal(cross.statusCode, 403);
  });

  it('serves project-less URLs (3.67) for the token project', async () => {
    const pl = (await get('/volume/v3/volumes?sort=name:asc', h.adminToken, '3.67')).json() as Vols;
    assert.deepEqual(
      pl.volumes.map((v) => v.name),
      ['alpha', 'beta', 'gamma'],
    );
    const bob = (await get('/volume/v3/volumes', h.otherToken)).json() as Vols;
    assert.deepEqual(
      bob.volumes.map((v) => v.id),
      [ids.bobs],
    );
    const none = await get('/volume/v3/volumes', null);
    assert.equal(none.statusCode, 401);
  });

  it('accepts AK/SK signed requests (Cinder and HSS), with and without {project_id}', async () => {
    const cred = await h.ctx.identity.createCredential({ user: { name: 'admin' } });
    const signed = (url: string, project: string) =>
      h.app.inject({
        method: 'GET',
        url,
        headers: signRequest({
          method: 'GET',
          url,
          headers: { Host: 'localhost:80', 'X-Project-Id': project, 'Content-Type': 'application/json' },
          ak: cred.access,
          sk: cred.secret,
        }),
      });
    const withProject = await signed(`/volume/v3/${P}/volumes?sort=name:asc`, P);
    assert.equal(withProject.statusCode, 200, withProject.body);
    assert.equal((withProject.json() as Vols).volumes.length, 3);
    const projectless = await signed('/volume/v3/volumes', P);
    assert.equal(projectless.statusCode, 200, projectless.body);
    assert.equal((projectless.json() as Vols).volumes.length, 3);
    const hss = await signed(`/v5/${P}/ransomware/server`, P);
    assert.equal(hss.statusCode, 200, hss.body);
    const wrong = await signed(`/volume/v3/${h.otherProjectId}/volumes`, h.otherProjectId);
    assert.equal(wrong.statusCode, 403, wrong.body);
    const tampered = await h.app.inject({
      method: 'GET',
      url: `/volume/v3/${P}/volumes?limit=1`,
      headers: signRequest({
        method: 'GET',
        url: `/volume/v3/${P}/volumes`,
        headers: { Host: 'localhost:80', 'X-Project-Id': P },
        ak: cred.access,
        sk: cred.secret,
      }),
    });
    assert.equal(tampered.statusCode, 401);
    assert.ok('unauthorized' in (tampered.json() as object));
  });
});
