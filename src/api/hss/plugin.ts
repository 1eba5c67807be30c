// HSS v5 ransomware-prevention backup APIs over the shared catalog: HSS "backups" are CBR backups of the
// hosts (inventory servers) HSS protects; vaults, backups, restores and operation logs are CBR's, through
// CBR's services. What HSS adds (protection state, protection policies, backup policies) is in hss_* tables.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { AppError } from '../../domain/errors.js';
import { protocolDeps } from '../../services/protocol-deps.js';
import { requireProjectAuth } from '../auth.js';
import { registerBackupRoutes } from './backups-routes.js';
import { renderHssError } from './errors.js';
import { registerPolicyRoutes } from './policies-routes.js';
import { registerProtectionRoutes } from './protection-routes.js';

export async function hssApi(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const preHandler = requireProjectAuth(ctx);

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = renderHssError(error);
    if (status >= 500) request.log.error({ err: error }, 'hss request failed');
    reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const { status, body } = renderHssError(
      new AppError('route_not_found', `The requested URL ${request.method} ${request.url} was not found.`),
    );
    reply.code(status).send(body);
  });

  const pid = (request: FastifyRequest): string => {
    if (!request.auth) throw new AppError('unauthenticated');
    return request.auth.projectId;
  };

  // Looked up per request: the services may be built after the plugin is registered.
  const deps = () => protocolDeps(ctx);

  const route = <S extends object>(summary: string, schema: S) => ({
    preHandler,
    schema: { tags: ['hss'], summary, ...schema },
  });

  const routes = { typed, deps, route, pid };
  registerBackupRoutes(routes);
  registerPolicyRoutes(routes);
  registerProtectionRoutes(routes);
}

/** Protocol plugin registered by buildApp: HSS v5 under /v5. */
export default async function hssPlugin(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  await app.register(hssApi, { ctx: opts.ctx, prefix: '/v5' });
}
