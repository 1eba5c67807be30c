// What every request gets, whatever its protocol: a request id (the client's X-Request-Id when it is a sane
// token, else a new one) returned as X-Request-Id and X-Openstack-Request-Id, one log line when it is
// answered, the HTTP metrics, and the service scope that lets an operation log record the id.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { inRequestScope } from '../../services/request-scope.js';

/** What a client may choose as its request id: short, and nothing a log line or a header could be split on. */
const SANE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Fastify's genReqId: the client's X-Request-Id when sane, else `req-<uuid>` (OpenStack's form). */
export function requestIdOf(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  if (typeof given === 'string' && SANE_ID.test(given)) return given;
  return `req-${randomUUID()}`;
}

/** The route pattern a request matched (`/v3/:project_id/vaults/:vault_id`), never its raw URL. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

export function observeRequests(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('x-openstack-request-id', request.id);
  });
  // The last hook before the handler: the route and every service call it makes run inside the scope
  // (the body has been read by then; events of the request stream would lose an earlier scope).
  app.addHook('preHandler', (request, _reply, done) => {
    inRequestScope(request.id, done);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = routeOf(request);
    const ms = reply.elapsedTime;
    ctx.metrics.requestServed(request.method, route, reply.statusCode, ms / 1000);
    request.log.info(
      {
        method: request.method,
        route,
        url: request.url.length > 300 ? `${request.url.slice(0, 300)}…` : request.url,
        status: reply.statusCode,
        ms: Math.round(ms * 10) / 10,
        remote: request.ip,
      },
      'request',
    );
  });
}
