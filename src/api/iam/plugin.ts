// Keystone-compatible identity API: /identity/v3/... (auth URL) and the token calls at the root /v3/auth/...
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { AppError, reasonPhrase, toAppError } from '../../domain/errors.js';
import type { TokenInfo, User } from '../../domain/identity-service.js';
import { ADMIN_ROLE } from '../../domain/identity.js';
import { signableRequest } from '../auth.js';
import { AuthRequest, KeystoneError, ProjectsQuery, TokenQuery, TokenResponse } from './schemas.js';
import { baseUrl, catalogView, projectView, tokenView, versionView } from './views.js';

export function keystoneErrorBody(err: AppError) {
  return { error: { code: err.status, message: err.message, title: reasonPhrase(err.status) } };
}

function sendKeystoneError(reply: FastifyReply, error: unknown) {
  const err = toAppError(error);
  if (err.status >= 500) reply.log.error({ err: error }, 'identity request failed');
  return reply.code(err.status).type('application/json').send(keystoneErrorBody(err));
}

// Keystone reads `nocatalog` by presence alone, whatever its value.
const present = (v: string | undefined) => v !== undefined;

// Keystone parses `allow_expired` with oslo's lenient bool_from_string: only these spellings turn it on, so
// `false`, `0`, an empty value or anything unknown keep an expired token invisible.
const KEYSTONE_TRUE = new Set(['1', 't', 'true', 'on', 'y', 'yes']);
const keystoneBool = (v: string | undefined) => v !== undefined && KEYSTONE_TRUE.has(v.trim().toLowerCase());

export default async function iamPlugin(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  app.setErrorHandler((error, _request, reply) => sendKeystoneError(reply, error));

  const versionDoc = async (request: FastifyRequest) => ({ version: versionView(baseUrl(request)) });
  app.get(
    '/identity/v3',
    { schema: { tags: ['identity'], summary: 'Identity v3 version document' } },
    versionDoc,
  );
  app.get(
    '/identity',
    { schema: { tags: ['identity'], summary: 'Identity versions' } },
    async (request, reply) => reply.code(300).send({ versions: { values: [versionView(baseUrl(request))] } }),
  );

  /** The caller's own token (X-Auth-Token), 401 if missing or invalid. */
  async function caller(request: FastifyRequest): Promise<TokenInfo> {
    const token = request.headers['x-auth-token'];
    if (typeof token !== 'string' || token.length === 0) {
      throw new AppError('unauthenticated', 'The request you have made requires authentication.');
    }
    const info = await ctx.identity.validateToken(token);
    if (!info) throw new AppError('unauthenticated', 'The request you have made requires authentication.');
    return info;
  }

  /** The X-Subject-Token, checked against policy: the subject's own user, or an admin. */
  /** The caller (token or AK/SK) and the projects it may see: an AK/SK bound to a project sees only that one. */
  async function visibleProjects(request: FastifyRequest) {
    let userId: string;
    let bound: string | null = null;
    const authorization = request.headers.authorization;
    if (typeof request.headers['x-auth-token'] !== 'string' && typeof authorization === 'string') {
      const v = await ctx.identity.verifySignedRequest(signableRequest(request), authorization);
      userId = v.user.id;
      bound = v.boundProjectId;
    } else {
      userId = (await caller(request)).user.id;
    }
    const projects = (await ctx.identity.projectsOfUser(userId)).filter(
      (p) => bound === null || p.id === bound,
    );
    return { userId, projects };
  }

  async function subject(request: FastifyRequest, allowExpired: boolean) {
    const who = await caller(request);
    const token = request.headers['x-subject-token'];
    if (typeof token !== 'string' || token.length === 0) {
      throw new AppError('validation', 'X-Subject-Token header is required.', { field: 'X-Subject-Token' });
    }
    const info = await ctx.identity.validateToken(token, { allowExpired });
    if (!info) throw new AppError('token_not_found', `Could not find token: ${token.slice(0, 12)}….`);
    const isAdmin = who.roles.some((r) => r.name === ADMIN_ROLE);
    if (info.user.id !== who.user.id && !isAdmin) {
      throw new AppError('forbidden', 'You are not authorized to perform the requested action.');
    }
    return { token, info };
  }

  for (const base of ['/identity/v3', '/v3']) {
    app.post<{ Body: AuthRequest; Querystring: TokenQuery }>(
      `${base}/auth/tokens`,
      {
        schema: {
          tags: ['identity'],
          summary: 'Issue a token (password or token method)',
          body: AuthRequest,
          querystring: TokenQuery,
          response: { 201: TokenResponse, 400: KeystoneError, 401: KeystoneError },
        },
      },
      async (request, reply) => {
        const { identity, scope } = request.body.auth;
        let user: User;
        let methods: string[];
        if (identity.methods.includes('password')) {
          const pu = identity.password?.user;
          if (!pu)
            throw new AppError('validation', 'auth.identity.password.user is required.', {
              field: 'auth.identity.password.user',
            });
          if (pu.id === undefined && pu.name === undefined) {
            throw new AppError('validation', 'auth.identity.password.user needs id or name.', {
              field: 'auth.identity.password.user',
            });
          }
          if (pu.id === undefined && pu.domain === undefined) {
            throw new AppError(
              'validation',
              'auth.identity.password.user.domain is required with a user name.',
              {
                field: 'auth.identity.password.user.domain',
              },
            );
          }
          user = await ctx.identity.authenticatePassword(
            { id: pu.id, name: pu.name, domain: pu.domain },
            pu.password,
          );
          methods = ['password'];
        } else if (identity.methods.includes('token')) {
          const t = identity.token?.id;
          if (!t)
            throw new AppError('validation', 'auth.identity.token.id is required.', {
              field: 'auth.identity.token.id',
            });
          const info = await ctx.identity.validateToken(t);
          if (!info) throw new AppError('unauthenticated', 'The token is invalid, expired or revoked.');
          user = info.user;
          methods = [...new Set(['token', ...info.methods])];
        } else {
          throw new AppError(
            'unauthenticated',
            `Unsupported authentication methods: ${identity.methods.join(', ')}.`,
          );
        }

        let project: { id?: string; name?: string; domain?: { id?: string; name?: string } } | undefined;
        if (scope === undefined) {
          // Keystone scopes an unscoped request to the user's default project when there is one.
          if (
            user.defaultProjectId &&
            (await ctx.identity.rolesOf(user.id, user.defaultProjectId)).length > 0
          ) {
            project = { id: user.defaultProjectId };
          }
        } else if (scope !== 'unscoped' && 'project' in scope) {
          const p = scope.project;
          if (p.id === undefined && p.name === undefined) {
            throw new AppError('validation', 'auth.scope.project needs id or name.', {
              field: 'auth.scope.project',
            });
          }
          if (p.id === undefined && p.domain === undefined) {
            throw new AppError('validation', 'auth.scope.project.domain is required with a project name.', {
              field: 'auth.scope.project.domain',
            });
          }
          project = p.id !== undefined ? { id: p.id } : { name: p.name, domain: p.domain };
        } else if (scope !== 'unscoped') {
          throw new AppError('unauthenticated', 'Only project-scoped and unscoped tokens are supported.');
        }
        const { token, info } = await ctx.identity.issueToken(user, project ? { project } : null, methods);
        reply.header('X-Subject-Token', token);
        return reply.code(201).send({
          token: tokenView(info, {
            base: baseUrl(request),
            region: ctx.config.region,
            catalog: !present(request.query.nocatalog),
          }),
        });
      },
    );

    app.get<{ Querystring: TokenQuery }>(
      `${base}/auth/tokens`,
      {
        schema: {
          tags: ['identity'],
          summary: 'Validate a token and show it (HEAD: check only)',
          querystring: TokenQuery,
          response: { 200: TokenResponse, 401: KeystoneError, 403: KeystoneError, 404: KeystoneError },
        },
      },
      async (request, reply) => {
        const { token, info } = await subject(request, keystoneBool(request.query.allow_expired));
        reply.header('X-Subject-Token', token);
        return {
          token: tokenView(info, {
            base: baseUrl(request),
            region: ctx.config.region,
            catalog: !present(request.query.nocatalog),
          }),
        };
      },
    );

    app.delete(
      `${base}/auth/tokens`,
      { schema: { tags: ['identity'], summary: 'Revoke a token' } },
      async (request, reply) => {
        const { token } = await subject(request, false);
        await ctx.identity.revokeToken(token);
        return reply.code(204).send();
      },
    );

    app.get(
      `${base}/auth/projects`,
      { schema: { tags: ['identity'], summary: 'Projects the token can be scoped to' } },
      async (request) => {
        const who = await caller(request);
        const b = baseUrl(request);
        const projects = await ctx.identity.projectsOfUser(who.user.id);
        return {
          projects: projects.filter((p) => p.enabled).map((p) => projectView(p, b)),
          links: { self: `${b}${base}/auth/projects`, previous: null, next: null },
        };
      },
    );

    app.get<{ Querystring: ProjectsQuery }>(
      `${base}/projects`,
      {
        schema: {
          tags: ['identity'],
          summary:
            'Projects visible to the caller (token or AK/SK); Huawei SDKs look their project id up here by name',
          querystring: ProjectsQuery,
        },
      },
      async (request) => {
        const q = request.query;
        const b = baseUrl(request);
        const projects = (await visibleProjects(request)).projects.filter(
          (p) =>
            (q.name === undefined || p.name === q.name) &&
            (q.domain_id === undefined || p.domainId === q.domain_id) &&
            (q.enabled === undefined || p.enabled === q.enabled),
        );
        return {
          projects: projects.map((p) => projectView(p, b)),
          links: { self: `${b}${base}/projects`, previous: null, next: null },
        };
      },
    );

    app.get<{ Params: { project_id: string } }>(
      `${base}/projects/:project_id`,
      { schema: { tags: ['identity'], summary: 'A project visible to the caller (token or AK/SK)' } },
      async (request) => {
        const { projects } = await visibleProjects(request);
        const p = projects.find((x) => x.id === request.params.project_id);
        if (!p) {
          throw new AppError('project_not_found', `Could not find project: ${request.params.project_id}.`);
        }
        return { project: projectView(p, baseUrl(request)) };
      },
    );

    app.get<{ Params: { user_id: string } }>(
      `${base}/users/:user_id/projects`,
      { schema: { tags: ['identity'], summary: "The caller's own projects (a user lists only their own)" } },
      async (request) => {
        const { userId, projects } = await visibleProjects(request);
        if (request.params.user_id !== userId) {
          throw new AppError('forbidden', 'You are not authorized to list the projects of another user.');
        }
        const b = baseUrl(request);
        return {
          projects: projects.map((p) => projectView(p, b)),
          links: { self: `${b}${base}/users/${userId}/projects`, previous: null, next: null },
        };
      },
    );

    app.get(
      `${base}/auth/catalog`,
      { schema: { tags: ['identity'], summary: 'The service catalog of the token' } },
      async (request) => {
        const who = await caller(request);
        const b = baseUrl(request);
        if (!who.project) throw new AppError('forbidden', 'The token is not scoped to a project.');
        return {
          catalog: catalogView(b, who.project.id, ctx.config.region),
          links: { self: `${b}${base}/auth/catalog`, previous: null, next: null },
        };
      },
    );
  }
}
