// Tenancy guard for every `{project_id}` route: X-Auth-Token (Keystone token) or an AK/SK signature.
// Throws AppError (401 unauthenticated, 403 another project); the route's protocol renders it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { AppError } from '../domain/errors.js';
import type { SignableRequest } from '../domain/identity-signing.js';
import type { AuthInfo } from '../domain/identity.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by requireProjectAuth. */
    auth: AuthInfo | null;
    /** The raw body bytes, kept by the body parsers of src/app.ts for AK/SK payload hashing. */
    rawBody?: Buffer;
  }
}

export type { AuthInfo };

function headerOf(request: FastifyRequest): (name: string) => string | undefined {
  return (name) => {
    const v = request.headers[name.toLowerCase()];
    if (v === undefined) return undefined;
    return Array.isArray(v) ? v.join(',') : String(v);
  };
}

/**
 * The body bytes the signature must cover. A body that was parsed without its bytes kept cannot be checked
 * against the signature, so it is refused rather than hashed as empty (which would let it through unsigned).
 */
function receivedBody(request: FastifyRequest): Buffer {
  if (request.rawBody) return request.rawBody;
  if (request.body === undefined || request.body === null) return Buffer.alloc(0);
  throw new AppError('unauthenticated', 'The body of this request cannot be verified against its signature.');
}

/** The request as the AK/SK signer saw it. */
export function signableRequest(request: FastifyRequest): SignableRequest {
  const url = request.raw.url ?? request.url;
  const q = url.indexOf('?');
  return {
    method: request.method,
    rawPath: q < 0 ? url : url.slice(0, q),
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    header: headerOf(request),
    body: receivedBody(request),
  };
}

/** Authenticates the request for `projectId`, whichever method it uses. */
export async function authenticateForProject(
  ctx: AppContext,
  request: FastifyRequest,
  projectId: string,
): Promise<AuthInfo> {
  const token = request.headers['x-auth-token'];
  if (typeof token === 'string' && token.length > 0) {
    return ctx.identity.authorizeToken(token, projectId);
  }
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.length > 0) {
    return ctx.identity.authorizeSignedRequest(signableRequest(request), authorization, projectId);
  }
  throw new AppError('unauthenticated', 'Authentication required: send X-Auth-Token or an AK/SK signature.');
}

export interface ProjectAuthOptions {
  /** Route parameter naming the project (default `project_id`). */
  param?: string;
}

/**
 * Hook for tenant routes; sets `request.auth`. Best as `preValidation` (body parsed, raw bytes kept for AK/SK,
 * but before schema validation, so an unauthenticated request is a 401 even when its input is also bad):
 * `{ preValidation: requireProjectAuth(ctx) }` on a route or `app.addHook('preValidation', …)` in a plugin.
 * It works as a `preHandler` too.
 */
export function requireProjectAuth(ctx: AppContext, opts: ProjectAuthOptions = {}) {
  const param = opts.param ?? 'project_id';
  // Callback style: a token already validated (the common case) is checked synchronously, without the
  // promise round trips of an async hook on every request.
  return function projectAuth(
    request: FastifyRequest,
    _reply: FastifyReply,
    done: (err?: Error) => void,
  ): void {
    const projectId = (request.params as Record<string, string | undefined> | undefined)?.[param];
    if (!projectId) {
      done(new AppError('route_not_found'));
      return;
    }
    const token = request.headers['x-auth-token'];
    if (typeof token === 'string' && token.length > 0) {
      let hit: AuthInfo | undefined;
      try {
        hit = ctx.identity.authorizeCachedToken(token, projectId);
      } catch (err) {
        done(err as Error);
        return;
      }
      if (hit) {
        request.auth = hit;
        done();
        return;
      }
    }
    authenticateForProject(ctx, request, projectId).then(
      (auth) => {
        request.auth = auth;
        done();
      },
      (err: Error) => done(err),
    );
  };
}
