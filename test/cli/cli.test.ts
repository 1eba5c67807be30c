import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { type J, tempDir } from '../iam/helpers.js';
import { cliCommand as command, repoRoot as repo } from '../support/repo.js';

function cli(args: string[], env: Record<string, string>, input?: string) {
  const r = spawnSync(command[0]!, [...command.slice(1), ...args], {
    env: { ...process.env, OPENCBR_LOG_LEVEL: 'warn', ...env },
    input,
    encoding: 'utf8',
    cwd: repo,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('opencbr CLI', () => {
  const dir = tempDir('opencbr-cli-');
  const roots = path.join(dir, 'vols');
  fs.mkdirSync(roots);
  const env = {
    OPENCBR_DATA: path.join(dir, 'data'),
    OPENCBR_VOLUME_ROOTS: roots,
    OPENCBR_ADMIN_PASSWORD: '',
  };

  test('--help everywhere', () => {
    for (const args of [
      ['--help'],
      ['serve', '--help'],
      ['project', '--help'],
      ['project', 'create', '--help'],
      ['user', 'set-password', '--help'],
      ['credential', 'create', '--help'],
      ['volume', 'add', '--help'],
      ['server', 'add', '--help'],
    ]) {
      const r = cli(args, env);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /Usage: opencbr/);
    }
  });

  test('admin commands: projects, users, credentials, volumes, servers (tables and --json)', () => {
    // First use prints the generated admin password once.
    let r = cli(['project', 'list'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /created user admin .* password: \S{16,}/);
    assert.match(r.stdout, /│ admin/);
    r = cli(['project', 'list'], env);
    assert.doesNotMatch(r.stderr, /password/);

    r = cli(['--json', 'project', 'create', 'team-a', '--description', 'Team A'], env);
    assert.equal(r.code, 0, r.stderr);
    const project = JSON.parse(r.stdout) as J;
    assert.match(project.id, /^[0-9a-f]{32}$/);
    r = cli(['project', 'create', 'team-a'], env);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /already exists/);

    r = cli(
      ['--json', 'user', 'create', 'alice', '--password-stdin', '--project', 'team-a', '--role', 'member'],
      env,
      'Alice-pass-1\n',
    );
    assert.equal(r.code, 0, r.stderr);
    const alice = JSON.parse(r.stdout) as J;
    assert.equal(alice.default_project_id, project.id);
    assert.equal(alice.password, undefined);
    r = cli(['--json', 'user', 'create', 'carol'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as J).password.length >= 16, 'a generated password is shown');
    r = cli(['--json', 'user', 'list'], env);
    assert.deepEqual((JSON.parse(r.stdout) as J).users.map((u: J) => u.name).sort(), [
      'admin',
      'alice',
      'carol',
    ]);
    r = cli(['user', 'set-password', 'alice', '--password', 'short'], env);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /password/);
    r = cli(['user', 'set-password', 'alice', '--password', 'Alice-pass-2'], env);
    assert.equal(r.code, 0, r.stderr);

    r = cli(['--json', 'credential', 'create', '--user', 'alice', '--project', 'team-a'], env);
    assert.equal(r.code, 0, r.stderr);
    const cred = JSON.parse(r.stdout) as J;
    assert.match(cred.access, /^[A-Z0-9]{20}$/);
    assert.ok(cred.secret.length >= 40);
    r = cli(['credential', 'list'], env);
    assert.ok(r.stdout.includes(cred.access));
    assert.ok(!r.stdout.includes(cred.secret), 'secrets are shown only once');
    r = cli(['credential', 'delete', cred.access], env);
    assert.equal(r.code, 0, r.stderr);
    r = cli(['credential', 'delete', cred.access], env);
    assert.notEqual(r.code, 0);

    fs.writeFileSync(path.join(roots, 'sys.img'), Buffer.alloc(65536));
    fs.writeFileSync(path.join(roots, 'data.img'), Buffer.alloc(32768));
    fs.writeFileSync(path.join(roots, 'odd.img'), Buffer.alloc(1000));
    r = cli(
      ['volume', 'add', '--project', 'team-a', '--name', 'odd', '--path', path.join(roots, 'odd.img')],
      env,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /volume\.path.*512/);
    r = cli(
      [
        '--json',
        'volume',
        'add',
        '--project',
        'team-a',
        '--name',
        'sys',
        '--path',
        path.join(roots, 'sys.img'),
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const sys = JSON.parse(r.stdout) as J;
    assert.equal(sys.size, 65536);
    r = cli(
      [
        '--json',
        'volume',
        'add',
        '--project',
        project.id,
        '--name',
        'data',
        '--path',
        path.join(roots, 'data.img'),
      ],
      env,
    );
    const data = JSON.parse(r.stdout) as J;
    r = cli(
      ['--json', 'server', 'add', '--project', 'team-a', '--name', 'web', '--volume', `${sys.id},${data.id}`],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const server = JSON.parse(r.stdout) as J;
    assert.deepEqual(server.volume_ids, [sys.id, data.id]);
    r = cli(['server', 'list', '--project', 'team-a'], env);
    assert.ok(r.stdout.includes(server.id));
    r = cli(['--json', 'volume', 'list', '--project', 'team-a'], env);
    assert.deepEqual(
      (JSON.parse(r.stdout) as J).volumes.map((v: J) => v.status),
      ['in-use', 'in-use'],
    );
    r = cli(['volume', 'list'], env);
    assert.ok(!r.stdout.includes(sys.id), 'the admin project does not list team-a volumes');
    r = cli(['volume', 'remove', sys.id, '--project', 'team-a'], env);
    assert.equal(r.code, 1);
    r = cli(['server', 'remove', server.id, '--project', 'team-a'], env);
    assert.equal(r.code, 0, r.stderr);
    r = cli(['volume', 'remove', sys.id, '--project', 'team-a'], env);
    assert.equal(r.code, 0, r.stderr);
    r = cli(['volume', 'remove', sys.id, '--project', 'team-a'], env);
    assert.equal(r.code, 3, 'not found');
  });

  test('serve prints its endpoints and the first-start password, answers, and stops on SIGTERM', async () => {
    const sdir = tempDir('opencbr-serve-');
    const child = spawn(command[0]!, [...command.slice(1), 'serve'], {
      env: {
        ...process.env,
        OPENCBR_DATA: path.join(sdir, 'data'),
        OPENCBR_VOLUME_ROOTS: sdir,
        OPENCBR_LISTEN: '127.0.0.1:0',
        OPENCBR_CINDER_LISTEN: '127.0.0.1:0',
        OPENCBR_LOG_LEVEL: 'warn',
        OPENCBR_ADMIN_PASSWORD: '',
      },
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    try {
      const end = Date.now() + 30_000;
      while (!/admin password is (\S+)/.test(out)) {
        if (Date.now() > end || child.exitCode !== null)
          throw new Error(`serve did not start: ${out} ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const url = /serving on (http:\/\/\S+)/.exec(out)![1]!;
      const password = /admin password is (\S+)/.exec(out)![1]!;
      assert.match(out, /auth URL\s+http:\/\/127\.0\.0\.1:\d+\/identity\/v3/);
      assert.match(out, /CBR v3\s+http:\/\/127\.0\.0\.1:\d+\/v3\/\{project_id\}/);
      // The separate Cinder listener answers at its root.
      const cinderUrl = /Cinder v3 backups \(volumev3\)\s+(http:\/\/\S+)\/v3\/\{project_id\} and/.exec(
        out,
      )![1]!;
      assert.notEqual(cinderUrl, url);
      const versions = await fetch(`${cinderUrl}/`);
      assert.ok(versions.status < 500, `cinder root: ${versions.status}`);
      await versions.arrayBuffer();
      const r = await fetch(`${url}/identity/v3/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: 'admin', domain: { name: 'Default' }, password } },
            },
            scope: { project: { name: 'admin', domain: { name: 'Default' } } },
          },
        }),
      });
      assert.equal(r.status, 201);
      assert.ok(r.headers.get('x-subject-token'));
      const token = (await r.json()) as J;
      assert.ok(token.token.catalog.find((s: J) => s.type === 'cbr').endpoints[0].url.startsWith(url));
      // Admin commands share the catalog with the running server.
      fs.writeFileSync(path.join(sdir, 'live.img'), Buffer.alloc(8192));
      const added = cli(
        ['--json', 'volume', 'add', '--name', 'live', '--path', path.join(sdir, 'live.img')],
        {
          OPENCBR_DATA: path.join(sdir, 'data'),
          OPENCBR_VOLUME_ROOTS: sdir,
        },
      );
      assert.equal(added.code, 0, added.stderr);
      const pid = token.token.project.id;
      const listed = await fetch(`${url}/opencbr/v1/${pid}/volumes`, {
        headers: { 'x-auth-token': String(r.headers.get('x-subject-token')) },
      });
      assert.deepEqual(
        ((await listed.json()) as J).volumes.map((v: J) => v.id),
        [(JSON.parse(added.stdout) as J).id],
      );
    } finally {
      child.kill('SIGTERM');
      const code = await new Promise((r) => child.once('exit', (c) => r(c)));
      assert.equal(code, 0, err);
    }
  });
});
