// What the HSS route modules share: the typed instance, the services, auth and the caller's project.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProtocolDeps } from '../../services/protocol-deps.js';
import type { requireProjectAuth } from '../auth.js';

export interface HssRoutes {
  // biome-ignore lint/suspicious/noExplicitAny: the server/logger generics of the host instance do not matter here
  typed: FastifyInstance<any, any, any, any, TypeBoxTypeProvider>;
  deps: () => ProtocolDeps;
  /** Options of an HSS route: the project's auth guard, the `hss` tag, its summary and schemas. */
  route: <S extends object>(
    summary: string,
    schema: S,
  ) => { preHandler: ReturnType<typeof requireProjectAuth>; schema: { tags: string[]; summary: string } & S };
  /** The caller's project (set by the auth preHandler). */
  pid: (request: FastifyRequest) => string;
}
