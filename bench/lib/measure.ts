import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface Measured {
  wallS: number;
  maxRssMiB: number;
  userS: number;
  sysS: number;
  stdout: string;
}

/** Runs a command under /usr/bin/time -v (when present) and returns wall time, peak RSS and CPU times. */
export function measure(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Measured> {
  const useTime = existsSync('/usr/bin/time');
  const argv = useTime ? ['-v', cmd, ...args] : args;
  const bin = useTime ? '/usr/bin/time' : cmd;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(bin, argv, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      if (code !== 0) {
        reject(
          new Error(`${cmd} ${args.join(' ')} exited ${code}\n${err.slice(-3000)}\n${out.slice(-2000)}`),
        );
        return;
      }
      const num = (re: RegExp) => Number(re.exec(err)?.[1] ?? Number.NaN);
      resolve({
        wallS,
        maxRssMiB: num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024,
        userS: num(/User time \(seconds\): ([\d.]+)/),
        sysS: num(/System time \(seconds\): ([\d.]+)/),
        stdout: out,
      });
    });
  });
}

/** Sum of file sizes under a directory (what a repository occupies, holes aside). */
export function dirBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += dirBytes(p);
    else if (e.isFile()) n += statSync(p).size;
  }
  return n;
}
