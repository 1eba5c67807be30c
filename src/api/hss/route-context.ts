// What the HSS route modules share: the typed instance, context, HSS records, auth and lookups.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Vault } from '../../domain/cbr-model.js';
import type { AppError } from '../../domain/errors.js';
import type { HssRecords } from '../../services/hss-records.js';
import type { requireProjectAuth } from '../auth.js';
import type { ProtocolDeps } from '../cinder/deps.js';

export interface HssRoutes {
  // biome-ignore lint/suspicious/noExplicitAny: the server/logger generics of the host instance do not matter here
  typed: FastifyInstance<any, any, any, any, TypeBoxTypeProvider>;
  ctx: AppContext;
  hss: HssRecords;
  preHandler: ReturnType<typeof requireProjectAuth>;
  /** The caller's project (set by the auth preHandler). */
  pid: (request: FastifyRequest) => string;
  notFound: (what: string, id: string) => AppError;
  /** A server vault of the project, or HSS.0011 / HSS.0001. */
  serverVault: (deps: ProtocolDeps, projectId: string, vaultId: string, field: string) => Promise<Vault>;
}
