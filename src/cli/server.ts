// The serving process: catalog + engine + HTTP listeners + job workers, and how to reach them.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { startCinderListener } from '../api/cinder/listener.js';
import { buildApp } from '../app.js';
import type { Config } from '../config.js';
import { type AppContext, openContext } from '../context.js';
import { type Scheduler, startScheduler } from '../jobs/scheduler.js';
import { runDueCbrPolicies } from '../services/policy-runs.js';
import { protocolDeps } from '../services/protocol-deps.js';

/** How often the serving process looks for due backup policy slots (a slot is a whole minute). */
export const POLICY_PASS_MS = 30_000;

export interface RunningServer {
  ctx: AppContext;
  app: FastifyInstance;
  /** Base URL of the main listener, e.g. http://127.0.0.1:8080 */
  url: string;
  cinderUrl: string | null;
  /** Set on the first start when the admin password was generated. */
  generatedAdminPassword: string | null;
  /** OPENCBR_ADMIN_PASSWORD was set but is not the existing admin's password (it applies only at creation). */
  adminPasswordIgnored: boolean;
  adminProjectId: string | null;
  /** The backup policy scheduler (its `tick()` runs a pass now). */
  policies: Scheduler;
  close(): Promise<void>;
}

function urlOf(address: string | { address: string; port: number } | null, fallbackHost: string): string {
  if (address === null) return '';
  if (typeof address === 'string') return address;
  const host = address.address === '::' || address.address === '0.0.0.0' ? fallbackHost : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

export interface StartServerOptions {
  /** The clock of the whole process (default: the system's). */
  now?: () => Date;
}

export async function startServer(
  config: Config,
  log: Logger,
  opts: StartServerOptions = {},
): Promise<RunningServer> {
  const ctx = await openContext(config, { log, engine: true, ...(opts.now ? { now: opts.now } : {}) });
  const closers: Array<() => Promise<void>> = [];
  try {
    const boot = await ctx.identity.bootstrap(config.adminPassword);
    const admin = await ctx.identity.getProject({ name: 'admin' }).catch(() => null);
    const app = await buildApp(ctx, { loggerInstance: log });
    await app.listen({ host: config.listen.host, port: config.listen.port });
    closers.push(() => app.close());
    const url = urlOf(app.server.address(), config.listen.host);
    let cinderUrl: string | null = null;
    if (config.cinderListen) {
      const cinder = await startCinderListener(ctx, config.cinderListen, { loggerInstance: log });
      closers.push(() => cinder.app.close());
      cinderUrl = urlOf(cinder.app.server.address(), config.cinderListen.host);
    }
    await ctx.jobs.start();
    // Backup policies run from the process that serves the API (a slot is claimed in the catalog first).
    const policies = startScheduler({
      name: 'backup policy',
      everyMs: POLICY_PASS_MS,
      now: ctx.now,
      pass: (now) => runDueCbrPolicies(protocolDeps(ctx), now),
      log,
    });
    closers.push(() => policies.stop());
    await ctx.identity.purgeExpiredTokens();
    return {
      ctx,
      app,
      url,
      cinderUrl,
      generatedAdminPassword: boot.generatedPassword,
      adminPasswordIgnored: boot.passwordIgnored,
      adminProjectId: admin?.id ?? null,
      policies,
      async close() {
        for (const c of closers.reverse()) await c().catch(() => undefined);
        await ctx.close();
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await ctx.close();
    throw err;
  }
}

/** The banner `opencbr serve` prints. */
export function describeEndpoints(s: RunningServer): string {
  const p = s.adminProjectId ?? '{project_id}';
  const lines = [
    `opencbr is serving on ${s.url}`,
    `  Identity (Keystone v3) auth URL  ${s.url}/identity/v3   (tokens also at ${s.url}/v3/auth/tokens)`,
    `  CBR v3                           ${s.url}/v3/{project_id}`,
    `  Cinder v3 backups (volumev3)     ${s.cinderUrl ? `${s.cinderUrl}/v3/{project_id} and ` : ''}${s.url}/volume/v3/{project_id}`,
    `  HSS v5                           ${s.url}/v5/{project_id}`,
    `  Inventory (volumes, servers)     ${s.url}/opencbr/v1/{project_id}`,
    `  OpenAPI document                 ${s.url}/openapi.json`,
    `  Data directory                   ${s.ctx.config.dataDir}`,
    `  Master key (back it up!)         ${s.ctx.config.masterKeyFile}`,
    `  Volume roots                     ${
      s.ctx.config.volumeRoots.length > 0
        ? s.ctx.config.volumeRoots.join(':')
        : '(none: set OPENCBR_VOLUME_ROOTS to declare volumes)'
    }`,
    `  Admin login                      user admin, domain Default, project admin (${p})`,
  ];
  if (s.generatedAdminPassword) {
    lines.push(
      '',
      `  First start: the admin password is ${s.generatedAdminPassword}`,
      '  (shown once; set OPENCBR_ADMIN_PASSWORD before the first start to choose it,',
      '   or change it with `npx opencbr user set-password admin --password ...`)',
    );
  }
  if (s.adminPasswordIgnored) {
    lines.push(
      '',
      '  Warning: OPENCBR_ADMIN_PASSWORD is not the admin password. It is used only when the admin user is',
      '  first created; the admin user already exists in this data directory. Change its password with',
      '  `npx opencbr user set-password admin --password ...` (with the same OPENCBR_DATA).',
    );
  }
  return `${lines.join('\n')}\n`;
}
