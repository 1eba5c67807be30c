// The CBR commands of the CLI against a running server over loopback: login with a password, vault create,
// checkpoint create (waits for the backups), backup list/show/restore/delete; restore is byte-identical.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { cli as runCliWith } from '../support/cli.js';
import { type Harness, type J, MiB, startHarness } from './helpers.js';

let h: Harness;
let url: string;
before(async () => {
  h = await startHarness();
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
});
after(async () => {
  await h.close();
});

const cli = (...args: string[]) =>
  runCliWith(
    { OPENCBR_URL: url, OPENCBR_USER: 'admin', OPENCBR_PASSWORD: 'Admin-pass-1', OPENCBR_PROJECT: 'admin' },
    ...args,
  );

test('vault create → checkpoint create → backup list/show → restore → delete, from the CLI', async () => {
  const sys = await h.volume('cli-sys', 2 * MiB);
  const data = await h.volume('cli-data', 1 * MiB);
  const srv = await h.server('cli-srv', [sys.id, data.id]);

  const v = await cli(
    '--json',
    'vault',
    'create',
    '--name',
    'cli-vault',
    '--type',
    'server',
    '--resource',
    srv.id,
  );
  assert.equal(v.code, 0, v.err);
  const vault = JSON.parse(v.out) as J;
  assert.equal(vault.resources[0].id, srv.id);

  const l = await cli('vault', 'list');
  assert.equal(l.code, 0, l.err);
  assert.match(l.out, /cli-vault/);

  const c = await cli('--json', 'checkpoint', 'create', '--vault', vault.id, '--name', 'from_cli');
  assert.equal(c.code, 0, c.err);
  const cp = JSON.parse(c.out) as J;
  assert.equal(cp.backups.length, 1);
  const b = cp.backups[0];
  assert.equal(b.status, 'available');
  assert.equal(b.name, 'from_cli');

  const bl = await cli('backup', 'list', '--vault', vault.id);
  assert.equal(bl.code, 0, bl.err);
  assert.match(bl.out, new RegExp(b.id));
  const bs = await cli('--json', 'backup', 'show', b.id);
  assert.equal((JSON.parse(bs.out) as J).children.length, 2);

  const original = fs.readFileSync(data.path);
  fs.writeFileSync(data.path, Buffer.alloc(original.length, 1));
  const r = await cli('backup', 'restore', b.id);
  assert.equal(r.code, 0, r.err + r.out);
  assert.match(r.out, /success/);
  assert.ok(fs.readFileSync(data.path).equals(original));

  const bad = await cli('backup', 'show', 'f0000000-0000-4000-8000-000000000000');
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /does not exist/);

  const d = await cli('backup', 'delete', b.id);
  assert.equal(d.code, 0, d.err);
  const gone = await h.req('GET', `/v3/${h.a.projectId}/backups/${b.id}`);
  assert.equal(gone.status, 404);

  const wrong = await cli('vault', 'list', '--password', 'wrong-password');
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.err, /login failed/);
});
