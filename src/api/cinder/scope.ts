// What every Cinder route handler works with: the caller, the negotiated microversion, link roots.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { AppError } from '../../domain/errors.js';
import type { AuthInfo } from '../../domain/identity.js';
import type { CinderCaller } from '../../services/cinder-backups.js';
import type { Microversion } from './microversion.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Negotiated Cinder microversion (set for every /v3 request of the Cinder plugin). */
    cinderVersion?: Microversion;
  }
}

export interface CinderRequestScope {
  ctx: AppContext;
  auth: AuthInfo;
  projectId: string;
  version: Microversion;
  /** e.g. http://127.0.0.1:8080/volume */
  root: string;
  isAdmin: boolean;
}

export function scopeOf(request: FastifyRequest, ctx: AppContext, root: string): CinderRequestScope {
  const auth = request.auth;
  if (!auth) throw new AppError('unauthenticated');
  return {
    ctx,
    auth,
    projectId: auth.projectId,
    version: request.cinderVersion ?? { major: 3, minor: 0 },
    root: `${request.protocol}://${request.host}${root}`,
    isAdmin: auth.roles.includes('admin'),
  };
}

/** The caller as the Cinder use cases need it. */
export function callerOf(scope: CinderRequestScope): CinderCaller {
  return { projectId: scope.projectId, userId: scope.auth.userId, isAdmin: scope.isAdmin };
}

export interface RouteRegistration {
  // biome-ignore lint/suspicious/noExplicitAny: the server/logger generics of the host instance do not matter here
  app: FastifyInstance<any, any, any, any, TypeBoxTypeProvider>;
  ctx: AppContext;
  root: string;
  preHandler: (request: FastifyRequest) => Promise<void>;
}

/** Both URL forms: with {project_id} and without it (3.67). */
export function bothPaths(path: string): string[] {
  return [`/v3/:project_id${path}`, `/v3${path}`];
}
