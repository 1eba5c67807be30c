// npm run bench:api — CBR API latency and throughput with 1,000,000 backups in the catalog.
// Seeds a temp catalog through the catalog module, serves the real app on loopback (port 0), and drives
// ShowBackup and a filtered, sorted ListBackups (limit 100) with autocannon in a separate process, side by
// side with a bare Fastify route in the same process and run. Prints a table and the ratios.
// Env: BENCH_BACKUPS (default 1000000), BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 10).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { CbrStore } from '../src/catalog/cbr-store.js';
import { loadConfig } from '../src/config.js';
import { openContext } from '../src/context.js';
import { seedBackups } from './api-seed.js';

const run = promisify(execFile);
const N = Number(process.env.BENCH_BACKUPS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function autocannon(name: string, url: string, headers: Record<string, string> = {}): Promise<Result> {
  const require = createRequire(import.meta.url);
  const bin = path.join(path.dirname(require.resolve('autocannon/package.json')), 'autocannon.js');
  const args = [bin, '-j', '-c', String(CONNECTIONS), '-d', String(SECONDS)];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  const { stdout } = await run(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 });
  const j = JSON.parse(stdout);
  return {
    name,
    rps: j.requests.average,
    p50: j.latency.p50,
    p99: j.latency.p99,
    errors: j.errors + j.timeouts,
    non2xx: j.non2xx,
  };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opencbr-bench-api-'));
  try {
    const config = loadConfig({ OPENCBR_DATA: dir, OPENCBR_ADMIN_PASSWORD: 'Bench-pass-1' }, dir);
    const ctx = await openContext(config, { log: pino({ level: 'silent' }) });
    await ctx.identity.bootstrap('Bench-pass-1');
    const admin = await ctx.identity.getUser({ name: 'admin' });
    const project = await ctx.identity.getProject({ name: 'admin' });
    const { token } = await ctx.identity.issueToken(admin, { project: { id: project.id } });

    const t0 = Date.now();
    const seeded = await seedBackups(new CbrStore(ctx.db), {
      projectId: project.id,
      count: N,
      vaultCount: 100,
      resourceCount: 5000,
      checkpointCount: 50_000,
      seed: 42,
      batch: 5000,
    });
    const seedSec = (Date.now() - t0) / 1000;
    console.log(`seeded ${seeded.count} backups in ${seedSec.toFixed(1)} s`);

    const app = await buildApp(ctx);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

    const bare = Fastify({ logger: false });
    bare.get('/bare', async () => ({
      backup: { id: 'b1c4afd9-e7a6-4888-9010-c2bac3aa7910', status: 'available' },
    }));
    await bare.listen({ host: '127.0.0.1', port: 0 });
    const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/bare`;

    // A server backup (it has a disk child, so ShowBackup renders children) and a well-populated vault.
    const vault = seeded.vaults[3]!;
    const pick = await ctx.services.cbrStore.listBackups(
      { projectId: project.id, vaultId: vault.id, parentId: null, resourceKind: 'server' },
      { sort: [{ key: 'created_at', dir: 'desc' }], limit: 1, offset: 0 },
    );
    const backupId = pick.items[0]!.id;
    const hdr = { 'X-Auth-Token': token };
    const showUrl = `${base}/v3/${project.id}/backups/${backupId}`;
    const listUrl = `${base}/v3/${project.id}/backups?vault_id=${vault.id}&status=available&sort=created_at:desc&limit=100`;
    for (const u of [showUrl, listUrl]) {
      const r = await fetch(u, { headers: hdr });
      if (r.status !== 200) throw new Error(`${u}: ${r.status} ${await r.text()}`);
    }
    const listCount = ((await (await fetch(listUrl, { headers: hdr })).json()) as { count: number }).count;

    // Warm-up, then measure each side by side in this run.
    await autocannon('warmup', showUrl, hdr).catch(() => undefined);
    const results: Result[] = [];
    results.push(await autocannon('bare Fastify route', bareUrl));
    results.push(await autocannon('ShowBackup', showUrl, hdr));
    results.push(
      await autocannon(`ListBackups (vault+status, sort, limit 100; count ${listCount})`, listUrl, hdr),
    );

    await app.close();
    await bare.close();
    await ctx.close();

    const bareRps = results[0]!.rps;
    console.log(
      `\nCBR API, ${seeded.count} backups, ${CONNECTIONS} connections, ${SECONDS} s each (autocannon, separate process)\n`,
    );
    console.log('| request | req/s | p50 ms | p99 ms | errors | non-2xx | req/s vs bare |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of results) {
      console.log(
        `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} | ${(r.rps / bareRps).toFixed(2)}x |`,
      );
    }
    const show = results[1]!;
    const list = results[2]!;
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    console.log('');
    console.log(
      `ShowBackup  >= 0.5x bare req/s: ${(show.rps / bareRps).toFixed(2)}x — ${verdict(show.rps >= 0.5 * bareRps)}`,
    );
    console.log(`ShowBackup  p99 <= 5 ms: ${show.p99} ms — ${verdict(show.p99 <= 5)}`);
    console.log(`ListBackups p99 <= 25 ms: ${list.p99} ms — ${verdict(list.p99 <= 25)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
