// CBR API benchmark: backups and restores as a user makes them, through `opencbr serve` (CreateCheckpoint and
// RestoreBackup, each a job, timed until the backup is `available` again), side by side with restic on the same
// generated images, in several rounds whose order alternates; the machine's limits are measured in the same run.
// Usage: npm run bench:cbr [-- --sizes 1024,4096] [--rounds 3] [--keep]
// Prints the limits, a table of medians per size, then one JSON line per size with every round's figures.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { bindingLimit, measureLimits } from './lib/limits.js';
import { dirBytes } from './lib/measure.js';
import {
  type BenchImages,
  type Step,
  type ToolResult,
  argOpt,
  benchRestic,
  ensureTool,
  images,
  linkVol,
  log,
  median,
  medianSteps,
  round,
  runRounds,
  sameFile,
  warm,
} from './lib/tools.js';

const argv = process.argv.slice(2);
const opt = argOpt;
const sizes = opt('sizes', '1024,4096').split(',').map(Number);
const rounds = Math.max(1, Number(opt('rounds', '3')));
const keep = argv.includes('--keep');
const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const PASSWORD = 'Bench-cbr-1';
const POLL_MS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON answers of the API
type J = any;

interface Server {
  child: ChildProcess;
  call(method: string, path: string, body?: unknown): Promise<J>;
  /** CPU seconds (user + system) the server process has used so far. */
  cpuS(): number;
  /** The server's peak resident memory so far, MiB. */
  peakRssMiB(): number;
}

async function startServer(dataDir: string, volumeRoot: string): Promise<Server> {
  const child = spawn(process.execPath, [main, 'serve'], {
    env: {
      ...process.env,
      OPENCBR_DATA: dataDir,
      OPENCBR_ADMIN_PASSWORD: PASSWORD,
      OPENCBR_VOLUME_ROOTS: volumeRoot,
      OPENCBR_LISTEN: '127.0.0.1:0',
      OPENCBR_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += String(d);
  });
  const end = Date.now() + 60_000;
  while (!/serving on (http:\/\/\S+)/.test(out)) {
    if (Date.now() > end || child.exitCode !== null) throw new Error(`serve did not start: ${out}`);
    await sleep(50);
  }
  const url = /serving on (http:\/\/\S+)/.exec(out)![1]!;
  let token = '';
  const call = async (method: string, path: string, body?: unknown): Promise<J> => {
    const r = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { 'x-auth-token': token } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const auth = await fetch(`${url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { name: 'Default' }, password: PASSWORD } },
        },
        scope: { project: { name: 'admin', domain: { name: 'Default' } } },
      },
    }),
  });
  token = String(auth.headers.get('x-subject-token'));
  const proc = (file: string) => readFileSync(`/proc/${child.pid}/${file}`, 'utf8');
  return {
    child,
    call,
    cpuS() {
      // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux).
      const f = proc('stat').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) / 100;
    },
    peakRssMiB() {
      return Number(/VmHWM:\s+(\d+)/.exec(proc('status'))?.[1] ?? 0) / 1024;
    },
  };
}

async function waitStatus(s: Server, project: string, backupId: string, transient: string): Promise<void> {
  for (;;) {
    const b = (await s.call('GET', `/v3/${project}/backups/${backupId}`)).backup;
    if (b.status !== transient) {
      if (b.status !== 'available') throw new Error(`backup ${backupId} ended ${b.status}: ${b.fail_reason}`);
      return;
    }
    await sleep(POLL_MS);
  }
}

/** Full backup, incremental and restore of the images through the CBR API of a fresh server. */
async function benchOpencbrApi(im: BenchImages): Promise<ToolResult> {
  const base = join(im.root, 'opencbr-api');
  rmSync(base, { recursive: true, force: true });
  const vols = join(base, 'vols');
  mkdirSync(vols, { recursive: true });
  linkVol(vols, im.v1);
  const target = join(vols, 'target.img');
  const data = join(base, 'data');
  const s = await startServer(data, vols);
  const r: ToolResult = {};
  try {
    const project = (await s.call('GET', '/v3/auth/projects')).projects[0].id as string;
    const volume = async (name: string, path: string) =>
      (await s.call('POST', `/opencbr/v1/${project}/volumes`, { volume: { name, path } })).volume
        .id as string;
    const volId = await volume('bench', join(vols, 'vol.img'));
    const vault = (
      await s.call('POST', `/v3/${project}/vaults`, {
        vault: {
          name: 'bench',
          billing: {
            consistent_level: 'crash_consistent',
            object_type: 'disk',
            protect_type: 'backup',
            size: 10240,
          },
          resources: [{ id: volId, type: 'OS::Cinder::Volume' }],
        },
      })
    ).vault.id as string;
    const timed = async (fn: () => Promise<void>): Promise<Step> => {
      const cpu0 = s.cpuS();
      const t0 = performance.now();
      await fn();
      const wallS = (performance.now() - t0) / 1000;
      return {
        wallS: round(wallS, 3),
        mbPerS: round(im.MB / wallS, 1),
        maxRssMiB: round(s.peakRssMiB(), 1),
        cpuS: round(s.cpuS() - cpu0, 2),
        storedBytes: dirBytes(join(data, 'objects')),
      };
    };
    const checkpoint = async (name: string): Promise<string> => {
      const cp = (
        await s.call('POST', `/v3/${project}/checkpoints`, {
          checkpoint: { vault_id: vault, parameters: { name, incremental: true } },
        })
      ).checkpoint.id as string;
      const id = (await s.call('GET', `/v3/${project}/backups?checkpoint_id=${cp}`)).backups[0].id as string;
      await waitStatus(s, project, id, 'protecting');
      return id;
    };
    log('opencbr (CBR API) full backup');
    warm(im.v1);
    let full = '';
    r.full = await timed(async () => {
      full = await checkpoint('full');
    });
    linkVol(vols, im.v2);
    log('opencbr (CBR API) incremental');
    warm(im.v2);
    r.incr = await timed(async () => {
      await checkpoint('incr');
    });
    // A new target: a sparse file of the volume's size, declared like any volume.
    rmSync(target, { force: true });
    writeFileSync(target, '');
    truncateSync(target, im.volBytes);
    const targetId = await volume('target', target);
    log('opencbr (CBR API) restore of the full backup into a new volume');
    r.restore = await timed(async () => {
      await s.call('POST', `/v3/${project}/backups/${full}/restore`, { restore: { volume_id: targetId } });
      await waitStatus(s, project, full, 'restoring');
    });
    if (!sameFile(target, im.v1)) throw new Error('opencbr restore through the API is not byte-identical');
  } finally {
    const exited = new Promise((res) => s.child.once('exit', res));
    s.child.kill('SIGTERM');
    await exited;
  }
  if (!keep) rmSync(base, { recursive: true, force: true });
  return r;
}

if (!ensureTool('restic', 'restic')) throw new Error('restic is needed (apt-get install restic)');
for (const sizeMiB of sizes) {
  const load0 = loadavg();
  const im = await images(sizeMiB, resolve('.bench', `engine-${sizeMiB}`));
  log(`${sizeMiB} MiB: measuring the machine`);
  warm(im.v1);
  const limits = await measureLimits(im.root, im.v1, Math.min(im.volBytes, 1024 * 1024 * 1024));
  const runTool: Record<string, () => Promise<ToolResult>> = {
    opencbr: () => benchOpencbrApi(im),
    restic: () => benchRestic(im, keep),
  };
  const perRound = await runRounds(rounds, runTool, `${sizeMiB} MiB, `);
  const medians = medianSteps(perRound);
  const table = new Table({
    head: [`${sizeMiB} MiB`, 'step', 'wall s', 'MB/s', 'of limit', 'stored (MB)', 'peak RSS MiB', 'CPU s'],
  });
  const ofLimit: Record<string, { mbps: number; by: string; fraction: number }> = {};
  for (const [tool, steps] of Object.entries(medians)) {
    for (const [name, st] of Object.entries(steps)) {
      let cell = '';
      if (tool === 'opencbr') {
        const work = name === 'full' ? 'full' : name === 'incr' ? 'scan' : 'restore';
        const b = bindingLimit(limits, work, Math.min(1, st.storedBytes / im.volBytes));
        ofLimit[name] = { mbps: round(b.mbps, 1), by: b.by, fraction: round(st.mbPerS / b.mbps, 3) };
        cell = `${(100 * ofLimit[name]!.fraction).toFixed(0)} % of ${b.by} (${b.mbps.toFixed(0)})`;
      }
      table.push([
        tool === 'opencbr' ? 'opencbr (CBR API)' : tool,
        name,
        st.wallS.toFixed(2),
        st.mbPerS.toFixed(0),
        cell,
        (st.storedBytes / 1e6).toFixed(1),
        st.maxRssMiB.toFixed(0),
        st.cpuS.toFixed(2),
      ]);
    }
  }
  console.log(
    `limits: durable write ${limits.fsyncWriteMBps.toFixed(0)} MB/s, O_DIRECT write ${limits.directWriteMBps.toFixed(0)} MB/s, ` +
      `source read ${limits.cachedReadMBps.toFixed(0)} MB/s cached / ${limits.directReadMBps.toFixed(0)} O_DIRECT, ` +
      `${limits.cores} cores: ${Object.entries(limits.cpu)
        .map(([op, l]) => `${op} ${l.allCoresMBps.toFixed(0)} MB/s`)
        .join(', ')}`,
  );
  console.log(table.toString());
  const vs = (refStep: string, step: string) =>
    round(median(perRound.map((x) => x.restic![refStep]!.wallS / x.opencbr![step]!.wallS)), 3);
  const ratios: Record<string, number | boolean> = {
    fullSpeedVsRestic: vs('full', 'full'),
    incrSpeedVsRestic: vs('incr', 'incr'),
    restoreSpeedVsResticWithSync: vs('restoreSync', 'restore'),
    restoreSpeedVsResticNoSync: vs('restore', 'restore'),
  };
  ratios.targetFullSpeed2x = (ratios.fullSpeedVsRestic as number) >= 2;
  ratios.targetRestore2xResticWithSync = (ratios.restoreSpeedVsResticWithSync as number) >= 2;
  for (const st of ['full', 'restore'])
    ratios[`target_${st}Within70PctOfLimit`] = (ofLimit[st]?.fraction ?? 0) >= 0.7;
  console.log(
    JSON.stringify({
      bench: 'cbr',
      sizeMiB,
      rounds,
      loadAvgStart: load0.map((x) => round(x, 2)),
      loadAvgEnd: loadavg().map((x) => round(x, 2)),
      limits,
      medians,
      ofLimit,
      ratios,
      perRound,
    }),
  );
}
