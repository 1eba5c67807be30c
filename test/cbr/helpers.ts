// Test harness for the CBR API: a real context (SQLite catalog, job queue, engine on a filesystem object
// store) in a temp dir, the full app for inject(), two projects with a token each, and volume files.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type AppContext, openContext } from '../../src/context.js';
import { openEngine } from '../../src/engine/index.js';
import { FsObjectStore, type ObjectStore } from '../../src/objects/index.js';
import { testCatalogEnv } from '../support/catalog.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of responses under test
export type J = any;

export interface Harness {
  dir: string;
  volumeRoot: string;
  ctx: AppContext;
  app: FastifyInstance;
  /** Project A (admin) and project B (another tenant). */
  a: { projectId: string; token: string };
  b: { projectId: string; token: string };
  req(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    opts?: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; json: J; body: string; headers: Record<string, unknown> }>;
  /** Writes a volume image of `bytes` (random content) and declares it in project A. */
  volume(name: string, bytes: number, fill?: Buffer): Promise<{ id: string; path: string }>;
  server(name: string, volumeIds: string[]): Promise<{ id: string }>;
  /** Waits until every queued job has run. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  opts: {
    engine?: boolean;
    startJobs?: boolean;
    /** Extra configuration variables (OPENCBR_*), over the harness's own. */
    env?: Record<string, string>;
    /** Where the temp dir goes (default the OS temp dir): e.g. a small filesystem to fill up. */
    baseDir?: string;
    /** The engine's lease TTL (default the engine's): short to see a dead process's lease go stale. */
    engineLeaseTtlMs?: number;
    /** The engine's object store (default a filesystem store in the temp dir). */
    store?: ObjectStore;
  } = {},
): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(opts.baseDir ?? os.tmpdir(), 'opencbr-cbr-'));
  const volumeRoot = path.join(dir, 'volumes');
  fs.mkdirSync(volumeRoot);
  const config = loadConfig(
    {
      OPENCBR_DATA: path.join(dir, 'data'),
      ...(await testCatalogEnv(dir)),
      OPENCBR_VOLUME_ROOTS: volumeRoot,
      OPENCBR_ADMIN_PASSWORD: 'Admin-pass-1',
      ...opts.env,
    },
    dir,
  );
  const ctx = await openContext(config, {
    log: pino({ level: 'silent' }),
    jobs: { pollMs: 20, leaseMs: 5000, concurrency: 2 },
  });
  if (opts.engine !== false && !ctx.engine) {
    const engine = await openEngine({
      store: opts.store ?? new FsObjectStore(path.join(dir, 'objects')),
      masterKey: { key: randomBytes(32) },
      stateDir: path.join(dir, 'engine-state'),
      workers: 0,
      ...(opts.engineLeaseTtlMs ? { leaseTtlMs: opts.engineLeaseTtlMs } : {}),
    });
    ctx.engine = engine;
    const close = ctx.close.bind(ctx);
    ctx.close = async () => {
      await close();
      await engine.close();
    };
  }
  await ctx.identity.bootstrap('Admin-pass-1');
  const admin = await ctx.identity.getUser({ name: 'admin' });
  const projA = await ctx.identity.getProject({ name: 'admin' });
  const projB = await ctx.identity.createProject({ name: 'other' });
  const userB = await ctx.identity.createUser({
    name: 'bob',
    password: 'Bob-pass-123',
    project: { id: projB.id },
    roles: ['member'],
  });
  const tokA = await ctx.identity.issueToken(admin, { project: { id: projA.id } });
  const tokB = await ctx.identity.issueToken(userB, { project: { id: projB.id } });
  const app = await buildApp(ctx);
  await app.ready();
  if (opts.startJobs !== false) await ctx.jobs.start();

  const h: Harness = {
    dir,
    volumeRoot,
    ctx,
    app,
    a: { projectId: projA.id, token: tokA.token },
    b: { projectId: projB.id, token: tokB.token },
    async req(method, url, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      const token = o.token === undefined ? h.a.token : o.token;
      if (token) headers['x-auth-token'] = token;
      let payload: string | undefined;
      if (o.rawBody !== undefined) {
        payload = o.rawBody;
        headers['content-type'] ??= 'application/json';
      } else if (o.body !== undefined) {
        payload = JSON.stringify(o.body);
        headers['content-type'] = 'application/json';
      }
      const r = await app.inject({ method, url, headers, payload });
      let json: unknown = null;
      try {
        json = r.body.length ? JSON.parse(r.body) : null;
      } catch {
        json = null;
      }
      return { status: r.statusCode, json, body: r.body, headers: r.headers };
    },
    async volume(name, bytes, fill) {
      const p = path.join(volumeRoot, `${name}.img`);
      fs.writeFileSync(p, fill ?? randomBytes(bytes));
      const r = await h.req('POST', `/opencbr/v1/${h.a.projectId}/volumes`, {
        body: { volume: { name, path: p } },
      });
      if (r.status !== 200) throw new Error(`volume create failed: ${r.status} ${r.body}`);
      return { id: r.json.volume.id as string, path: p };
    },
    async server(name, volumeIds) {
      const r = await h.req('POST', `/opencbr/v1/${h.a.projectId}/servers`, {
        body: { server: { name, volume_ids: volumeIds } },
      });
      if (r.status !== 200) throw new Error(`server create failed: ${r.status} ${r.body}`);
      return { id: r.json.server.id as string };
    },
    async drain() {
      await ctx.jobs.drain(60_000);
    },
    async close() {
      await app.close();
      await ctx.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

export const MiB = 1024 * 1024;

export async function createVault(
  h: Harness,
  objectType: 'server' | 'disk',
  resources: Array<{ id: string; type: string }> = [],
  name = `vault-${objectType}`,
): Promise<J> {
  const r = await h.req('POST', `/v3/${h.a.projectId}/vaults`, {
    body: {
      vault: {
        name,
        billing: {
          consistent_level: 'crash_consistent',
          object_type: objectType,
          protect_type: 'backup',
          size: 100,
        },
        resources,
      },
    },
  });
  if (r.status !== 200) throw new Error(`vault create failed: ${r.status} ${r.body}`);
  return r.json.vault;
}

/**
 * Makes every queued job but gc look as if a worker took it and then died, as the queue finds it at start. Not
 * gc: an interrupted backup queues one for its leftovers, due a lease TTL later. Returns how many it changed.
 */
export async function crashQueuedJobs(h: Harness): Promise<number> {
  const past = new Date(Date.now() - 60_000).toISOString();
  const r = await h.ctx.db
    .updateTable('jobs')
    .set({
      status: 'running',
      lease_owner: 'worker-that-died',
      lease_expires_at: past,
      attempts: 1,
      started_at: past,
    })
    .where('status', '=', 'queued')
    .where('kind', '!=', 'gc')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
