// What the engine benches share: the generated images, the reference tools, and the figures of one step.
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
import { join } from 'node:path';
import { makeVolume, mutateVolume } from '../../src/engine/testing/volume-generator.js';
import { type Measured, dirBytes, measure } from './measure.js';

export function log(msg: string) {
  process.stderr.write(`[bench] ${msg}\n`);
}

export interface BenchImages {
  sizeMiB: number;
  /** The bench's working directory (images under `img/`, each tool's repository beside). */
  root: string;
  v1: string;
  v2: string;
  extentsFile: string;
  /** Bytes of v2 that differ from v1, counted byte by byte. */
  changedBytes: number;
  /** Bytes the mutated extents cover. */
  extentBytes: number;
  volBytes: number;
  /** Volume size in MB (10^6), the unit of every MB/s figure. */
  MB: number;
}

/** Generates (once, kept under `.bench/`) the bench's image, its 5 % mutated copy and the mutated extents. */
export async function images(sizeMiB: number, root: string): Promise<BenchImages> {
  const img = join(root, 'img');
  const v1 = join(img, 'v1.img');
  const v2 = join(img, 'v2.img');
  const extentsFile = join(img, 'extents.json');
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
  const volBytes = sizeMiB * 1024 * 1024;
  return { sizeMiB, root, v1, v2, extentsFile, changedBytes, extentBytes, volBytes, MB: volBytes / 1e6 };
}

export function ensureTool(bin: string, pkg: string): boolean {
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
export function warm(path: string): void {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(8 << 20);
  for (let pos = 0; ; pos += buf.length) if (readSync(fd, buf, 0, buf.length, pos) === 0) break;
  closeSync(fd);
}

export function sameFile(a: string, b: string): boolean {
  return spawnSync('cmp', ['-s', a, b]).status === 0;
}

export interface Step {
  wallS: number;
  mbPerS: number;
  maxRssMiB: number;
  cpuS: number;
  storedBytes: number;
}
export type ToolResult = Record<string, Step>;

export function step(m: Measured, storedBytes: number, MB: number): Step {
  return {
    wallS: round(m.wallS, 3),
    mbPerS: round(MB / m.wallS, 1),
    maxRssMiB: round(m.maxRssMiB, 1),
    cpuS: round(m.userS + m.sysS, 2),
    storedBytes,
  };
}

export function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

export function linkVol(work: string, src: string): void {
  const vol = join(work, 'vol.img');
  if (existsSync(vol)) unlinkSync(vol);
  linkSync(src, vol);
}

/** restic's full backup, incremental and restore (durable with `sync`, and left in the page cache) of the images. */
export async function benchRestic(im: BenchImages, keep: boolean): Promise<ToolResult> {
  const { root, v1, v2, MB } = im;
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
  r.full = step(full, dirBytes(repo), MB);
  const snap = /"snapshot_id":"([0-9a-f]+)"/.exec(full.stdout)?.[1];
  linkVol(work, v2);
  log('restic incremental');
  warm(v2);
  r.incr = step(await restic(['backup', '--json', 'vol.img']), dirBytes(repo), MB);
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
    MB,
  );
  if (!sameFile(join(target, 'vol.img'), v1)) log('WARNING: restic restore differs');
  rmSync(target, { recursive: true, force: true });
  log('restic restore of the full backup, left in the page cache');
  r.restore = step(await restic(['restore', snap ?? 'latest', '--target', target]), dirBytes(repo), MB);
  if (!sameFile(join(target, 'vol.img'), v1)) log('WARNING: restic restore differs');
  if (!keep) rmSync(base, { recursive: true, force: true });
  return r;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** `--name value` from the command line, or `dflt`. */
export function argOpt(name: string, dflt: string): string {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
}

/**
 * Runs every tool once per round, the order alternating from round to round so that no tool always meets a
 * warmer cache or a fuller disk; each round's figures by tool.
 */
export async function runRounds(
  rounds: number,
  runTool: Record<string, () => Promise<ToolResult>>,
  label: string,
): Promise<Array<Record<string, ToolResult>>> {
  const order = Object.keys(runTool);
  const perRound: Array<Record<string, ToolResult>> = [];
  for (let i = 0; i < rounds; i++) {
    const r: Record<string, ToolResult> = {};
    for (const name of i % 2 ? [...order].reverse() : order) {
      log(`${label}round ${i + 1}/${rounds}: ${name}`);
      r[name] = await runTool[name]!();
    }
    perRound.push(r);
  }
  return perRound;
}

/** Each tool's steps as the median of every figure over the rounds. */
export function medianSteps(perRound: Array<Record<string, ToolResult>>): Record<string, ToolResult> {
  const medians: Record<string, ToolResult> = {};
  for (const tool of Object.keys(perRound[0]!)) {
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
  return medians;
}
