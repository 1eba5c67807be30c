// A real `opencbr serve` child process for end-to-end tests: started on a free port, reached over HTTP with
// a token, stopped by a signal.
import { type ChildProcess, spawn } from 'node:child_process';
import { cliCommand, repoRoot } from './repo.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of responses under test
type J = any;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ServeChild {
  child: ChildProcess;
  url: string;
  /** Everything the child wrote to stderr so far (its log). */
  stderr(): string;
  call(
    method: string,
    url: string,
    token: string | null,
    body?: unknown,
  ): Promise<{ status: number; headers: Headers; json: J; text: string }>;
  /** Sends `signal` and resolves with the exit code once the process is gone. */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

export async function startServe(env: Record<string, string>): Promise<ServeChild> {
  const child = spawn(cliCommand[0]!, [...cliCommand.slice(1), 'serve'], {
    env: { ...process.env, ...env, OPENCBR_LISTEN: '127.0.0.1:0', OPENCBR_LOG_LEVEL: 'warn' },
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
    if (Date.now() > end || child.exitCode !== null) throw new Error(`serve did not start: ${out} ${err}`);
    await sleep(50);
  }
  const url = /serving on (http:\/\/\S+)/.exec(out)![1]!;
  return {
    child,
    url,
    stderr: () => err,
    async call(method, path, token, body) {
      const r = await fetch(`${url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { 'x-auth-token': token } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await r.text();
      return { status: r.status, headers: r.headers, json: (text ? JSON.parse(text) : null) as J, text };
    },
    stop(signal) {
      // Already gone (an exit code, or killed by a signal): waiting for 'exit' would never end.
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill(signal);
      return exited;
    },
  };
}

/** A project-scoped token of the admin user (password as set by OPENCBR_ADMIN_PASSWORD). */
export async function adminToken(
  s: ServeChild,
  password: string,
): Promise<{ token: string; projectId: string }> {
  const auth = await s.call('POST', '/v3/auth/tokens', null, {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'admin', domain: { name: 'Default' }, password } },
      },
      scope: { project: { name: 'admin', domain: { name: 'Default' } } },
    },
  });
  if (auth.status !== 201) throw new Error(`no token: ${auth.status} ${auth.text}`);
  return {
    token: String(auth.headers.get('x-subject-token')),
    projectId: auth.json.token.project.id as string,
  };
}
