// Engine benchmark: opencbr vs restic vs borg on a generated volume image, side by side in one run, in several
// rounds whose tool order alternates; the machine's limits are measured in the same run.
// Usage: npm run bench:engine [-- --size-mib N] [--tools restic,borg] [--rounds N] [--keep]
// Prints the limits, a table of medians (each opencbr step also as a fraction of the limit that binds it), then
// one JSON line with every round's figures, the medians and the medians of the per-round ratios.
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { bindingLimit, measureLimits } from './lib/limits.js';
import { dirBytes, measure } from './lib/measure.js';
import {
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
  step,
  warm,
} from './lib/tools.js';

const argv = process.argv.slice(2);
const opt = argOpt;
const sizeMiB = Number(opt('size-mib', '4096'));
const tools = opt('tools', 'restic,borg').split(',').filter(Boolean);
const keep = argv.includes('--keep');
const rounds = Math.max(1, Number(opt('rounds', '3')));
const root = resolve('.bench', `engine-${sizeMiB}`);
const im = await images(sizeMiB, root);
const { v1, v2, extentsFile, volBytes, MB, changedBytes, extentBytes } = im;
const runner = fileURLToPath(new URL('./lib/opencbr-run.js', import.meta.url));

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
  r.full = step(await run({ op: 'backup', backupId: 'full', source: v1 }), dirBytes(store), MB);
  log('opencbr incremental without hints');
  warm(v2);
  r.incrNoHints = step(
    await run({ op: 'backup', backupId: 'inc-n', source: v2, parent: 'full' }),
    dirBytes(store),
    MB,
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
    MB,
  );
  r.incrHints.storedBytes -= afterGc - r.full.storedBytes; // (gc left exactly the full backup; keep the series comparable)
  const out = join(root, 'restore-opencbr.img');
  rmSync(out, { force: true });
  log('opencbr restore of the full backup');
  r.restore = step(await run({ op: 'restore', backupId: 'full', target: out }), dirBytes(store), MB);
  if (!sameFile(out, v1)) throw new Error('opencbr restore is not byte-identical');
  rmSync(out, { force: true });
  log('opencbr restore of the hinted incremental');
  r.restoreIncr = step(await run({ op: 'restore', backupId: 'inc-h', target: out }), dirBytes(store), MB);
  if (!sameFile(out, v2)) throw new Error('opencbr incremental restore is not byte-identical');
  rmSync(out, { force: true });
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
  r.full = step(await borg(['create', `${repo}::full`, 'vol.img']), dirBytes(repo), MB);
  linkVol(work, v2);
  log('borg incremental');
  warm(v2);
  r.incr = step(await borg(['create', `${repo}::incr`, 'vol.img']), dirBytes(repo), MB);
  log('borg restore of the full backup');
  r.restore = step(await borg(['extract', `${repo}::full`], target), dirBytes(repo), MB);
  if (!sameFile(join(target, 'vol.img'), v1)) log('WARNING: borg restore differs');
  if (!keep) rmSync(base, { recursive: true, force: true });
  return r;
}

const load0 = loadavg();
log(`changed bytes ${changedBytes} (extents cover ${extentBytes})`);
log('measuring the machine: durable writes, source reads, CPU per byte');
warm(v1);
const limits = await measureLimits(root, v1, Math.min(volBytes, 1024 * 1024 * 1024));
const runTool: Record<string, () => Promise<ToolResult>> = { opencbr: benchOpencbr };
if (tools.includes('restic') && ensureTool('restic', 'restic')) runTool.restic = () => benchRestic(im, keep);
if (tools.includes('borg') && ensureTool('borg', 'borgbackup')) runTool.borg = benchBorg;
const perRound = await runRounds(rounds, runTool, '');
const load1 = loadavg();

const medians = medianSteps(perRound);

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
      const work =
        name === 'full'
          ? 'full'
          : name === 'incrHints'
            ? 'changed'
            : name === 'incrNoHints'
              ? 'scan'
              : 'restore';
      const b = bindingLimit(
        limits,
        work,
        Math.min(1, s.storedBytes / volBytes),
        work === 'changed' ? volBytes / extentBytes : 1,
      );
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
