// Builds the HTTP application: one Fastify instance, one plugin per wire protocol (src/api/<p>/plugin.ts).
import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import cbrPlugin from './api/cbr/plugin.js';
import cinderPlugin from './api/cinder/plugin.js';
import {
  type ErrorRenderer,
  clientErrorAnswer,
  drainOversizedBody,
  renderErrorFor,
} from './api/error-routing.js';
import hssPlugin from './api/hss/plugin.js';
import iamPlugin from './api/iam/plugin.js';
import { openapiRouteSchema } from './api/openapi-schema.js';
import opencbrPlugin from './api/opencbr/plugin.js';
import opsPlugin from './api/ops/plugin.js';
import { observeRequests, requestIdOf } from './api/ops/requests.js';
import type { AppContext } from './context.js';
import { AppError } from './domain/errors.js';
import { checkRequestText, jsonTextNeedsCheck } from './domain/text-rules.js';

export type App = FastifyInstance;
export type { ErrorRenderer };

export type ProtocolPlugin = (app: FastifyInstance, opts: { ctx: AppContext }) => Promise<void>;

/**
 * Every protocol, in registration order. Each plugin sets its own error handler (its error body).
 * CBR, Cinder and HSS add one line each.
 */
const PROTOCOLS: Array<{ name: string; plugin: ProtocolPlugin }> = [
  { name: 'iam', plugin: iamPlugin },
  { name: 'opencbr', plugin: opencbrPlugin },
  { name: 'cbr', plugin: cbrPlugin },
  { name: 'cinder', plugin: cinderPlugin },
  { name: 'hss', plugin: hssPlugin },
  { name: 'ops', plugin: opsPlugin },
];

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * Methods served on the request's path other than its own: non-empty means the path exists and the method
 * is wrong (405 with `Allow`), empty means the path itself is unknown (404). Protocols' not-found handlers use it.
 */
export function otherMethodsOf(app: FastifyInstance, request: FastifyRequest): string[] {
  const q = request.url.indexOf('?');
  const url = q === -1 ? request.url : request.url.slice(0, q);
  return METHODS.filter((m) => m !== request.method && app.findRoute({ method: m, url }) !== null);
}

/** A URL as error messages quote it: an over-long one is cut (the answer stays small). */
export function shortUrl(url: string): string {
  return url.length > 200 ? `${url.slice(0, 200)}…` : url;
}

/** The AppError for a request no route answers: 405 on a known path with another method, else 404. */
export function unroutedError(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): AppError {
  const allow = otherMethodsOf(app, request);
  if (allow.length > 0) {
    reply.header('allow', allow.join(', '));
    return new AppError(
      'method_not_allowed',
      `The method ${request.method} is not allowed for ${shortUrl(request.url)}; allowed: ${allow.join(', ')}.`,
    );
  }
  return new AppError(
    'route_not_found',
    `The requested URL ${request.method} ${shortUrl(request.url)} was not found.`,
  );
}

export interface BuildAppOptions {
  /** Fastify logger options (default: off). */
  logger?: boolean | object;
  /** A pino logger to use instead (`serve` passes the context's). */
  loggerInstance?: import('pino').Logger;
  /**
   * The error format of errors Fastify raises before any route is found (bad percent-encoding, a path
   * segment over the router's limit), by URL. Default: the protocol table of the main listener.
   */
  renderError?: (url: string) => ErrorRenderer;
}

/**
 * A Fastify instance with opencbr's request handling (body limit, JSON parsing that keeps the raw bytes for
 * AK/SK, validators, `request.auth`) but no routes. buildApp uses it; so can a protocol's own listener.
 */
export function createFastify(ctx: AppContext, opts: BuildAppOptions = {}): FastifyInstance {
  const renderError = opts.renderError ?? renderErrorFor;
  const app = Fastify({
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: opts.logger ?? false }),
    bodyLimit: ctx.config.bodyLimit,
    // One line per request, written when it is answered (observeRequests), with the id it is answered with.
    genReqId: requestIdOf,
    logController: new LogController({ disableRequestLogging: true }),
    // Query arrays (`status=a&status=b`) and ids are parsed by the route schemas.
    // A longer path segment is a 414 in the protocol's error body (frameworkErrors).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    // Refused by Node's HTTP parser (header overflow, bad framing): no request, so no handler sees them.
    clientErrorHandler: (err, socket) => {
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) socket.write(clientErrorAnswer(err, renderError));
      socket.destroy(err);
    },
    // Raised before routing, so no plugin's error handler sees them: answered in the URL's protocol body.
    frameworkErrors: (error, request, reply) => {
      const { status, body } = renderError(request.url)(error);
      void (reply as unknown as FastifyReply).code(status).type('application/json').send(body);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // An oversized body is answered once the client has finished sending it (bounded), so it reads the 413.
  app.addHook('onError', async (request, _reply, error) => {
    if ((error as { code?: string }).code !== 'FST_ERR_CTP_BODY_TOO_LARGE') return;
    await drainOversizedBody(request.raw, ctx.config.bodyLimit);
  });

  app.decorateRequest('auth', null);
  observeRequests(app as unknown as FastifyInstance, ctx);

  // Query strings, params and headers arrive as strings, so they are coerced to the schema's types
  // (`limit=10` → 10, a single `status=x` → ['x']); JSON bodies are not: `"name": 5` is a 400, not "5".
  const ajvFor = (coerce: boolean) => {
    const opts: AjvOptions = {
      coerceTypes: coerce ? 'array' : false,
      useDefaults: true,
      removeAdditional: false,
      allErrors: false,
      strict: false,
      addUsedSchema: false,
    };
    const ajv = new Ajv(opts);
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    return ajv;
  };
  const bodyAjv = ajvFor(false);
  const paramAjv = ajvFor(true);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : paramAjv).compile(schema as object),
  );

  // JSON bodies: keep the raw bytes (AK/SK payload hash) and parse with Fastify's safe parser.
  // An empty body is no body (SDKs send Content-Type on DELETE without one). Bytes that are not UTF-8
  // and strings no text may hold (text-rules.ts) are refused here, before any route stores them.
  const parseJson = app.getDefaultJsonParser('error', 'remove');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    (request as FastifyRequest).rawBody = raw;
    if (raw.length === 0) {
      done(null, undefined);
      return;
    }
    let text: string;
    try {
      text = utf8.decode(raw);
    } catch {
      done(new AppError('bad_json', 'The request body is not valid UTF-8.', { field: 'body' }), undefined);
      return;
    }
    parseJson(request, text, (err, parsed) => {
      if (err) {
        done(err, undefined);
        return;
      }
      try {
        if (jsonTextNeedsCheck(text)) checkRequestText(parsed, '');
      } catch (refused) {
        done(refused as Error, undefined);
        return;
      }
      done(null, parsed);
    });
  });
  // Query strings are text a route may store or echo: the same rule as bodies.
  app.addHook('preValidation', async (request) => {
    checkRequestText(request.query, 'query');
  });
  // Fastify's other built-in parser, kept as it was (the body as a string) but with its bytes kept too: every
  // body a route can receive is one a signature covers.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/plain', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    (request as FastifyRequest).rawBody = raw;
    done(null, raw.toString('utf8'));
  });
  // Plugins pick their own type provider (`app.withTypeProvider<TypeBoxTypeProvider>()`).
  return app as unknown as FastifyInstance;
}

export async function buildApp(ctx: AppContext, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = createFastify(ctx, opts);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'opencbr',
        version: '0.1.0',
        description:
          'Self-hosted Cloud Backup and Recovery: CBR v3, Cinder v3 backups, HSS v5 and Keystone-compatible APIs.',
      },
      components: {
        securitySchemes: {
          token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
          aksk: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'SDK-HMAC-SHA256' },
        },
      },
    },
    transform: ({ schema, url }) => ({
      schema: openapiRouteSchema(schema as Record<string, unknown> | undefined, url) as typeof schema,
      url,
    }),
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const p of PROTOCOLS) await app.register(p.plugin, { ctx });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = renderErrorFor(request.url)(unroutedError(app, request, reply));
    reply.code(status).send(body);
  });

  // Fallback for routes outside any protocol plugin (e.g. /openapi.json).
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = renderErrorFor(request.url)(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    reply.code(status).send(body);
  });

  return app;
}
