// `opencbr serve` as a child process (the crash tests kill it with SIGKILL and start it again on the same
// data directory), and plain HTTP calls to it.
import { type ChildProcess, spawn } from 'node:child_process';
import { cliCommand, repoRoot } from './repo.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ServeChild {
  child: ChildProcess;
  url: string;
  /** What it wrote to stderr so far (for failure messages). */
  stderr(): string;
}

/** Starts `opencbr serve` on a free port with `env` added; resolves once it prints its URL. */
export async function startServe(env: Record<string, string>): Promise<ServeChild> {
  const child = spawn(cliCommand[0]!, [...cliCommand.slice(1), 'serve'], {
    env: { ...process.env, OPENCBR_LOG_LEVEL: 'warn', ...env, OPENCBR_LISTEN: '127.0.0.1:0' },
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += String(d);
  });
  child.stderr!.on('data', (d) => {
    err += String(d);
  });
  const end = Date.now() + 30_000;
  while (!/serving on (http:\/\/\S+)/.test(out)) {
    if (Date.now() > end || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`serve did not start: ${out} ${err}`);
    }
    await sleep(20);
  }
  return { child, url: /serving on (http:\/\/\S+)/.exec(out)![1]!, stderr: () => err };
}

/** Waits for the child to exit, after sending `signal` (SIGKILL: the crash itself). */
export async function stopServe(s: ServeChild, signal: NodeJS.Signals): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill(signal);
  await exited;
}

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of responses under test
export type Json = any;

export interface CallResult {
  status: number;
  headers: Headers;
  json: Json;
  text: string;
}

/** One JSON request to `base` with an optional Keystone token. */
export async function call(
  base: string,
  method: string,
  url: string,
  token: string | null,
  body?: unknown,
): Promise<CallResult> {
  const r = await fetch(`${base}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { 'x-auth-token': token } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  let json: Json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: r.status, headers: r.headers, json, text };
}

/** A project-scoped token of the admin user (password as given to the first start). */
export async function adminToken(
  base: string,
  password: string,
): Promise<{ token: string; projectId: string }> {
  const auth = await call(base, 'POST', '/v3/auth/tokens', null, {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'admin', domain: { name: 'Default' }, password } },
      },
      scope: { project: { name: 'admin', domain: { name: 'Default' } } },
    },
  });
  if (auth.status !== 201) throw new Error(`login failed: ${auth.status} ${auth.text}`);
  return { token: String(auth.headers.get('x-subject-token')), projectId: auth.json.token.project.id };
}
