// Operations endpoints, outside any cloud protocol: liveness, readiness and Prometheus metrics.
// /health and /ready are open (load balancers and orchestrators probe them without credentials; they tell
// nothing about tenants); /metrics is restricted (access.ts).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { metricsRefusal } from './access.js';

const hide = { hide: true };

export default async function opsPlugin(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;

  app.get('/health', { schema: hide }, async () => ({ status: 'ok' }));

  app.get('/ready', { schema: hide }, async (_request, reply) => {
    const { ready, checks } = await ctx.services.ops.ready();
    const byName = Object.fromEntries(
      checks.map((c) => [c.name, c.ok ? { ok: true } : { ok: false, error: c.error ?? 'unreachable' }]),
    );
    reply.code(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'unavailable', checks: byName };
  });

  app.get('/metrics', { schema: hide }, async (request, reply) => {
    const refused = metricsRefusal(ctx.config.metrics, request.ip, request.headers.authorization);
    if (refused) {
      if (refused.status === 401) reply.header('www-authenticate', 'Bearer realm="opencbr metrics"');
      reply.code(refused.status);
      return { error: { code: refused.status, message: refused.reason } };
    }
    const { contentType, text } = await ctx.services.ops.scrape();
    reply.type(contentType);
    return text;
  });
}
