// Catalog loss: a volume and a server (system + data disk) are backed up through the CBR API, the catalog file is
// deleted, `opencbr catalog rebuild` re-creates it from the object store and the master key, and every backup
// lists again (ids, names, vault, project, resources, sizes, created_at) and restores byte-identical through the
// CBR API, to the volumes and server the records declare again. A damaged catalog file makes `opencbr serve` refuse, naming the file and the rebuild command.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cliCommand, repoRoot } from '../support/repo.js';
import { cli, dataEnv, serveDataDir } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of responses under test
type J = any;
const MiB = 1024 * 1024;

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opencbr-rebuild-'));
  fs.mkdirSync(path.join(dir, 'vols'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const catalogFile = () => path.join(dir, 'data', 'catalog.sqlite');

function image(name: string, bytes: number): { path: string; content: Buffer } {
  const content = Buffer.concat([randomBytes(bytes / 2), Buffer.alloc(bytes / 2, 'text ')]);
  const p = path.join(dir, 'vols', `${name}.img`);
  fs.writeFileSync(p, content);
  return { path: p, content };
}

/** What must survive a rebuild, per backup (children included). */
function identity(b: J) {
  return {
    id: b.id,
    name: b.name,
    vault_id: b.vault_id,
    project_id: b.project_id,
    checkpoint_id: b.checkpoint_id,
    resource_id: b.resource_id,
    resource_type: b.resource_type,
    resource_name: b.resource_name,
    resource_size: b.resource_size,
    created_at: b.created_at,
    status: b.status,
    children: (b.children ?? []).map(identity),
  };
}

test('catalog deleted → catalog rebuild → every backup lists and restores byte-identical through the CBR API', async () => {
  const vol = image('vol', 2 * MiB);
  const sys = image('sys', 1 * MiB);
  const data = image('data', 1 * MiB);
  let s = await serveDataDir(dir);
  const p = s.projectId;
  const declare = async (name: string, file: string) => {
    const r = await s.req('POST', `/opencbr/v1/${p}/volumes`, { volume: { name, path: file } });
    assert.equal(r.status, 200, r.body);
    return r.json.volume.id as string;
  };
  const volId = await declare('vol', vol.path);
  const sysId = await declare('sys', sys.path);
  const dataId = await declare('data', data.path);
  const srv = (
    await s.req('POST', `/opencbr/v1/${p}/servers`, { server: { name: 'srv', volume_ids: [sysId, dataId] } })
  ).json.server.id as string;
  const vault = async (name: string, type: 'disk' | 'server', res: { id: string; type: string }) =>
    (
      await s.req('POST', `/v3/${p}/vaults`, {
        vault: {
          name,
          billing: {
            consistent_level: 'crash_consistent',
            object_type: type,
            protect_type: 'backup',
            size: 40,
          },
          resources: [res],
        },
      })
    ).json.vault;
  const dv = await vault('disks', 'disk', { id: volId, type: 'OS::Cinder::Volume' });
  const sv = await vault('servers', 'server', { id: srv, type: 'OS::Nova::Server' });
  for (const v of [dv, sv]) {
    const r = await s.req('POST', `/v3/${p}/checkpoints`, {
      checkpoint: { vault_id: v.id, parameters: { name: `bk_${v.name}` } },
    });
    assert.equal(r.status, 200, r.body);
  }
  await s.ctx.jobs.drain(60_000);
  const listed = await s.req('GET', `/v3/${p}/backups?sort=created_at:asc`);
  assert.equal(listed.json.count, 2);
  const volBackup = listed.json.backups.find((b: J) => b.resource_id === volId);
  const srvBackup = listed.json.backups.find((b: J) => b.resource_id === srv);
  // A rename after the backup is carried into its record too.
  assert.equal(
    (await s.req('PUT', `/v3/${p}/backups/${volBackup.id}`, { backup: { name: 'renamed-vol' } })).status,
    200,
  );
  const expected: J[] = [];
  for (const b of [volBackup, srvBackup])
    expected.push(identity((await s.req('GET', `/v3/${p}/backups/${b.id}`)).json.backup));
  assert.equal(expected[0].name, 'renamed-vol');
  assert.equal(expected[1].children.length, 2);
  const vaultsBefore = (await s.req('GET', `/v3/${p}/vaults`)).json.vaults.map((v: J) => ({
    id: v.id,
    name: v.name,
  }));
  await s.close();

  for (const ext of ['', '-wal', '-shm']) fs.rmSync(catalogFile() + ext, { force: true });
  const r = await cli(dataEnv(dir), '--json', 'catalog', 'rebuild');
  assert.equal(r.code, 0, r.err + r.out);
  const report = JSON.parse(r.out);
  assert.equal(report.backups, 2);
  assert.equal(report.vaults, 2);
  assert.equal(report.fromLabels, 0);
  assert.equal(report.inventory, 4);
  assert.deepEqual(report.damaged, []);

  s = await serveDataDir(dir);
  try {
    assert.equal(s.projectId, p, 'the admin project keeps its id');
    const after: J[] = [];
    for (const b of [volBackup, srvBackup]) {
      const got = await s.req('GET', `/v3/${p}/backups/${b.id}`);
      assert.equal(got.status, 200, got.body);
      after.push(identity(got.json.backup));
    }
    assert.deepEqual(after, expected);
    const all = await s.req('GET', `/v3/${p}/backups`);
    assert.equal(all.json.count, 2);
    const vaultsAfter = (await s.req('GET', `/v3/${p}/vaults`)).json.vaults.map((v: J) => ({
      id: v.id,
      name: v.name,
    }));
    assert.deepEqual(
      vaultsAfter.sort((a: J, b: J) => (a.id < b.id ? -1 : 1)),
      vaultsBefore.sort((a: J, b: J) => (a.id < b.id ? -1 : 1)),
    );
    // Running it again changes nothing.
    const again = await cli(dataEnv(dir), '--json', 'catalog', 'rebuild');
    assert.equal(again.code, 0, again.err);
    assert.equal(JSON.parse(again.out).backups, 0);
    assert.equal(JSON.parse(again.out).present, 2);

    // The records carry the inventory entries: the volumes and the server are declared again under their ids
    // (their files are still there), so each backup restores to where it was taken from, by default.
    const vols = (await s.req('GET', `/opencbr/v1/${p}/volumes`)).json.volumes.map((v: J) => v.id).sort();
    assert.deepEqual(vols, [volId, sysId, dataId].sort());
    const server = (await s.req('GET', `/opencbr/v1/${p}/servers/${srv}`)).json.server;
    assert.deepEqual(server.volume_ids, [sysId, dataId]);
    for (const f of [vol, sys, data]) fs.writeFileSync(f.path, Buffer.alloc(f.content.length, 7));
    const rv = await s.req('POST', `/v3/${p}/backups/${volBackup.id}/restore`, { restore: {} });
    assert.equal(rv.status, 202, rv.body);
    await s.ctx.jobs.drain(60_000);
    const rs = await s.req('POST', `/v3/${p}/backups/${srvBackup.id}/restore`, {
      restore: { server_id: srv },
    });
    assert.equal(rs.status, 202, rs.body);
    await s.ctx.jobs.drain(60_000);
    for (const f of [vol, sys, data])
      assert.ok(fs.readFileSync(f.path).equals(f.content), `${f.path} restored`);
    const logs = await s.req('GET', `/v3/${p}/operation-logs?operation_type=restore`);
    assert.deepEqual(
      logs.json.operation_logs.map((l: J) => l.status),
      ['success', 'success'],
    );
  } finally {
    await s.close();
  }

  // Backups written before catalog records existed (simulated: records removed) come back from their
  // manifests' labels: ids, project, vault, checkpoint, resources and sizes; names and descriptions are lost.
  for (const ext of ['', '-wal', '-shm']) fs.rmSync(catalogFile() + ext, { force: true });
  for (const v of [dv, sv])
    fs.rmSync(path.join(dir, 'data', 'objects', 'vaults', v.id, 'records'), { recursive: true });
  const old = await cli(dataEnv(dir), '--json', 'catalog', 'rebuild');
  assert.equal(old.code, 0, old.err + old.out);
  assert.equal(JSON.parse(old.out).fromLabels, 2);
  // The project's name was in the records only: it is back under its id, administered by the admin user.
  assert.deepEqual(JSON.parse(old.out).projectIds, [p]);
  s = await serveDataDir(dir, p);
  try {
    const got = (await s.req('GET', `/v3/${p}/backups/${volBackup.id}`)).json.backup;
    assert.equal(got.vault_id, dv.id);
    assert.equal(got.resource_id, volId);
    assert.equal(got.checkpoint_id, expected[0].checkpoint_id);
    assert.equal(got.created_at.slice(0, 16), expected[0].created_at.slice(0, 16));
    const server = (await s.req('GET', `/v3/${p}/backups/${srvBackup.id}`)).json.backup;
    assert.equal(server.vault_id, sv.id);
    assert.deepEqual(
      server.children.map((c: J) => c.id).sort(),
      expected[1].children.map((c: J) => c.id).sort(),
    );
  } finally {
    await s.close();
  }
});

test('a damaged catalog file: serve refuses with the file and the rebuild command, exit non-zero', async () => {
  const own = fs.mkdtempSync(path.join(os.tmpdir(), 'opencbr-damaged-'));
  after(() => fs.rmSync(own, { recursive: true, force: true }));
  fs.mkdirSync(path.join(own, 'vols'));
  const s = await serveDataDir(own);
  const vault = await s.req('POST', `/v3/${s.projectId}/vaults`, {
    vault: {
      name: 'some-rows',
      billing: { consistent_level: 'crash_consistent', object_type: 'disk', protect_type: 'backup', size: 1 },
      resources: [],
    },
  });
  assert.equal(vault.status, 200, vault.body);
  await s.close();
  const file = path.join(own, 'data', 'catalog.sqlite');
  const bytes = fs.readFileSync(file);
  assert.ok(bytes.length > 5 * 4096);
  randomBytes(4096).copy(bytes, 2 * 4096);
  fs.writeFileSync(file, bytes);
  const run = spawnSync(cliCommand[0]!, [...cliCommand.slice(1), 'serve', '--listen', '127.0.0.1:0'], {
    env: { ...process.env, ...dataEnv(own), OPENCBR_LOG_LEVEL: 'warn' },
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.notEqual(run.status, 0, `serve started: ${run.stdout}`);
  assert.doesNotMatch(run.stdout, /serving on/);
  assert.match(run.stderr, new RegExp(`catalog ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged`));
  assert.match(run.stderr, /opencbr catalog rebuild/);

  // The rebuild keeps the damaged file aside and makes a catalog the server opens again.
  const r = await cli(dataEnv(own), 'catalog', 'rebuild');
  assert.equal(r.code, 0, r.err + r.out);
  const moved = /the damaged catalog was moved to (\S+)/.exec(r.err)?.[1];
  assert.ok(moved && fs.existsSync(moved), r.err);
  assert.ok(fs.readFileSync(moved).equals(bytes));
  const again = await serveDataDir(own);
  await again.close();
});

test('a damaged manifest costs the rebuild that backup only, and is reported', async () => {
  const own = fs.mkdtempSync(path.join(os.tmpdir(), 'opencbr-rebuild-damaged-'));
  after(() => fs.rmSync(own, { recursive: true, force: true }));
  fs.mkdirSync(path.join(own, 'vols'));
  let s = await serveDataDir(own);
  const p = s.projectId;
  const ids: string[] = [];
  const resources = [];
  for (const name of ['one', 'two']) {
    const file = path.join(own, 'vols', `${name}.img`);
    fs.writeFileSync(file, randomBytes(256 * 1024));
    const v = await s.req('POST', `/opencbr/v1/${p}/volumes`, { volume: { name, path: file } });
    resources.push({ id: v.json.volume.id, type: 'OS::Cinder::Volume' });
  }
  const vault = await s.req('POST', `/v3/${p}/vaults`, {
    vault: {
      name: 'two-disks',
      billing: { consistent_level: 'crash_consistent', object_type: 'disk', protect_type: 'backup', size: 1 },
      resources,
    },
  });
  assert.equal(vault.status, 200, vault.body);
  const vaultId = vault.json.vault.id as string;
  const cp = await s.req('POST', `/v3/${p}/checkpoints`, { checkpoint: { vault_id: vaultId } });
  assert.equal(cp.status, 200, cp.body);
  await s.ctx.jobs.drain(60_000);
  for (const b of (await s.req('GET', `/v3/${p}/backups?vault_id=${vaultId}`)).json.backups) ids.push(b.id);
  assert.equal(ids.length, 2);
  await s.close();

  const manifests = path.join(own, 'data', 'objects', 'vaults', vaultId, 'backups');
  const [victim] = fs.readdirSync(manifests);
  const bytes = fs.readFileSync(path.join(manifests, victim!));
  bytes[bytes.length - 20]! ^= 0x01;
  fs.writeFileSync(path.join(manifests, victim!), bytes);
  for (const ext of ['', '-wal', '-shm'])
    fs.rmSync(path.join(own, 'data', `catalog.sqlite${ext}`), { force: true });
  const r = await cli(dataEnv(own), '--json', 'catalog', 'rebuild');
  assert.equal(r.code, 0, r.err + r.out);
  const report = JSON.parse(r.out);
  assert.equal(report.backups, 1);
  assert.equal(report.damaged.length, 1);
  assert.equal(report.damaged[0].key, `vaults/${vaultId}/backups/${victim!.replace(/\.obj$/, '')}`);
  assert.match(report.damaged[0].reason, /authentication/);
  assert.equal(report.skipped.length, 1);
  assert.match(r.err, /damaged: vaults\//);
  s = await serveDataDir(own);
  try {
    const listed = await s.req('GET', `/v3/${p}/backups`);
    assert.equal(listed.json.count, 1);
    assert.ok(ids.includes(listed.json.backups[0].id));
  } finally {
    await s.close();
  }
});
