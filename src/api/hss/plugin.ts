// HSS v5 ransomware-prevention backup APIs over the shared catalog: HSS "backups" are CBR backups of the
// hosts (inventory servers) HSS protects; vaults, backups, restores and operation logs are CBR's, through
// CBR's services. What HSS adds (protection state, protection policies, backup policies) is in hss_* tables.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Vault } from '../../domain/cbr-model.js';
import { AppError, isAppError } from '../../domain/errors.js';
import { requireProjectAuth } from '../auth.js';
import type { ProtocolDeps } from '../cinder/deps.js';
import { registerBackupRoutes } from './backups-routes.js';
import { renderHssError } from './errors.js';
import { invalid } from './params.js';
import { registerPolicyRoutes } from './policies-routes.js';
import { startPolicyRunner } from './policy-runner.js';
import { registerProtectionRoutes } from './protection-routes.js';

export async function hssApi(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const hss = ctx.services.hssRecords;
  const preHandler = requireProjectAuth(ctx);

  // HSS backup policies run from the process that serves the API (a slot is claimed in the catalog first).
  let stopRunner: (() => Promise<void>) | null = null;
  app.addHook('onReady', async () => {
    stopRunner = startPolicyRunner(ctx);
  });
  app.addHook('onClose', async () => {
    if (stopRunner) await stopRunner();
  });

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

  const notFound = (what: string, id: string) =>
    new AppError('resource_not_found', `The ${what} ${id} does not exist.`);

  async function serverVault(
    deps: ProtocolDeps,
    projectId: string,
    vaultId: string,
    field: string,
  ): Promise<Vault> {
    const v = await deps.vaults.get(projectId, vaultId).catch((err) => {
      if (isAppError(err) && err.code === 'vault_not_found') throw notFound('vault', vaultId);
      throw err;
    });
    if (v.objectType !== 'server') throw invalid(field, `vault ${vaultId} is not a server backup vault`);
    return v;
  }

  const routes = { typed, ctx, hss, preHandler, pid, notFound, serverVault };
  registerBackupRoutes(routes);
  registerPolicyRoutes(routes);
  registerProtectionRoutes(routes);
}

/** Protocol plugin registered by buildApp: HSS v5 under /v5. */
export default async function hssPlugin(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  await app.register(hssApi, { ctx: opts.ctx, prefix: '/v5' });
}
