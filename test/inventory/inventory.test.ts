import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type J, type Platform, login, startPlatform } from '../iam/helpers.js';

describe('inventory API', () => {
  let p: Platform;
  let pid: string;
  let token: string;
  let otherPid: string;
  let otherToken: string;
  let outside: string;

  before(async () => {
    p = await startPlatform();
    pid = (await p.ctx.identity.getProject({ name: 'admin' })).id;
    token = (await login(p.app, 'admin', 'Admin-pass-1', 'admin')).token;
    const other = await p.ctx.identity.createProject({ name: 'other' });
    otherPid = other.id;
    await p.ctx.identity.createUser({ name: 'olga', password: 'Olga-pass-123', project: { id: other.id } });
    otherToken = (await login(p.app, 'olga', 'Olga-pass-123', 'other')).token;
    outside = path.join(p.dir, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret.img'), Buffer.alloc(4096));
  });
  after(async () => p.close());

  test('a new sparse volume is created under the first root, and removed again when declaring it fails', async () => {
    const vol = await p.ctx.inventory.createSparseVolume(pid, { name: 'fresh', bytes: 3 * 1024 * 1024 });
    assert.equal(vol.size, 3 * 1024 * 1024);
    assert.equal(path.dirname(vol.path), fs.realpathSync(p.volumeRoot));
    assert.ok(fs.statSync(vol.path).blocks * 512 < vol.size, 'the file is sparse');
    const before = fs.readdirSync(p.volumeRoot).length;
    await assert.rejects(
      p.ctx.inventory.createSparseVolume(pid, { name: '', bytes: 1024 * 1024 }),
      /volume\.name/,
    );
    assert.equal(fs.readdirSync(p.volumeRoot).length, before, 'no file is left behind');
    await p.ctx.inventory.deleteVolume(pid, vol.id);
  });

  const img = (name: string, size: number) => {
    const f = path.join(p.volumeRoot, name);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, Buffer.alloc(size, 7));
    return f;
  };
  const req = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, tok = token) =>
    p.app.inject({
      method,
      url,
      headers: { 'x-auth-token': tok },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const addVolume = (name: string, file: string, tok = token, project = pid) =>
    req('POST', `/opencbr/v1/${project}/volumes`, { volume: { name, path: file } }, tok);

  test('declare, show, list, delete a volume', async () => {
    const f = img('disk1.img', 1024 * 1024);
    let r = await addVolume('disk1', f);
    assert.equal(r.statusCode, 200, r.body);
    const v = (r.json() as J).volume;
    assert.match(v.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(v.name, 'disk1');
    assert.equal(v.path, fs.realpathSync(f));
    assert.equal(v.size, 1024 * 1024);
    assert.equal(v.availability_zone, 'az-01');
    assert.equal(v.status, 'available');
    assert.equal(v.project_id, pid);
    assert.ok(v.created_at);
    r = await req('GET', `/opencbr/v1/${pid}/volumes/${v.id}`);
    assert.equal(r.statusCode, 200);
    assert.deepEqual((r.json() as J).volume, v);
    r = await req('GET', `/opencbr/v1/${pid}/volumes?name=isk`);
    assert.ok((r.json() as J).volumes.some((x: J) => x.id === v.id));
    r = await req('DELETE', `/opencbr/v1/${pid}/volumes/${v.id}`);
    assert.equal(r.statusCode, 204);
    assert.ok(fs.existsSync(f), 'the image itself is untouched');
    r = await req('GET', `/opencbr/v1/${pid}/volumes/${v.id}`);
    assert.equal(r.statusCode, 404);
    assert.equal((r.json() as J).error_code, 'BackupService.7000');
  });

  test('path tricks and bad files are refused with the field named', async () => {
    const good = img('ok.img', 4096);
    fs.symlinkSync(path.join(outside, 'secret.img'), path.join(p.volumeRoot, 'link-out.img'));
    fs.symlinkSync(outside, path.join(p.volumeRoot, 'dir-link-out'));
    img('odd.img', 1000);
    img('empty.img', 0);
    fs.mkdirSync(path.join(p.volumeRoot, 'adir'));
    const cases: Array<[string, string]> = [
      [path.join(p.volumeRoot, '..', 'outside', 'secret.img'), 'outside'],
      [`${p.volumeRoot}/../outside/secret.img`, 'outside'],
      [path.join(p.volumeRoot, 'link-out.img'), 'outside'],
      [path.join(p.volumeRoot, 'dir-link-out', 'secret.img'), 'outside'],
      [path.join(p.volumeRoot, 'odd.img'), '512'],
      [path.join(p.volumeRoot, 'empty.img'), '512'],
      [path.join(p.volumeRoot, 'missing.img'), 'does not exist'],
      [path.join(p.volumeRoot, 'adir'), 'regular file or block device'],
      ['relative/ok.img', 'absolute'],
      [path.join(outside, 'secret.img'), 'outside'],
      ['/etc/passwd', 'outside'],
      [`${good}\u0000.img`, 'NUL'],
    ];
    for (const [file, why] of cases) {
      const r = await addVolume('bad', file);
      assert.equal(r.statusCode, 400, `${file}: ${r.body}`);
      const e = r.json() as J;
      assert.equal(e.error_code, 'BackupService.9900', file);
      assert.ok(e.error_msg.includes('volume.path'), e.error_msg);
      assert.ok(e.error_msg.includes(why), `${file}: ${e.error_msg}`);
    }
    // A symlink that stays inside the root is fine and is stored by its real path.
    fs.symlinkSync(good, path.join(p.volumeRoot, 'link-in.img'));
    const r = await addVolume('link-in', path.join(p.volumeRoot, 'link-in.img'));
    assert.equal(r.statusCode, 200, r.body);
    assert.equal((r.json() as J).volume.path, fs.realpathSync(good));
    // The same device cannot be declared twice.
    const again = await addVolume('again', good);
    assert.equal(again.statusCode, 400);
    assert.ok((again.json() as J).error_msg.includes('already declared'));
  });

  test('bad JSON, wrong types, unknown fields, oversized bodies: 4xx naming the field, nothing stored', async () => {
    const before = (await p.ctx.inventory.listVolumes(pid)).length;
    const f = img('typed.img', 4096);
    const cases: Array<[unknown, string]> = [
      [{}, 'volume'],
      [{ volume: { path: f } }, 'volume.name'],
      [{ volume: { name: 5, path: f } }, 'volume.name'],
      [{ volume: { name: 'x', path: 7 } }, 'volume.path'],
      [{ volume: { name: '', path: f } }, 'volume.name'],
      [{ volume: { name: 'x', path: f, size: 3 } }, 'volume.size'],
      [{ volume: { name: 'x', path: f, availability_zone: 'bad zone!' } }, 'volume.availability_zone'],
      [{ volume: 'x' }, 'volume'],
      [[], 'body'],
    ];
    for (const [body, field] of cases) {
      const r = await req('POST', `/opencbr/v1/${pid}/volumes`, body);
      assert.equal(r.statusCode, 400, `${JSON.stringify(body)}: ${r.body}`);
      assert.ok((r.json() as J).error_msg.includes(field), `${JSON.stringify(body)}: ${r.body}`);
    }
    const serverCases: Array<[unknown, string]> = [
      [{ server: { volume_ids: [] } }, 'server.name'],
      [{ server: { name: 'x' } }, 'server.volume_ids'],
      [{ server: { name: 'x', volume_ids: 'abc' } }, 'server.volume_ids'],
      [{ server: { name: 'x', volume_ids: [1] } }, 'server.volume_ids[0]'],
      [{ server: { name: 'x'.repeat(256), volume_ids: ['a'] } }, 'server.name'],
      [{ server: { name: 'x', volume_ids: ['a'], flavor: 'big' } }, 'server.flavor'],
      [{ server: { name: 'x', volume_ids: ['a'], description: 7 } }, 'server.description'],
      [
        { server: { name: 'x', volume_ids: Array.from({ length: 65 }, (_, i) => `v${i}`) } },
        'server.volume_ids',
      ],
    ];
    for (const [body, field] of serverCases) {
      const r = await req('POST', `/opencbr/v1/${pid}/servers`, body);
      assert.equal(r.statusCode, 400, `${JSON.stringify(body).slice(0, 80)}: ${r.body}`);
      assert.ok((r.json() as J).error_msg.includes(field), `${JSON.stringify(body).slice(0, 80)}: ${r.body}`);
    }
    for (const q of ['offset=-1', 'limit=1001', 'limit=1.5', `name=${'n'.repeat(256)}`]) {
      const r = await req('GET', `/opencbr/v1/${pid}/servers?${q}`);
      assert.equal(r.statusCode, 400, `${q}: ${r.body}`);
      assert.ok((r.json() as J).error_msg.includes(q.split('=')[0]!), `${q}: ${r.body}`);
    }
    const unknown = await req('GET', `/opencbr/v1/${pid}/servers/not-a-uuid`);
    assert.equal(unknown.statusCode, 404);
    assert.equal((unknown.json() as J).error_code, 'BackupService.7100');
    const nowhere = await req('GET', `/opencbr/v1/${pid}/nothing-here`);
    assert.equal(nowhere.statusCode, 404);
    assert.equal(typeof (nowhere.json() as J).error_code, 'string');
    let r = await p.app.inject({
      method: 'POST',
      url: `/opencbr/v1/${pid}/volumes`,
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      payload: '{"volume": {"name": "x",',
    });
    assert.equal(r.statusCode, 400);
    assert.equal((r.json() as J).error_code, 'BackupService.9900');
    r = await p.app.inject({
      method: 'POST',
      url: `/opencbr/v1/${pid}/volumes`,
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      payload: JSON.stringify({ volume: { name: 'x'.repeat(13 * 1024 * 1024), path: f } }),
    });
    assert.equal(r.statusCode, 413);
    assert.equal(typeof (r.json() as J).error_code, 'string');
    r = await req('GET', `/opencbr/v1/${pid}/volumes?limit=0`);
    assert.equal(r.statusCode, 400);
    assert.ok((r.json() as J).error_msg.includes('limit'));
    r = await req('GET', `/opencbr/v1/${pid}/volumes?limit=abc`);
    assert.equal(r.statusCode, 400);
    // Authentication comes before input checks: no token and a bad body is a 401.
    r = await p.app.inject({
      method: 'POST',
      url: `/opencbr/v1/${pid}/volumes`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ volume: { name: 5 } }),
    });
    assert.equal(r.statusCode, 401);
    r = await p.app.inject({ method: 'GET', url: `/opencbr/v1/${pid}/volumes?limit=abc` });
    assert.equal(r.statusCode, 401);
    assert.equal((await p.ctx.inventory.listVolumes(pid)).length, before);
  });

  test('servers: ordered volumes of the same project, system disk first', async () => {
    const sys = (await addVolume('sys', img('srv/sys.img', 8192)).then((r) => r.json())) as J;
    const data = (await addVolume('data', img('srv/data.img', 4096)).then((r) => r.json())) as J;
    let r = await req('POST', `/opencbr/v1/${pid}/servers`, {
      server: { name: 'web-1', volume_ids: [sys.volume.id, data.volume.id], availability_zone: 'az-02' },
    });
    assert.equal(r.statusCode, 200, r.body);
    const s = (r.json() as J).server;
    assert.deepEqual(s.volume_ids, [sys.volume.id, data.volume.id]);
    assert.equal(s.volumes[0].bootable, true);
    assert.equal(s.volumes[1].bootable, false);
    assert.equal(s.volumes[0].status, 'in-use');
    assert.equal(s.volumes[0].server_id, s.id);
    assert.equal(s.availability_zone, 'az-02');
    r = await req('GET', `/opencbr/v1/${pid}/servers/${s.id}`);
    assert.deepEqual((r.json() as J).server, s);
    r = await req('GET', `/opencbr/v1/${pid}/servers?name=WEB`);
    assert.deepEqual(
      (r.json() as J).servers.map((x: J) => x.id),
      [s.id],
    );
    assert.equal((r.json() as J).count, 1);

    // A volume attached to a server cannot be attached again nor removed.
    r = await req('POST', `/opencbr/v1/${pid}/servers`, {
      server: { name: 'web-2', volume_ids: [data.volume.id] },
    });
    assert.equal(r.statusCode, 400);
    assert.ok((r.json() as J).error_msg.includes(data.volume.id));
    r = await req('DELETE', `/opencbr/v1/${pid}/volumes/${sys.volume.id}`);
    assert.equal(r.statusCode, 400);
    // Duplicates and unknown volumes are refused.
    const free = (await addVolume('free', img('srv/free.img', 4096)).then((x) => x.json())) as J;
    r = await req('POST', `/opencbr/v1/${pid}/servers`, {
      server: { name: 'dup', volume_ids: [free.volume.id, free.volume.id] },
    });
    assert.equal(r.statusCode, 400);
    assert.ok((r.json() as J).error_msg.includes('duplicate'));
    r = await req('POST', `/opencbr/v1/${pid}/servers`, {
      server: { name: 'x', volume_ids: ['3b5816b5-f29c-4172-9d9a-76c719a659ce'] },
    });
    assert.equal(r.statusCode, 404);
    r = await req('POST', `/opencbr/v1/${pid}/servers`, { server: { name: 'x', volume_ids: [] } });
    assert.equal(r.statusCode, 400);
    assert.ok((r.json() as J).error_msg.includes('server.volume_ids'));

    // Deleting the server frees its volumes.
    r = await req('DELETE', `/opencbr/v1/${pid}/servers/${s.id}`);
    assert.equal(r.statusCode, 204);
    r = await req('GET', `/opencbr/v1/${pid}/volumes/${sys.volume.id}`);
    assert.equal((r.json() as J).volume.status, 'available');
    r = await req('DELETE', `/opencbr/v1/${pid}/servers/${s.id}`);
    assert.equal(r.statusCode, 404);
    assert.equal((r.json() as J).error_code, 'BackupService.7100');
  });

  test('projects do not see or use each other’s volumes and servers', async () => {
    const mine = (await addVolume('mine', img('iso/mine.img', 4096)).then((r) => r.json())) as J;
    let r = await req('GET', `/opencbr/v1/${otherPid}/volumes/${mine.volume.id}`, undefined, otherToken);
    assert.equal(r.statusCode, 404);
    r = await req('GET', `/opencbr/v1/${otherPid}/volumes`, undefined, otherToken);
    assert.equal((r.json() as J).volumes.length, 0);
    r = await req(
      'POST',
      `/opencbr/v1/${otherPid}/servers`,
      { server: { name: 'steal', volume_ids: [mine.volume.id] } },
      otherToken,
    );
    assert.equal(r.statusCode, 404);
    r = await req('DELETE', `/opencbr/v1/${otherPid}/volumes/${mine.volume.id}`, undefined, otherToken);
    assert.equal(r.statusCode, 404);
    r = await req('GET', `/opencbr/v1/${pid}/volumes/${mine.volume.id}`, undefined, otherToken);
    assert.equal(r.statusCode, 403);
    r = await req('GET', `/opencbr/v1/${pid}/volumes/${mine.volume.id}`);
    assert.equal(r.statusCode, 200);
  });

  test('paging and the inventory service filters', async () => {
    const project = await p.ctx.identity.createProject({ name: 'paging' });
    for (let i = 0; i < 5; i++) {
      await p.ctx.inventory.createVolume(project.id, {
        name: `pv-${i}`,
        path: img(`paging/pv-${i}.img`, 512),
      });
    }
    // Listed by creation time (ties, within a millisecond, by id): a stable order that paging follows.
    const all = await p.ctx.inventory.listVolumes(project.id);
    assert.deepEqual(all.map((v) => v.name).sort(), ['pv-0', 'pv-1', 'pv-2', 'pv-3', 'pv-4']);
    const page = await p.ctx.inventory.listVolumes(project.id, { limit: 2, offset: 2 });
    assert.deepEqual(
      page.map((v) => v.id),
      all.slice(2, 4).map((v) => v.id),
    );
    assert.deepEqual(
      (await p.ctx.inventory.listVolumes(project.id, { offset: 4 })).map((v) => v.id),
      [all[4]!.id],
    );
    assert.equal((await p.ctx.inventory.listVolumes(project.id, { name: 'pv-3' })).length, 1);
    assert.equal((await p.ctx.inventory.listVolumes(project.id, { nameLike: '%' })).length, 0);
    assert.equal((await p.ctx.inventory.listVolumes(project.id, { nameLike: 'v_' })).length, 0);
    await p.ctx.inventory.createVolume(project.id, { name: '100%_real', path: img('paging/pct.img', 512) });
    assert.deepEqual(
      (await p.ctx.inventory.listVolumes(project.id, { nameLike: '0%_r' })).map((v) => v.name),
      ['100%_real'],
    );
    await p.ctx.inventory.deleteVolume(
      project.id,
      (await p.ctx.inventory.listVolumes(project.id, { name: '100%_real' }))[0]!.id,
    );
    assert.equal(await p.ctx.inventory.countVolumes(project.id, { nameLike: 'PV' }), 5);
    assert.deepEqual(
      (await p.ctx.inventory.listVolumes(project.id, { ids: [all[1]!.id, all[3]!.id] })).map((v) => v.id),
      [all[1]!.id, all[3]!.id],
    );
    // A volume that grew is re-measured when shown.
    fs.appendFileSync(all[0]!.path, Buffer.alloc(512));
    assert.equal((await p.ctx.inventory.refreshVolumeSize(project.id, all[0]!.id)).size, 1024);
  });
});
