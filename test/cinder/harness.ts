// A real opencbr for Cinder/HSS tests: temp data dir, temp volume root, catalog, engine, job workers,
// the full app (inject) and, on request, a loopback listener for real clients.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildCinderApp } from '../../src/api/cinder/listener.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type AppContext, openContext } from '../../src/context.js';
import { openEngine } from '../../src/engine/index.js';
import { FsObjectStore } from '../../src/objects/fs-store.js';
import { cbrServiceFactory } from '../../src/services/index.js';
import { testCatalogEnv } from '../support/catalog.js';

export const ADMIN_PASSWORD = 'correct-horse-battery';
export const OTHER_PASSWORD = 'other-horse-battery';

export interface Harness {
  ctx: AppContext;
  app: FastifyInstance;
  dir: string;
  volumeRoot: string;
  adminProjectId: string;
  otherProjectId: string;
  /** Token of admin (admin role) on project admin. */
  adminToken: string;
  /** Token of user bob (member role) on project other. */
  otherToken: string;
  /** Base URL when started with listen: true. */
  url: string | null;
  /** Base URL of the Cinder-only listener (root-mounted) when started with listen: true. */
  cinderUrl: string | null;
  close(): Promise<void>;
}

export async function issueToken(
  app: FastifyInstance,
  user: string,
  password: string,
  project: string,
): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/v3/auth/tokens',
    payload: {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: user, domain: { name: 'Default' }, password } },
        },
        scope: { project: { name: project, domain: { name: 'Default' } } },
      },
    },
  });
  if (res.statusCode !== 201) throw new Error(`token issue failed: ${res.statusCode} ${res.body}`);
  return String(res.headers['x-subject-token']);
}

export async function startHarness(
  opts: { listen?: boolean; dir?: string; masterKey?: Buffer; now?: () => Date } = {},
): Promise<Harness> {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'opencbr-cinder-'));
  const volumeRoot = path.join(dir, 'volumes');
  fs.mkdirSync(volumeRoot, { recursive: true });
  const config = loadConfig(
    {
      OPENCBR_DATA: path.join(dir, 'data'),
      ...(await testCatalogEnv(dir)),
      OPENCBR_VOLUME_ROOTS: volumeRoot,
      OPENCBR_ADMIN_PASSWORD: ADMIN_PASSWORD,
      OPENCBR_LISTEN: '127.0.0.1:0',
    },
    dir,
  );
  const ctx = await openContext(config, {
    log: pino({ level: 'silent' }),
    jobs: { pollMs: 20 },
    ...(opts.now ? { now: opts.now } : {}),
  });
  if (!(ctx.services as { backups?: unknown }).backups) await cbrServiceFactory(ctx);
  let engineCloser: (() => Promise<void>) | null = null;
  if (!ctx.engine) {
    const engine = await openEngine({
      store: new FsObjectStore(config.objectsDir),
      masterKey: { key: opts.masterKey ?? Buffer.alloc(32, 7) },
      stateDir: path.join(dir, 'engine-state'),
      workers: 0,
    });
    ctx.engine = engine;
    engineCloser = () => engine.close();
  }
  await ctx.identity.bootstrap(ADMIN_PASSWORD);
  const adminProject = await ctx.identity.getProject({ name: 'admin' });
  let other = await ctx.identity.getProject({ name: 'other' }).catch(() => null);
  if (!other) {
    other = await ctx.identity.createProject({ name: 'other' });
    await ctx.identity.createUser({
      name: 'bob',
      password: OTHER_PASSWORD,
      project: { id: other.id },
      roles: ['member'],
    });
  }
  const app = await buildApp(ctx);
  await app.ready();
  await ctx.jobs.start();
  let url: string | null = null;
  let cinderUrl: string | null = null;
  let cinderApp: FastifyInstance | null = null;
  if (opts.listen) {
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    cinderApp = await buildCinderApp(ctx);
    cinderUrl = await cinderApp.listen({ host: '127.0.0.1', port: 0 });
  }
  const adminToken = await issueToken(app, 'admin', ADMIN_PASSWORD, 'admin');
  const otherToken = await issueToken(app, 'bob', OTHER_PASSWORD, 'other');
  return {
    ctx,
    app,
    dir,
    volumeRoot,
    adminProjectId: adminProject.id,
    otherProjectId: other.id,
    adminToken,
    otherToken,
    url,
    cinderUrl,
    async close() {
      await ctx.jobs.drain(30_000).catch(() => undefined);
      if (cinderApp) await cinderApp.close();
      await app.close();
      await ctx.close();
      if (engineCloser) await engineCloser();
    },
  };
}

/** Writes a volume image of `bytes` bytes with varied, reproducible content. */
export function writeImage(file: string, bytes: number, seed = 1): Buffer {
  const buf = Buffer.alloc(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i += 4096) {
    // Mixed content: some zero blocks (sparse), some random, some repeated.
    if ((i / 4096) % 5 === 0) continue;
    x = (x * 1103515245 + 12345) >>> 0;
    const block = (i / 4096) % 3 === 0 ? Buffer.alloc(4096, x & 0xff) : randomBytes(4096);
    block.copy(buf, i, 0, Math.min(4096, bytes - i));
  }
  fs.writeFileSync(file, buf);
  return buf;
}

/** Declares a volume of the admin project through the opencbr inventory API; returns its id. */
export async function declareVolume(h: Harness, name: string, bytes: number, seed = 1, token = h.adminToken) {
  const file = path.join(h.volumeRoot, `${name}.img`);
  const data = writeImage(file, bytes, seed);
  const project = token === h.adminToken ? h.adminProjectId : h.otherProjectId;
  const res = await h.app.inject({
    method: 'POST',
    url: `/opencbr/v1/${project}/volumes`,
    headers: { 'x-auth-token': token },
    payload: { volume: { name, path: file } },
  });
  if (res.statusCode >= 300) throw new Error(`declare volume failed: ${res.statusCode} ${res.body}`);
  return { id: (res.json() as { volume: { id: string } }).volume.id, file, data };
}

/**
 * Backs a volume up through CBR: a new disk vault named `vaultName` holding it, then a checkpoint of that vault.
 * Returns the vault and checkpoint ids; the backup job runs on (wait for its status).
 */
export async function cbrDiskCheckpoint(
  h: Harness,
  volumeId: string,
  vaultName: string,
): Promise<{ vaultId: string; checkpointId: string }> {
  const as = (url: string, payload: object) =>
    h.app.inject({ method: 'POST', url, headers: { 'x-auth-token': h.adminToken }, payload });
  const P = h.adminProjectId;
  const vault = await as(`/v3/${P}/vaults`, {
    vault: {
      name: vaultName,
      billing: {
        consistent_level: 'crash_consistent',
        object_type: 'disk',
        protect_type: 'backup',
        size: 100,
      },
      resources: [{ id: volumeId, type: 'OS::Cinder::Volume' }],
    },
  });
  if (vault.statusCode !== 200) throw new Error(`create vault failed: ${vault.statusCode} ${vault.body}`);
  const vaultId = (vault.json() as { vault: { id: string } }).vault.id;
  const cp = await as(`/v3/${P}/checkpoints`, { checkpoint: { vault_id: vaultId, parameters: {} } });
  if (cp.statusCode !== 200) throw new Error(`create checkpoint failed: ${cp.statusCode} ${cp.body}`);
  return { vaultId, checkpointId: (cp.json() as { checkpoint: { id: string } }).checkpoint.id };
}

/** Waits until `check` returns a value (polls; the job workers run in this process). */
export async function waitFor<T>(
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}
