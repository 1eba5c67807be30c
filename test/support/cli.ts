// The CLI run in-process, with its output captured and `env` set for the run only.
import { runCli } from '../../src/cli/program.js';

/** Runs `opencbr ...args` with `env` added to the environment; its exit code, stdout and stderr. */
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
