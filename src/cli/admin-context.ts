// Admin commands work directly on the data directory (the catalog is safe to share with a running server:
// SQLite WAL + busy timeout).
import { pino } from 'pino';
import { loadConfig } from '../config.js';
import { type AppContext, openContext } from '../context.js';
import type { Project } from '../domain/identity-service.js';
import { HEX_ID_RE } from '../domain/identity.js';

export interface GlobalOptions {
  json?: boolean;
  data?: string;
}

/** Opens the catalog (bootstrapping identity if this is the first use), runs `fn`, closes. */
export async function withAdminContext<T>(
  opts: GlobalOptions,
  fn: (ctx: AppContext) => Promise<T>,
): Promise<T> {
  const env = { ...process.env };
  if (opts.data) env.OPENCBR_DATA = opts.data;
  const config = loadConfig(env);
  const ctx = await openContext(config, { log: pino({ level: 'warn' }) });
  try {
    const boot = await ctx.identity.bootstrap(config.adminPassword);
    if (boot.generatedPassword) {
      process.stderr.write(
        `First use of ${config.dataDir}: created user admin (project admin, domain Default) with password: ${boot.generatedPassword}\n`,
      );
    }
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** A project given by id (32 hex) or by name in a domain (default Default). */
export async function resolveProject(ctx: AppContext, ref: string, domain?: string): Promise<Project> {
  if (HEX_ID_RE.test(ref)) {
    try {
      return await ctx.identity.getProject({ id: ref });
    } catch {
      // a project may be named like an id
    }
  }
  return ctx.identity.getProject({ name: ref, domain: domainRef(domain) });
}

export function domainRef(domain?: string) {
  return domain ? (HEX_ID_RE.test(domain) ? { id: domain } : { name: domain }) : undefined;
}
