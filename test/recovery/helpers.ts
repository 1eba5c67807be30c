// Shared by the recovery tests: the CLI run in-process with its output captured, a data directory served
// in-process as `opencbr serve` opens it, files of a vault by age, and a byte flipper.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
export { cli } from '../support/cli.js';
import { type AppContext, openContext } from '../../src/context.js';

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

/** A data directory served in-process the way `opencbr serve` opens it (engine keyed by its master key file). */
export interface Served {
  ctx: AppContext;
  app: FastifyInstance;
  projectId: string;
  token: string;
  req(method: string, url: string, body?: unknown): Promise<{ status: number; json: J; body: string }>;
  close(): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of responses under test
type J = any;

export function dataEnv(dir: string): Record<string, string> {
  return {
    OPENCBR_DATA: join(dir, 'data'),
    OPENCBR_VOLUME_ROOTS: join(dir, 'vols'),
    OPENCBR_ADMIN_PASSWORD: 'Admin-pass-1',
  };
}

/** `projectId`: the admin's token is scoped to it (default: the project named admin). */
export async function serveDataDir(dir: string, projectId?: string): Promise<Served> {
  const config = loadConfig(dataEnv(dir), dir);
  const ctx = await openContext(config, {
    log: pino({ level: 'silent' }),
    engine: true,
    engineWorkers: 0,
    jobs: { pollMs: 20, leaseMs: 5000, concurrency: 2 },
  });
  await ctx.identity.bootstrap(config.adminPassword);
  const admin = await ctx.identity.authenticatePassword({ name: 'admin' }, 'Admin-pass-1');
  const project = await ctx.identity.getProject(projectId ? { id: projectId } : { name: 'admin' });
  const { token } = await ctx.identity.issueToken(admin, { project: { id: project.id } });
  const app = await buildApp(ctx);
  await app.ready();
  await ctx.jobs.start();
  return {
    ctx,
    app,
    projectId: project.id,
    token,
    async req(method, url, body) {
      const r = await app.inject({
        method: method as 'GET',
        url,
        headers: {
          'x-auth-token': token,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        payload: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.statusCode, json: r.body ? JSON.parse(r.body) : null, body: r.body };
    },
    async close() {
      await app.close();
      await ctx.close();
    },
  };
}
