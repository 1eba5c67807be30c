// The Cinder API on a listener of its own, mounted at the root as a real Cinder endpoint
// (OPENCBR_CINDER_LISTEN, e.g. 127.0.0.1:8776): same request handling as the main app.
import type { FastifyInstance } from 'fastify';
import { type BuildAppOptions, createFastify } from '../../app.js';
import type { ListenAddress } from '../../config.js';
import type { AppContext } from '../../context.js';
import { renderFault } from './faults.js';
import { cinderApi } from './plugin.js';

export async function buildCinderApp(ctx: AppContext, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  // Every URL of this listener is Cinder's, errors raised before routing included.
  const app = createFastify(ctx, { renderError: () => renderFault, ...opts });
  await app.register(cinderApi, { ctx, root: '' });
  return app;
}

/** Starts the root-mounted Cinder listener; returns it and its base URL. */
export async function startCinderListener(
  ctx: AppContext,
  listen: ListenAddress,
  opts: BuildAppOptions = {},
): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildCinderApp(ctx, opts);
  const url = await app.listen({ host: listen.host, port: listen.port });
  return { app, url };
}
