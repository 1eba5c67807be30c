// Engine benchmark: opencbr vs restic vs borg on a generated volume image, side by side in one run, in several
// rounds whose tool order alternates; the machine's limits are measured in the same run.
// Usage: npm run bench:engine [-- --size-mib N] [--tools restic,borg] [--rounds N] [--keep]
// Prints the limits, a table of medians (each opencbr step also as a fraction of the limit that binds it), then
// one JSON line with every round's figures, the medians and the medians of the per-round ratios.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { makeVolume, mutateVolume } from '../src/engine/testing/volume-generator.js';
import { type Limits, cpuBound, measureLimits } from './lib/limits.js';
import { type Measured, dirBytes, measure } from './lib/measure.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
};
const sizeMiB = Number(opt('size-mib', '4096'));
const tools = opt('tools', 'restic,borg').split(',').filter(Boolean);
const keep = argv.includes('--keep');
const rounds = Math.max(1, Number(opt('rounds', '3')));
const root = resolve('.bench', `engine-${sizeMiB}`);
const img = join(root, 'img');
const v1 = join(img, 'v1.img');
const v2 = join(img, 'v2.img');
const extentsFile = join(img, 'extents.json');
const volBytes = sizeMiB * 1024 * 1024;
const MB = volBytes / 1e6;
const runner = fileURLToPath(new URL('./lib/opencbr-run.js', import.meta.url));

function log(msg: string) {
  process.stderr.write(`[bench] ${msg}\n`);
}

async function images(): Promise<{ changedBytes: number; extentBytes: number }> {
  const marker = join(img, 'made.json');
  const want = JSON.stringify({ sizeMiB, seed1: 1, seed2: 2, percent: 5, generator: 1 });
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== want) {
    rmSync(img, { recursive: true, force: true });
    mkdirSync(img, { recursive: true });
    log(`generating ${sizeMiB} MiB image (seed 1) and a 5 % mutated copy (seed 2)`);
    await makeVolume(v1, sizeMiB, 1);
    spawnSync('cp', ['--sparse=always', v1, v2], { stdio: 'inherit' });
    writeFileSync(extentsFile, JSON.stringify(await mutateVolume(v2, 5, 2)));
    writeFileSync(marker, want);
  }
  const ext = JSON.parse(readFileSync(extentsFile, 'utf8')) as Array<[number, number]>;
  // Bytes that actually differ (a random overwrite leaves ~1/256 of bytes equal by chance).
  const fa = openSync(v1, 'r');
  const fb = openSync(v2, 'r');
  let changedBytes = 0;
  let extentBytes = 0;
  const a = Buffer.alloc(1 << 20);
  const b = Buffer.alloc(1 << 20);
  for (const [off, len] of ext) {
    extentBytes += len;
    for (let p = 0; p < len; p += a.length) {
      const n = Math.min(a.length, len - p);
      readSync(fa, a, 0, n, off + p);
      readSync(fb, b, 0, n, off + p);
      for (let i = 0; i < n; i++) if (a[i] !== b[i]) changedBytes++;
    }
  }
  closeSync(fa);
  closeSync(fb);
  return { changedBytes, extentBytes };
}

function ensureTool(bin: string, pkg: string): boolean {
  if (spawnSync('which', [bin]).status === 0) return true;
  log(`installing ${pkg} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (spawnSync('apt-get', ['install', '-y', pkg], { stdio: 'inherit', env }).status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', pkg], { stdio: 'inherit', env });
  }
  return spawnSync('which', [bin]).status === 0;
}

/** Reads a file through the page cache so every tool starts each step with its source cached (as in perf-notes). */
function warm(path: string): void {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(8 << 20);
  for (let pos = 0; ; pos += buf.length) if (readSync(fd, buf, 0, buf.length, pos) === 0) break;
  closeSync(fd);
}

function sameFile(a: string, b: string): boolean {
  return spawnSync('cmp', ['-s', a, b]).status === 0;
}

interface Step {
  wallS: number;
  mbPerS: number;
  maxRssMiB: number;
  cpuS: number;
  storedBytes: number;
}
type ToolResult = Record<string, Step>;

function step(m: Measured, storedBytes: number): Step {
  return {
    wallS: round(m.wallS, 3),
    mbPerS: round(MB / m.wallS, 1),
    maxRssMiB: round(m.maxRssMiB, 1),
    cpuS: round(m.userS + m.sysS, 2),
    storedBytes,
  };
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

async function benchOpencbr(): Promise<ToolResult> {
  const base = join(root, 'opencbr');
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const store = join(base, 'store');
  const common = { store, keyFile: join(base, 'master.key'), stateDir: join(base, 'state'), vault: 'bench' };
  const run = (a: Record<string, unknown>) =>
    measure(process.execPath, [runner, JSON.stringify({ ...common, ...a })]);
  const r: ToolResult = {};
  log('opencbr full backup');
  warm(v1);
  r.full = step(await run({ op: 'backup', backupId: 'full', source: v1 }), dirBytes(store));
  log('opencbr incremental without hints');
  warm(v2);
  r.incrNoHints = step(
    await run({ op: 'backup', backupId: 'inc-n', source: v2, parent: 'full' }),
    dirBytes(store),
  );
  await run({ op: 'delete', backupId: 'inc-n' });
  const gc = await run({ op: 'gc' });
  log(`gc after deleting it: ${gc.stdout.trim()}`);
  const afterGc = dirBytes(store);
  log('opencbr incremental with change hints');
  warm(v2);
  r.incrHints = step(
    await run({ op: 'backup', backupId: 'inc-h', source: v2, parent: 'full', extentsFile }),
    dirBytes(store),
  );
  r.incrHints.storedBytes -= afterGc - r.full.storedBytes; // (gc left exactly the full backup; keep the series comparable)
  const out = join(root, 'restore-opencbr.img');
  rmSync(out, { force: true });
  log('opencbr restore of the full backup');
  r.restore = step(await run({ op: 'restore', backupId: 'full', target: out }), dirBytes(store));
  if (!sameFile(out, v1)) throw new Error('opencbr restore is not byte-identical');
  rmSync(out, { force: true });
  log('opencbr restore of the hinted incremental');
  r.restoreIncr = step(await run({ op: 'restore', backupId: 'inc-h', target: out }), dirBytes(store));
  if (!sameFile(out, v2)) throw new Error('opencbr incremental restore is not byte-identical');
  rmSync(out, { force: true });
  if (!keep) rmSync(base, { recursive: true, force: true });
  return r;
}

function linkVol(work: string, src: string): void {
  const vol = join(work, 'vol.img');
  if (existsSync(vol)) unlinkSync(vol);
  linkSync(src, vol);
}

async function benchRestic(): Promise<ToolResult> {
  const base = join(root, 'restic');
  rmSync(base, { recursive: true, force: true });
  const work = join(base, 'work');
  mkdirSync(work, { recursive: true });
  const repo = join(base, 'repo');
  const env = { RESTIC_PASSWORD: 'bench', RESTIC_CACHE_DIR: join(base, 'cache') };
  const restic = (args: string[]) => measure('restic', ['-r', repo, ...args], { cwd: work, env });
  await restic(['init']);
  const r: ToolResult = {};
  linkVol(work, v1);
  log('restic full backup');
  warm(v1);
  const full = await restic(['backup', '--json', 'vol.img']);
  r.full = step(full, dirBytes(repo));
  const snap = /"snapshot_id":"([0-9a-f]+)"/.exec(full.stdout)?.[1];
  linkVol(work, v2);
  log('restic incremental');
  warm(v2);
  r.incr = step(await restic(['backup', '--json', 'vol.img']), dirBytes(repo));
  const target = join(base, 'restore');
  log('restic restore of the full backup, then sync (durable, as opencbr restores)');
  const resticBin = spawnSync('which', ['restic']).stdout.toString().trim();
  r.restoreSync = step(
    await measure(
      'sh',
      ['-c', `"${resticBin}" -r "${repo}" restore "${snap ?? 'latest'}" --target "${target}" && sync`],
      {
        cwd: work,
        env,
      },
    ),
    dirBytes(repo),
  );
  if (!sameFile(join(target, 'vol.img'), v1)) log('WARNING: restic restore differs');
  rmSync(target, { recursive: true, force: true });
  log('restic restore of the full backup, left in the page cache');
  r.restore = step(await restic(['restore', snap ?? 'latest', '--target', target]), dirBytes(repo));
  if (!sameFile(join(target, 'vol.img'), v1)) log('WARNING: restic restore differs');
  if (!keep) rmSync(base, { recursive: true, force: true });
  return r;
}

async function benchBorg(): Promise<ToolResult> {
  const base = join(root, 'borg');
  rmSync(base, { recursive: true, force: true });
  const work = join(base, 'work');
  const target = join(base, 'restore');
  mkdirSync(work, { recursive: true });
  mkdirSync(target, { recursive: true });
  const repo = join(base, 'repo');
  const env = {
    BORG_PASSPHRASE: 'bench',
    BORG_BASE_DIR: join(base, 'home'),
    BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes',
  };
  const borg = (args: string[], cwd = work) => measure('borg', args, { cwd, env });
  await borg(['init', '-e', 'repokey', repo]);
  const r: ToolResult = {};
  linkVol(work, v1);
  log('borg full backup');
  warm(v1);
  r.full = step(await borg(['create', `${repo}::full`, 'vol.img']), dirBytes(repo));
  linkVol(work, v2);
  log('borg incremental');
  warm(v2);
  r.incr = step(await borg(['create', `${repo}::incr`, 'vol.img']), dirBytes(repo));
  log('borg restore of the full backup');
  r.restore = step(await borg(['extract', `${repo}::full`], target), dirBytes(repo));
  if (!sameFile(join(target, 'vol.img'), v1)) log('WARNING: borg restore differs');
  if (!keep) rmSync(base, { recursive: true, force: true });
  return r;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The limit that binds one opencbr step, in MB of volume per second, and its name. */
function bindingLimit(lim: Limits, name: string, s: Step, extentBytes: number): { mbps: number; by: string } {
  const storedShare = Math.min(1, s.storedBytes / volBytes);
  const c: Array<[string, number]> = [];
  if (name === 'full' || name === 'incrHints') {
    const scale = name === 'full' ? 1 : volBytes / extentBytes;
    c.push(['source read', lim.cachedReadMBps * scale]);
    c.push([
      'cpu',
      cpuBound(lim, [
        { op: 'hmac-sha256', share: 1 },
        { op: 'zstd-3', share: 1 },
        { op: 'aes-256-gcm', share: name === 'full' ? storedShare : 1 },
      ]) * scale,
    ]);
    if (name === 'full') c.push(['durable write', lim.fsyncWriteMBps / Math.max(storedShare, 1e-9)]);
  } else if (name === 'incrNoHints') {
    c.push(['source read', lim.cachedReadMBps]);
    c.push(['cpu', cpuBound(lim, [{ op: 'hmac-sha256', share: 1 }])]);
  } else {
    c.push(['durable write', lim.fsyncWriteMBps]);
    c.push([
      'cpu',
      cpuBound(lim, [
        { op: 'aes-256-gcm', share: storedShare },
        { op: 'unzstd', share: 1 },
        { op: 'hmac-sha256', share: 1 },
      ]),
    ]);
  }
  const [by, mbps] = c.reduce((a, b) => (b[1] < a[1] ? b : a));
  return { mbps, by };
}

const load0 = loadavg();
const { changedBytes, extentBytes } = await images();
log(`changed bytes ${changedBytes} (extents cover ${extentBytes})`);
log('measuring the machine: durable writes, source reads, CPU per byte');
warm(v1);
const limits = await measureLimits(root, v1, Math.min(volBytes, 1024 * 1024 * 1024));
const runTool: Record<string, () => Promise<ToolResult>> = { opencbr: benchOpencbr };
if (tools.includes('restic') && ensureTool('restic', 'restic')) runTool.restic = benchRestic;
if (tools.includes('borg') && ensureTool('borg', 'borgbackup')) runTool.borg = benchBorg;
const order = Object.keys(runTool);
const perRound: Array<Record<string, ToolResult>> = [];
for (let i = 0; i < rounds; i++) {
  // Alternate who goes first, so that neither always meets a warmer or a fuller disk.
  const names = i % 2 ? [...order].reverse() : order;
  const round: Record<string, ToolResult> = {};
  for (const name of names) {
    log(`round ${i + 1}/${rounds}: ${name}`);
    round[name] = await runTool[name]!();
  }
  perRound.push(round);
}
const load1 = loadavg();

const medians: Record<string, ToolResult> = {};
for (const tool of order) {
  medians[tool] = {};
  for (const name of Object.keys(perRound[0]![tool]!)) {
    const of = (k: keyof Step) => median(perRound.map((r) => r[tool]![name]![k]));
    medians[tool]![name] = {
      wallS: round(of('wallS'), 3),
      mbPerS: round(of('mbPerS'), 1),
      maxRssMiB: round(of('maxRssMiB'), 1),
      cpuS: round(of('cpuS'), 2),
      storedBytes: of('storedBytes'),
    };
  }
}

const lt = new Table({ head: ['limit (measured in this run)', 'MB/s'] });
lt.push(['durable sequential write (dd conv=fsync)', limits.fsyncWriteMBps.toFixed(0)]);
lt.push(['O_DIRECT write (dd oflag=direct)', limits.directWriteMBps.toFixed(0)]);
lt.push(['source read, cached', limits.cachedReadMBps.toFixed(0)]);
lt.push(['source read, O_DIRECT', limits.directReadMBps.toFixed(0)]);
for (const [op, l] of Object.entries(limits.cpu))
  lt.push([
    `${op}: one core / ${limits.cores} cores (CPU-s per GB on one core: ${(1000 / l.oneCoreMBps).toFixed(2)})`,
    `${l.oneCoreMBps.toFixed(0)} / ${l.allCoresMBps.toFixed(0)}`,
  ]);
console.log(lt.toString());

const o = medians.opencbr!;
const table = new Table({
  head: ['tool', 'step', 'wall s', 'MB/s', 'of limit', 'stored after (MB)', 'peak RSS MiB', 'CPU s'],
});
const ofLimit: Record<string, { mbps: number; by: string; fraction: number }> = {};
for (const [tool, steps] of Object.entries(medians)) {
  for (const [name, s] of Object.entries(steps)) {
    let cell = '';
    if (tool === 'opencbr') {
      const b = bindingLimit(limits, name, s, extentBytes);
      ofLimit[name] = { mbps: round(b.mbps, 1), by: b.by, fraction: round(s.mbPerS / b.mbps, 3) };
      cell = `${(100 * ofLimit[name]!.fraction).toFixed(0)} % of ${b.by} (${b.mbps.toFixed(0)})`;
    }
    table.push([
      tool,
      name,
      s.wallS.toFixed(2),
      s.mbPerS.toFixed(0),
      cell,
      (s.storedBytes / 1e6).toFixed(1),
      s.maxRssMiB.toFixed(0),
      s.cpuS.toFixed(2),
    ]);
  }
}
console.log(table.toString());

const incrStored = (r: ToolResult, k: string) => r[k]!.storedBytes - r.full!.storedBytes;
/** Median over rounds of a ratio computed within each round (side by side). */
const perRoundRatio = (fn: (r: Record<string, ToolResult>) => number) => round(median(perRound.map(fn)), 3);
const ratios: Record<string, number | boolean | null> = {};
ratios.opencbrIncrHintsBytesOverChanged = round(incrStored(o, 'incrHints') / changedBytes, 3);
ratios.opencbrIncrNoHintsBytesOverChanged = round(incrStored(o, 'incrNoHints') / changedBytes, 3);
for (const ref of ['restic', 'borg']) {
  const r = medians[ref];
  if (!r) continue;
  const vs = (refStep: string, step: string) =>
    perRoundRatio((x) => x[ref]![refStep]!.wallS / x.opencbr![step]!.wallS);
  ratios[`fullSpeedVs_${ref}`] = vs('full', 'full');
  ratios[`restoreSpeedVs_${ref}`] = vs('restore', 'restore');
  if (r.restoreSync) ratios[`restoreSpeedVs_${ref}WithSync`] = vs('restoreSync', 'restore');
  ratios[`incrHintsSpeedVs_${ref}`] = vs('incr', 'incrHints');
  ratios[`incrNoHintsSpeedVs_${ref}`] = vs('incr', 'incrNoHints');
  ratios[`fullBytesVs_${ref}`] = round(o.full!.storedBytes / r.full!.storedBytes, 3);
  ratios[`incrBytesVs_${ref}`] = round(incrStored(o, 'incrHints') / incrStored(r, 'incr'), 3);
  ratios[`peakRssVs_${ref}`] = round(
    Math.max(...Object.values(o).map((s) => s.maxRssMiB)) /
      Math.max(...Object.values(r).map((s) => s.maxRssMiB)),
    2,
  );
  ratios[`${ref}IncrBytesOverChanged`] = round(incrStored(r, 'incr') / changedBytes, 3);
}
if (medians.restic) {
  ratios.targetFullSpeed2x = (ratios.fullSpeedVs_restic as number) >= 2;
  ratios.targetRestore2xResticWithSync = (ratios.restoreSpeedVs_resticWithSync as number) >= 2;
  ratios.targetIncrHints10x = (ratios.incrHintsSpeedVs_restic as number) >= 10;
  ratios.targetFullBytesLeRestic = (ratios.fullBytesVs_restic as number) <= 1;
}
for (const step of ['full', 'incrHints', 'restore'])
  if (ofLimit[step]) ratios[`target_${step}Within70PctOfLimit`] = ofLimit[step]!.fraction >= 0.7;
ratios.targetIncrBytesLe1_5xChanged = (ratios.opencbrIncrHintsBytesOverChanged as number) <= 1.5;
ratios.targetPeakRssUnder300MiB = Math.max(...Object.values(o).map((s) => s.maxRssMiB)) <= 300;
console.log(
  JSON.stringify({
    bench: 'engine',
    sizeMiB,
    rounds,
    volumeBytes: volBytes,
    changedBytes,
    extentBytes,
    loadAvgStart: load0.map((x) => round(x, 2)),
    loadAvgEnd: load1.map((x) => round(x, 2)),
    limits,
    medians,
    ofLimit,
    ratios,
    perRound,
  }),
);
