// The README's quick start, pasted as written: its shell blocks are read from README.md itself and run in bash
// against a fresh server in a temporary directory. Only two things differ from a user's shell: paths under
// /tmp/ move into the test's directory, and the server listens on a free port instead of 8080.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();

/** The ```sh blocks between a heading and the next heading of the same or a higher level. */
function shellBlocks(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  assert.ok(start >= 0, `README has no heading ${heading}`);
  const level = heading.indexOf(' ');
  const blocks: string[] = [];
  let current: string[] | null = null;
  for (const line of lines.slice(start + 1)) {
    if (current === null && /^#+ /.test(line) && line.indexOf(' ') <= level) break;
    if (current === null && line.trim() === '```sh') current = [];
    else if (current !== null && line.trim() === '```') {
      blocks.push(current.join('\n'));
      current = null;
    } else if (current !== null) current.push(line);
  }
  return blocks;
}

/** Installs the Debian OpenStack clients as the client tests do; a reason when they cannot run here. */
function openstackClients(): string | null {
  const runs = () =>
    spawnSync('openstack', ['--version']).status === 0 && spawnSync('cinder', ['--version']).status === 0;
  if (runs()) return null;
  const r = spawnSync('bash', [path.join(root, 'scripts', 'openstack-clients.sh')], { encoding: 'utf8' });
  return runs() ? null : `the OpenStack clients are not installed: ${(r.stderr || r.stdout).trim()}`;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

describe('README quick start, as written', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opencbr-readme-'));
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const here = (block: string, port: number) =>
    block.replaceAll('/tmp/', `${dir}/`).replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`);
  let server: ChildProcess | undefined;
  let port = 0;
  let serverLog = '';

  before(async () => {
    port = await freePort();
    const startBlock = shellBlocks(readme, '## Quick start')[0] ?? '';
    assert.ok(startBlock.includes('npm install && npm start'), 'the first block starts the server');
    // `npm install && npm start` is what the checkout under test already did; `npm start` runs this.
    const script = here(startBlock, port).replace(
      /npm install && npm start.*/,
      `exec ${process.execPath} ${path.join(root, 'dist/src/cli/main.js')} serve`,
    );
    server = spawn('bash', ['-c', script], {
      cwd: dir,
      // A user's shell: none of the caller's opencbr settings, the data directory is ./data.
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OPENCBR_'))),
        OPENCBR_LISTEN: `127.0.0.1:${port}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (d) => {
      serverLog += d;
    });
    server.stderr?.on('data', (d) => {
      serverLog += d;
    });
    for (let i = 0; i < 600 && !serverLog.includes(`127.0.0.1:${port}`); i++) {
      assert.equal(server.exitCode, null, `server exited:\n${serverLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(serverLog, new RegExp(`127\\.0\\.0\\.1:${port}`), serverLog);
  });
  after(() => {
    server?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('"With curl", then the Cinder clients in the same shell: two byte-identical restores', (t) => {
    const [curl] = shellBlocks(readme, '### With curl');
    assert.ok(curl, 'README has a curl block');
    const [cinder] = shellBlocks(readme, '### Cinder v3 backups (OpenStack clients) and HSS v5');
    assert.ok(cinder, 'README has a Cinder block');
    const clients = openstackClients();
    if (clients) t.diagnostic(`Cinder block not run: ${clients}`);
    const script = clients ? curl : `${curl}\n${cinder}`;
    const r = spawnSync('bash', ['-c', here(script, port)], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}\n${serverLog}`);
    const identical = r.stdout.split('\n').filter((l) => l.trim() === 'identical');
    assert.equal(identical.length, clients ? 1 : 2, r.stdout);
  });
});
