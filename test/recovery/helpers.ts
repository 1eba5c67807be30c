// Shared by the recovery tests: the CLI run in-process with its output captured, files of a vault's packs,
// and a byte flipper.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';

export async function cli(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => {
    out += String(c);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => {
    err += String(c);
    return true;
  }) as typeof process.stderr.write;
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const before = process.exitCode;
  let code: number;
  try {
    code = await runCli(['node', 'opencbr', ...args]);
    if (process.exitCode && process.exitCode !== before) code = Number(process.exitCode);
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
    process.env = saved;
    process.exitCode = before;
  }
  return { code, out, err };
}

/** Every file under `dir`, oldest first. */
export function filesByAge(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
}

export function flipByte(path: string, at: number): void {
  const b = readFileSync(path);
  b[at]! ^= 0x01;
  writeFileSync(path, b);
}
