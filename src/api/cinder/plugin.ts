// The Cinder-compatible API (OpenStack Block Storage v3: backups, and the read side of volumes).
// Served under /volume on the main listener (Cinder's /v3/{project_id}/backups clashes with CBR's
// paths at the root) and, when OPENCBR_CINDER_LISTEN is set, at the root of a listener of its own.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { unroutedError } from '../../app.js';
import type { AppContext } from '../../context.js';
import { AppError } from '../../domain/errors.js';
import type { AuthInfo } from '../../domain/identity.js';
import { authenticateForProject } from '../auth.js';
import { registerBackupRoutes } from './backups-routes.js';
import { renderFault, requestId } from './faults.js';
import { MicroversionError, formatMicroversion, negotiate } from './microversion.js';
import { VersionsDoc } from './schemas.js';
import { v3Entry, versionsDocument } from './versions.js';
import { registerVolumeRoutes } from './volumes-routes.js';

export interface CinderApiOptions {
  ctx: AppContext;
  /** URL prefix the API is mounted at ('/volume' on the main listener, '' on its own). */
  root: string;
}

/** Authenticates a request whose URL has no {project_id} (allowed since 3.67): the token names the project. */
async function authenticateProjectless(ctx: AppContext, request: FastifyRequest): Promise<AuthInfo> {
  const token = request.headers['x-auth-token'];
  if (typeof token === 'string' && token.length > 0) {
    const info = await ctx.identity.validateToken(token);
    if (!info) throw new AppError('unauthenticated', 'The token is invalid, expired or revoked.');
    if (!info.project) throw new AppError('forbidden', 'The token is not scoped to a project.');
    return ctx.identity.authorizeToken(token, info.project.id);
  }
  const projectHeader = request.headers['x-project-id'];
  if (typeof projectHeader === 'string' && projectHeader.trim() !== '') {
    return authenticateForProject(ctx, request, projectHeader.trim());
  }
  throw new AppError('unauthenticated', 'Authentication required: send X-Auth-Token or an AK/SK signature.');
}

/** The Cinder routes, relative to `opts.root`'s mount point. */
export async function cinderApi(app: FastifyInstance, opts: CinderApiOptions): Promise<void> {
  const { ctx } = opts;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-compute-request-id', requestId());
    reply.header('x-openstack-request-id', reply.getHeader('x-compute-request-id') as string);
    // Only the /v3 API is microversioned; the unversioned root document is not.
    const path = (request.raw.url ?? request.url).split('?')[0]!;
    if (!/(^|\/)v3(\/|$)/.test(path.slice(opts.root.length))) return;
    reply.header('vary', 'OpenStack-API-Version');
    const v = negotiate(request.headers);
    request.cinderVersion = v;
    reply.header('openstack-api-version', `volume ${formatMicroversion(v)}`);
  });

  app.setErrorHandler((error, request, reply: FastifyReply) => {
    if (error instanceof MicroversionError) {
      const status = error.status;
      const name = status === 406 ? 'computeFault' : 'badRequest';
      reply.code(status).send({ [name]: { code: status, message: error.message } });
      return;
    }
    const fault = renderFault(error);
    if (fault.status >= 500) request.log.error({ err: error }, 'cinder request failed');
    reply.code(fault.status).send(fault.body);
  });

  app.setNotFoundHandler((request, reply) => {
    // 404 itemNotFound for an unknown path, 405 badMethod (+ Allow) for a known one with another method.
    const fault = renderFault(unroutedError(app, request, reply));
    reply.code(fault.status).send(fault.body);
  });

  const projectAuth = async (request: FastifyRequest): Promise<void> => {
    const pid = (request.params as { project_id?: string } | undefined)?.project_id;
    request.auth = pid
      ? await authenticateForProject(ctx, request, pid)
      : await authenticateProjectless(ctx, request);
  };

  typed.get(
    '/',
    { schema: { tags: ['cinder'], summary: 'Cinder API versions', response: { 300: VersionsDoc } } },
    async (request, reply) => {
      reply.code(300);
      return versionsDocument(`${request.protocol}://${request.host}${opts.root}`);
    },
  );
  typed.get(
    '/v3',
    { schema: { tags: ['cinder'], summary: 'Cinder v3 version document', response: { 200: VersionsDoc } } },
    async (request) => ({ versions: [v3Entry(`${request.protocol}://${request.host}${opts.root}`)] }),
  );

  const register = { app: typed, ctx, root: opts.root, preHandler: projectAuth };
  registerBackupRoutes(register);
  registerVolumeRoutes(register);
}

/** Protocol plugin registered by buildApp: the Cinder API under /volume. */
export default async function cinderPlugin(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  await app.register(cinderApi, { ctx: opts.ctx, root: '/volume', prefix: '/volume' });
}
