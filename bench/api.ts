// npm run bench:api — CBR API latency and throughput with 1,000,000 backups in the catalog.
// Seeds a temp catalog through the catalog module, serves the real app on loopback (port 0), and drives
// ShowBackup and a filtered, sorted ListBackups (limit 100) with autocannon in a separate process, side by
// side with a bare Fastify route in the same process and run. Prints a table and the ratios.
// Env: BENCH_BACKUPS (default 1000000), BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 10),
// BENCH_DIR (keep the seeded catalog there and reuse it on the next run: seeding 1M rows takes minutes),
// BENCH_ROUNDS (default 5: alternating bare/ShowBackup pairs after the main rows, for a median ratio).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { sqlCbrRepositories } from '../src/catalog/repositories/index.js';
import { loadConfig } from '../src/config.js';
import { openContext } from '../src/context.js';
import { seedBackups } from './api-seed.js';

const run = promisify(execFile);
const N = Number(process.env.BENCH_BACKUPS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

interface Result {
  name: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** This process's CPU (the servers, autocannon runs apart) per request: steadier than req/s on a shared machine. */
  cpuUs: number;
}

async function autocannon(
  name: string,
  url: string,
  headers: Record<string, string> = {},
  connections = CONNECTIONS,
): Promise<Result> {
  const require = createRequire(import.meta.url);
  const bin = path.join(path.dirname(require.resolve('autocannon/package.json')), 'autocannon.js');
  const args = [bin, '-j', '-c', String(connections), '-d', String(SECONDS)];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  const cpu0 = process.cpuUsage();
  const { stdout } = await run(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 });
  const cpu = process.cpuUsage(cpu0);
  const j = JSON.parse(stdout);
  return {
    name,
    connections,
    rps: j.requests.average,
    p50: j.latency.p50,
    p99: j.latency.p99,
    errors: j.errors + j.timeouts,
    non2xx: j.non2xx,
    cpuUs: (cpu.user + cpu.system) / Math.max(1, j.requests.total),
  };
}

async function main() {
  const keep = process.env.BENCH_DIR;
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'opencbr-bench-api-'));
  const marker = path.join(dir, 'bench-seed.json');
  try {
    const config = loadConfig({ OPENCBR_DATA: dir, OPENCBR_ADMIN_PASSWORD: 'Bench-pass-1' }, dir);
    const ctx = await openContext(config, { log: pino({ level: 'silent' }) });
    await ctx.identity.bootstrap('Bench-pass-1');
    const admin = await ctx.identity.getUser({ name: 'admin' });
    const project = await ctx.identity.getProject({ name: 'admin' });
    const { token } = await ctx.identity.issueToken(admin, { project: { id: project.id } });

    // Setup only: a large page cache while seeding (a 1M-row catalog is ~1.5 GB), then the catalog's own
    // setting again for the measurement. SQLite-specific, like the embedded default this bench runs on.
    const cacheBefore =
      (await sql<{ cache_size: number }>`PRAGMA cache_size`.execute(ctx.db)).rows[0]?.cache_size ?? -2000;
    await sql`PRAGMA cache_size = -524288`.execute(ctx.db);
    const t0 = Date.now();
    let seeded: { count: number; vaults: Array<{ id: string }> };
    const prior = keep && fs.existsSync(marker) ? JSON.parse(fs.readFileSync(marker, 'utf8')) : null;
    if (prior && prior.count === N && prior.projectId === project.id) {
      seeded = prior;
    } else {
      const s = await seedBackups(sqlCbrRepositories(ctx.db), {
        projectId: project.id,
        count: N,
        vaultCount: 100,
        resourceCount: 5000,
        checkpointCount: 50_000,
        seed: 42,
        batch: 20_000,
      });
      seeded = { count: s.count, vaults: s.vaults.map((v) => ({ id: v.id })) };
      if (keep) fs.writeFileSync(marker, JSON.stringify({ ...seeded, projectId: project.id }));
    }
    const seedSec = (Date.now() - t0) / 1000;
    await sql.raw(`PRAGMA cache_size = ${Number(cacheBefore)}`).execute(ctx.db);
    console.log(`seeded ${seeded.count} backups in ${seedSec.toFixed(1)} s`);

    const app = await buildApp(ctx);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

    const bare = Fastify({ logger: false });
    bare.get('/bare', async () => ({
      backup: { id: 'b1c4afd9-e7a6-4888-9010-c2bac3aa7910', status: 'available' },
    }));
    // The same bytes as the ShowBackup answer, from memory: separates the cost of our work from the cost of
    // moving a 3 KB JSON body through Node's HTTP stack.
    let showBody = '';
    bare.get('/bare-same-bytes', async (_req, reply) => reply.type('application/json').send(showBody));
    await bare.listen({ host: '127.0.0.1', port: 0 });
    const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/bare`;

    // A server backup (it has a disk child, so ShowBackup renders children) and a well-populated vault.
    const vault = seeded.vaults[3]!;
    const pick = await ctx.services.cbrRepositories.backups.listBackups(
      { projectId: project.id, vaultId: vault.id, parentId: null, resourceKind: 'server' },
      { sort: [{ key: 'created_at', dir: 'desc' }], limit: 1, offset: 0 },
    );
    const backupId = pick.items[0]!.id;
    // Another backup, written 10 times a second in the "writes" rows (a running backup's progress): every
    // write empties the catalog's read caches, so those rows show the uncached cost.
    const busy = (
      await ctx.services.cbrRepositories.backups.listBackups(
        { projectId: project.id, vaultId: seeded.vaults[7]!.id, parentId: null },
        { sort: [{ key: 'created_at', dir: 'desc' }], limit: 1, offset: 0 },
      )
    ).items[0]!;
    let writes = 0;
    const withWrites = async <T>(fn: () => Promise<T>): Promise<T> => {
      const timer = setInterval(() => {
        writes++;
        void ctx.services.cbrRepositories.backups.updateBackup(busy.id, {
          progress: writes % 100,
          updatedAt: new Date().toISOString(),
        });
      }, 100);
      try {
        return await fn();
      } finally {
        clearInterval(timer);
      }
    };
    const hdr = { 'X-Auth-Token': token };
    const showUrl = `${base}/v3/${project.id}/backups/${backupId}`;
    const listUrl = `${base}/v3/${project.id}/backups?vault_id=${vault.id}&status=available&sort=created_at:desc&limit=100`;
    for (const u of [showUrl, listUrl]) {
      const r = await fetch(u, { headers: hdr });
      if (r.status !== 200) throw new Error(`${u}: ${r.status} ${await r.text()}`);
    }
    const listCount = ((await (await fetch(listUrl, { headers: hdr })).json()) as { count: number }).count;
    showBody = await (await fetch(showUrl, { headers: hdr })).text();
    const sameBytesUrl = bareUrl.replace(/\/bare$/, '/bare-same-bytes');

    // Warm-up, then measure each side by side in this run.
    await autocannon('warmup', showUrl, hdr).catch(() => undefined);
    const results: Result[] = [];
    const listName = `ListBackups (vault+status, sort, limit 100; count ${listCount})`;
    results.push(await autocannon('bare Fastify route', bareUrl));
    results.push(await autocannon('ShowBackup', showUrl, hdr));
    results.push(await autocannon(listName, listUrl, hdr));
    results.push(
      await autocannon(`bare route, ShowBackup's ${showBody.length} bytes from memory`, sameBytesUrl),
    );
    // One connection: the latency of a single request, without queueing behind the others.
    results.push(await autocannon('bare Fastify route', bareUrl, {}, 1));
    results.push(await autocannon('ShowBackup', showUrl, hdr, 1));
    results.push(await autocannon(listName, listUrl, hdr, 1));
    // Extra rows: the same requests while the catalog is written 10 times a second (caches emptied each time).
    results.push(await autocannon('bare Fastify route', bareUrl));
    results.push(await withWrites(() => autocannon('ShowBackup, 10 catalog writes/s', showUrl, hdr)));
    results.push(await withWrites(() => autocannon(`${listName}, 10 catalog writes/s`, listUrl, hdr)));
    // The machine's load moves the bare route by tens of percent between runs and within one: alternate
    // bare/ShowBackup pairs and take the median ratio.
    const pairs: Array<{ bare: Result; show: Result }> = [];
    for (let i = 0; i < ROUNDS; i++) {
      pairs.push({
        bare: await autocannon('bare Fastify route', bareUrl),
        show: await autocannon('ShowBackup', showUrl, hdr),
      });
    }

    await app.close();
    await bare.close();
    await ctx.close();

    console.log(
      `\nCBR API, ${seeded.count} backups, ${SECONDS} s per row (autocannon in a separate process, loopback)\n`,
    );
    console.log(
      '| request | connections | req/s | p50 ms | p99 ms | errors | non-2xx | req/s vs bare | server CPU µs/req |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|');
    // Each row against the bare route measured most recently before it at the same connection count.
    const bareOf = (i: number) =>
      results
        .slice(0, i + 1)
        .findLast((x) => x.name === 'bare Fastify route' && x.connections === results[i]!.connections)!;
    const ratios = results.map((r, i) => r.rps / bareOf(i).rps);
    for (const [i, r] of results.entries()) {
      const base = bareOf(i).rps;
      console.log(
        `| ${r.name} | ${r.connections} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} | ${(r.rps / base).toFixed(2)}x | ${r.cpuUs.toFixed(1)} |`,
      );
    }
    const median = (xs: number[]) => {
      const v = [...xs].sort((a, b) => a - b);
      return v.length === 0 ? Number.NaN : (v[(v.length - 1) >> 1]! + v[v.length >> 1]!) / 2;
    };
    const pairRatios = pairs.map((p) => p.show.rps / p.bare.rps);
    const medianRatio = median(pairRatios);
    if (pairs.length > 0) {
      console.log(`\nAlternating pairs (${CONNECTIONS} connections, ${SECONDS} s each)\n`);
      console.log(
        '| pair | bare req/s | ShowBackup req/s | ratio | ShowBackup p99 ms | bare µs/req | ShowBackup µs/req |',
      );
      console.log('|---|---|---|---|---|---|---|');
      for (const [i, p] of pairs.entries()) {
        console.log(
          `| ${i + 1} | ${p.bare.rps.toFixed(0)} | ${p.show.rps.toFixed(0)} | ${pairRatios[i]!.toFixed(2)}x | ${p.show.p99} | ${p.bare.cpuUs.toFixed(1)} | ${p.show.cpuUs.toFixed(1)} |`,
        );
      }
    }
    const [bareR, show, list, same, , show1, list1, , showW, listW] = results as Result[] as [
      Result,
      Result,
      Result,
      Result,
      Result,
      Result,
      Result,
      Result,
      Result,
      Result,
    ];
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    console.log('');
    console.log(
      `ShowBackup  >= 0.5x bare req/s (${CONNECTIONS} conn): ${(show.rps / bareR.rps).toFixed(2)}x — ${verdict(show.rps >= 0.5 * bareR.rps)}`,
    );
    if (pairs.length > 0) {
      console.log(
        `ShowBackup  >= 0.5x bare req/s, median of ${pairs.length} alternating pairs: ${medianRatio.toFixed(2)}x — ${verdict(medianRatio >= 0.5)} (server CPU per request: ShowBackup ${median(pairs.map((p) => p.show.cpuUs)).toFixed(1)} µs, bare ${median(pairs.map((p) => p.bare.cpuUs)).toFixed(1)} µs; max p99 ${Math.max(...pairs.map((p) => p.show.p99))} ms)`,
      );
    }
    console.log(`ShowBackup vs the same bytes from a bare route: ${(show.rps / same.rps).toFixed(2)}x`);
    console.log(
      `ShowBackup  p99 <= 5 ms: ${show.p99} ms with ${CONNECTIONS} connections (${verdict(show.p99 <= 5)}), ${show1.p99} ms with 1 (${verdict(show1.p99 <= 5)})`,
    );
    console.log(
      `ListBackups p99 <= 25 ms: ${list.p99} ms with ${CONNECTIONS} connections (${verdict(list.p99 <= 25)}), ${list1.p99} ms with 1 (${verdict(list1.p99 <= 25)})`,
    );
    console.log(
      `with 10 catalog writes/s (${CONNECTIONS} conn): ShowBackup ${ratios[8]!.toFixed(2)}x bare, p99 ${showW.p99} ms; ListBackups p99 ${listW.p99} ms`,
    );
    console.log(
      `seeding: ${seeded.count} rows in ${seedSec.toFixed(1)} s; load average at the end: ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} on ${os.cpus().length} cores`,
    );
    console.log(
      JSON.stringify({
        bench: 'api',
        backups: seeded.count,
        seconds: SECONDS,
        connections: CONNECTIONS,
        rows: results.map((r, i) => ({ ...r, vsBare: Number(ratios[i]!.toFixed(3)) })),
        showVsBare: Number((show.rps / bareR.rps).toFixed(3)),
        pairs: pairs.map((p, i) => ({
          bareRps: p.bare.rps,
          showRps: p.show.rps,
          ratio: Number(pairRatios[i]!.toFixed(3)),
          showP99: p.show.p99,
          bareCpuUs: Number(p.bare.cpuUs.toFixed(1)),
          showCpuUs: Number(p.show.cpuUs.toFixed(1)),
        })),
        showVsBareMedian: Number(medianRatio.toFixed(3)),
        showP99: show.p99,
        listP99: list.p99,
        showVsBareWithWrites: Number(ratios[8]!.toFixed(3)),
        showP99WithWrites: showW.p99,
        listP99WithWrites: listW.p99,
        catalogWrites: writes,
        loadavg: os.loadavg(),
      }),
    );
  } finally {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
