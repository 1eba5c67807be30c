import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, type J, type Platform, passwordAuth, startPlatform, tempDir } from './helpers.js';

const KEYSTONE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** A call on the X-Subject-Token, made with the caller's X-Auth-Token. */
const subjectCall = (
  p: Platform,
  method: 'GET' | 'HEAD' | 'DELETE',
  caller: string,
  subject: string,
  url = '/v3/auth/tokens',
) => p.app.inject({ method, url, headers: { 'x-auth-token': caller, 'x-subject-token': subject } });

describe('Keystone tokens', () => {
  let p: Platform;
  before(async () => {
    p = await startPlatform();
  });
  after(async () => p.close());

  const issue = (body: unknown, url = '/v3/auth/tokens') =>
    p.app.inject({ method: 'POST', url, payload: body as object, headers: { host: 'cloud.example:8080' } });

  test('password + project scope by name: 201, X-Subject-Token, Keystone body and catalog from Host', async () => {
    const r = await issue(
      passwordAuth({ name: 'admin', domain: { name: 'Default' } }, ADMIN_PASSWORD, {
        project: { name: 'admin', domain: { name: 'Default' } },
      }),
    );
    assert.equal(r.statusCode, 201, r.body);
    const token = r.headers['x-subject-token'];
    assert.ok(typeof token === 'string' && token.length >= 40);
    const t = (r.json() as J).token;
    assert.deepEqual(t.methods, ['password']);
    assert.equal(t.user.name, 'admin');
    assert.equal(t.user.domain.name, 'Default');
    assert.match(t.user.id, /^[0-9a-f]{32}$/);
    assert.equal(t.user.password_expires_at, null);
    assert.equal(t.project.name, 'admin');
    assert.match(t.project.id, /^[0-9a-f]{32}$/);
    assert.equal(t.project.domain.name, 'Default');
    assert.deepEqual(
      t.roles.map((x: J) => x.name),
      ['admin'],
    );
    assert.match(t.expires_at, KEYSTONE_TIME);
    assert.match(t.issued_at, KEYSTONE_TIME);
    const ttl = Date.parse(t.expires_at) - Date.parse(t.issued_at);
    assert.equal(ttl, 24 * 3600 * 1000);
    assert.equal(t.audit_ids.length, 1);
    assert.match(t.audit_ids[0], /^[A-Za-z0-9_-]{22}$/);
    const byType = new Map(t.catalog.map((s: J) => [s.type, s]));
    for (const type of ['identity', 'cbr', 'block-storage', 'volumev3', 'hss'])
      assert.ok(byType.has(type), type);
    const cbr = byType.get('cbr') as J;
    assert.deepEqual(cbr.endpoints.map((e: J) => e.interface).sort(), ['admin', 'internal', 'public']);
    assert.equal(cbr.endpoints[0].url, `http://cloud.example:8080/v3/${t.project.id}`);
    assert.equal(cbr.endpoints[0].region_id, 'RegionOne');
    assert.equal(
      (byType.get('volumev3') as J).endpoints[0].url,
      `http://cloud.example:8080/volume/v3/${t.project.id}`,
    );
    assert.equal((byType.get('hss') as J).endpoints[0].url, `http://cloud.example:8080/v5/${t.project.id}`);
    assert.equal((byType.get('identity') as J).endpoints[0].url, 'http://cloud.example:8080/identity/v3');
  });

  test('scope by project id, user by id, under /identity/v3; ?nocatalog omits the catalog', async () => {
    const admin = await p.ctx.identity.getUser({ name: 'admin' });
    const project = await p.ctx.identity.getProject({ name: 'admin' });
    const r = await issue(
      passwordAuth({ id: admin.id }, ADMIN_PASSWORD, { project: { id: project.id } }),
      '/identity/v3/auth/tokens?nocatalog=1',
    );
    assert.equal(r.statusCode, 201, r.body);
    const t = (r.json() as J).token;
    assert.equal(t.project.id, project.id);
    assert.equal(t.catalog, undefined);
  });

  test('unscoped token when the scope is "unscoped"; default project scope when omitted', async () => {
    let r = await issue({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { name: 'Default' }, password: ADMIN_PASSWORD } },
        },
        scope: 'unscoped',
      },
    });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal((r.json() as J).token.project, undefined);
    assert.equal((r.json() as J).token.catalog, undefined);
    r = await issue(passwordAuth({ name: 'admin', domain: { name: 'Default' } }, ADMIN_PASSWORD));
    assert.equal(r.statusCode, 201);
    assert.equal((r.json() as J).token.project.name, 'admin');
  });

  test('bad password, unknown user, unknown project, project without a role: 401 in the Keystone body', async () => {
    const other = await p.ctx.identity.createProject({ name: 'no-role-here' });
    const cases = [
      passwordAuth({ name: 'admin', domain: { name: 'Default' } }, 'wrong-password'),
      passwordAuth({ name: 'nobody', domain: { name: 'Default' } }, ADMIN_PASSWORD),
      passwordAuth({ name: 'admin', domain: { name: 'Nope' } }, ADMIN_PASSWORD),
      passwordAuth({ name: 'admin', domain: { name: 'Default' } }, ADMIN_PASSWORD, {
        project: { id: 'f'.repeat(32) },
      }),
      passwordAuth({ name: 'admin', domain: { name: 'Default' } }, ADMIN_PASSWORD, {
        project: { id: other.id },
      }),
    ];
    for (const body of cases) {
      const r = await issue(body);
      assert.equal(r.statusCode, 401, `${JSON.stringify(body)} → ${r.body}`);
      const e = (r.json() as J).error;
      assert.equal(e.code, 401);
      assert.equal(e.title, 'Unauthorized');
      assert.equal(typeof e.message, 'string');
      assert.equal(r.headers['x-subject-token'], undefined);
    }
  });

  test('malformed requests: 400 naming the field, in the Keystone body', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'auth'],
      [{ auth: { identity: { methods: 'password' } } }, 'auth.identity.methods'],
      [
        { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 5 } } } } },
        'password',
      ],
      [
        {
          auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'x' } } } },
        },
        'domain',
      ],
    ];
    for (const [body, field] of cases) {
      const r = await issue(body);
      assert.equal(r.statusCode, 400, `${JSON.stringify(body)} → ${r.body}`);
      const e = (r.json() as J).error;
      assert.equal(e.code, 400);
      assert.equal(e.title, 'Bad Request');
      assert.ok(e.message.includes(field), `${e.message} should name ${field}`);
    }
    const bad = await p.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      headers: { 'content-type': 'application/json' },
      payload: '{"auth": {',
    });
    assert.equal(bad.statusCode, 400);
    assert.equal((bad.json() as J).error.code, 400);
  });

  test('validate (GET), check (HEAD), revoke (DELETE) with X-Auth-Token + X-Subject-Token', async () => {
    const a = await issue(passwordAuth({ name: 'admin', domain: { name: 'Default' } }, ADMIN_PASSWORD));
    const b = await issue(passwordAuth({ name: 'admin', domain: { name: 'Default' } }, ADMIN_PASSWORD));
    const ta = String(a.headers['x-subject-token']);
    const tb = String(b.headers['x-subject-token']);
    let r = await subjectCall(p, 'GET', ta, tb, '/identity/v3/auth/tokens');
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.headers['x-subject-token'], tb);
    assert.equal((r.json() as J).token.audit_ids[0], (b.json() as J).token.audit_ids[0]);
    r = await subjectCall(p, 'HEAD', ta, tb);
    assert.equal(r.statusCode, 200);
    assert.equal(r.body, '');
    // In use on a tenant route (its validation is cached from here on).
    const backupUrl = `/v3/${(b.json() as J).token.project.id}/backups/none`;
    r = await p.app.inject({ method: 'GET', url: backupUrl, headers: { 'x-auth-token': tb } });
    assert.equal(r.statusCode, 404, r.body);
    r = await subjectCall(p, 'DELETE', ta, tb);
    assert.equal(r.statusCode, 204);
    // The revoked token is gone for validation and for use.
    r = await subjectCall(p, 'GET', ta, tb);
    assert.equal(r.statusCode, 404);
    assert.equal((r.json() as J).error.title, 'Not Found');
    r = await p.app.inject({ method: 'GET', url: '/v3/auth/projects', headers: { 'x-auth-token': tb } });
    assert.equal(r.statusCode, 401);
    r = await p.app.inject({ method: 'GET', url: backupUrl, headers: { 'x-auth-token': tb } });
    assert.equal(r.statusCode, 401);
    // The caller's own bad token is 401.
    r = await subjectCall(p, 'GET', 'garbage', ta);
    assert.equal(r.statusCode, 401);
    r = await p.app.inject({ method: 'GET', url: '/v3/auth/tokens', headers: { 'x-subject-token': ta } });
    assert.equal(r.statusCode, 401);
  });

  test('a user cannot validate or revoke another user’s token unless admin', async () => {
    const proj = await p.ctx.identity.createProject({ name: 'tenant-x' });
    await p.ctx.identity.createUser({ name: 'xavier', password: 'Xavier-pass-1', project: { id: proj.id } });
    await p.ctx.identity.createUser({
      name: 'yolanda',
      password: 'Yolanda-pass-1',
      project: { id: proj.id },
    });
    const tx = String(
      (await issue(passwordAuth({ name: 'xavier', domain: { name: 'Default' } }, 'Xavier-pass-1'))).headers[
        'x-subject-token'
      ],
    );
    const ty = String(
      (await issue(passwordAuth({ name: 'yolanda', domain: { name: 'Default' } }, 'Yolanda-pass-1'))).headers[
        'x-subject-token'
      ],
    );
    let r = await subjectCall(p, 'DELETE', tx, ty);
    assert.equal(r.statusCode, 403);
    r = await subjectCall(p, 'GET', ty, ty);
    assert.equal(r.statusCode, 200);
  });

  test('the token method re-scopes an unscoped token to a project', async () => {
    const u = await issue({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { name: 'Default' }, password: ADMIN_PASSWORD } },
        },
        scope: 'unscoped',
      },
    });
    const unscoped = String(u.headers['x-subject-token']);
    const project = await p.ctx.identity.getProject({ name: 'admin' });
    const r = await issue({
      auth: {
        identity: { methods: ['token'], token: { id: unscoped } },
        scope: { project: { id: project.id } },
      },
    });
    assert.equal(r.statusCode, 201, r.body);
    const t = (r.json() as J).token;
    assert.deepEqual(t.methods, ['token', 'password']);
    assert.equal(t.project.id, project.id);
    const bad = await issue({ auth: { identity: { methods: ['token'], token: { id: 'nope' } } } });
    assert.equal(bad.statusCode, 401);
    const other = await issue({ auth: { identity: { methods: ['totp'] } } });
    assert.equal(other.statusCode, 401);
  });

  test('GET /v3/auth/projects lists the projects the user has a role on', async () => {
    const proj = await p.ctx.identity.createProject({ name: 'listed' });
    await p.ctx.identity.createUser({ name: 'lister', password: 'Lister-pass-1', project: { id: proj.id } });
    const t = String(
      (await issue(passwordAuth({ name: 'lister', domain: { name: 'Default' } }, 'Lister-pass-1'))).headers[
        'x-subject-token'
      ],
    );
    const r = await p.app.inject({
      method: 'GET',
      url: '/identity/v3/auth/projects',
      headers: { 'x-auth-token': t },
    });
    assert.equal(r.statusCode, 200);
    const body = r.json() as J;
    assert.deepEqual(
      body.projects.map((x: J) => x.name),
      ['listed'],
    );
    const item = body.projects[0];
    assert.equal(item.id, proj.id);
    assert.equal(item.enabled, true);
    assert.equal(item.is_domain, false);
    assert.equal(typeof item.domain_id, 'string');
    assert.ok(item.links.self.endsWith(`/v3/projects/${proj.id}`));
    assert.ok('next' in body.links);
  });

  test("GET /v3/projects/{id} and /v3/users/{id}/projects: the caller's own projects only", async () => {
    const mine = await p.ctx.identity.createProject({ name: 'shown' });
    const theirs = await p.ctx.identity.createProject({ name: 'not-shown' });
    const user = await p.ctx.identity.createUser({
      name: 'shower',
      password: 'Shower-pass-1',
      project: { id: mine.id },
    });
    const t = String(
      (await issue(passwordAuth({ name: 'shower', domain: { name: 'Default' } }, 'Shower-pass-1'))).headers[
        'x-subject-token'
      ],
    );
    const get = (url: string, token: string | null = t) =>
      p.app.inject({ method: 'GET', url, headers: token ? { 'x-auth-token': token } : {} });
    let r = await get(`/identity/v3/projects/${mine.id}`);
    assert.equal(r.statusCode, 200, r.body);
    const shown = (r.json() as J).project;
    assert.equal(shown.id, mine.id);
    assert.equal(shown.name, 'shown');
    assert.equal(shown.enabled, true);
    assert.ok(shown.links.self.endsWith(`/v3/projects/${mine.id}`));
    r = await get(`/identity/v3/projects/${theirs.id}`);
    assert.equal(r.statusCode, 404, 'a project the user has no role on is not shown');
    assert.ok((r.json() as J).error.message.includes(theirs.id));
    assert.equal((await get(`/identity/v3/projects/${mine.id}`, null)).statusCode, 401);

    r = await get(`/identity/v3/users/${user.id}/projects`);
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(
      (r.json() as J).projects.map((x: J) => x.id),
      [mine.id],
    );
    assert.ok((r.json() as J).links.self.endsWith(`/v3/users/${user.id}/projects`));
    const admin = await p.ctx.identity.getUser({ name: 'admin' });
    r = await get(`/identity/v3/users/${admin.id}/projects`);
    assert.equal(r.statusCode, 403, "another user's projects are refused");
    assert.equal((await get(`/identity/v3/users/${user.id}/projects`, null)).statusCode, 401);
  });

  test('version documents and unknown identity routes', async () => {
    let r = await p.app.inject({ method: 'GET', url: '/identity/v3' });
    assert.equal(r.statusCode, 200);
    assert.equal((r.json() as J).version.status, 'stable');
    assert.equal((r.json() as J).version.id.startsWith('v3'), true);
    r = await p.app.inject({ method: 'GET', url: '/identity' });
    assert.equal(r.statusCode, 300);
    assert.equal((r.json() as J).versions.values[0].status, 'stable');
    r = await p.app.inject({ method: 'GET', url: '/identity/v3/nowhere' });
    assert.equal(r.statusCode, 404);
    assert.equal((r.json() as J).error.code, 404);
  });

  test('changing a password revokes the user’s tokens', async () => {
    const proj = await p.ctx.identity.createProject({ name: 'pw-change' });
    await p.ctx.identity.createUser({
      name: 'changer',
      password: 'Changer-pass-1',
      project: { id: proj.id },
    });
    const t = String(
      (await issue(passwordAuth({ name: 'changer', domain: { name: 'Default' } }, 'Changer-pass-1'))).headers[
        'x-subject-token'
      ],
    );
    assert.ok(await p.ctx.identity.validateToken(t));
    await p.ctx.identity.setPassword({ name: 'changer' }, 'Changer-pass-2');
    assert.equal(await p.ctx.identity.validateToken(t), null);
    const r = await issue(passwordAuth({ name: 'changer', domain: { name: 'Default' } }, 'Changer-pass-1'));
    assert.equal(r.statusCode, 401);
  });
});

describe('token lifetime', () => {
  test('tokens expire after the configured TTL; allow_expired (Keystone boolean) shows an expired one', async () => {
    let now = new Date('2030-01-01T00:00:00.000Z');
    const p = await startPlatform({ env: { OPENCBR_TOKEN_TTL: '60' }, context: { now: () => now } });
    try {
      const r = await p.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        payload: passwordAuth({ name: 'admin', domain: { name: 'Default' } }, ADMIN_PASSWORD),
      });
      const t = String(r.headers['x-subject-token']);
      assert.equal((r.json() as J).token.expires_at, '2030-01-01T00:01:00.000000Z');
      const project = (r.json() as J).token.project.id;
      now = new Date('2030-01-01T00:00:59.000Z');
      assert.ok(await p.ctx.identity.validateToken(t));
      now = new Date('2030-01-01T00:01:00.000Z');
      assert.equal(await p.ctx.identity.validateToken(t), null);
      const used = await p.app.inject({
        method: 'GET',
        url: `/opencbr/v1/${project}/volumes`,
        headers: { 'x-auth-token': t },
      });
      assert.equal(used.statusCode, 401);
      // A fresh token may look at the expired one with allow_expired.
      const fresh = await p.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        payload: passwordAuth({ name: 'admin', domain: { name: 'Default' } }, ADMIN_PASSWORD),
      });
      const ft = String(fresh.headers['x-subject-token']);
      let v = await subjectCall(p, 'GET', ft, t);
      assert.equal(v.statusCode, 404);
      v = await subjectCall(p, 'GET', ft, t, '/v3/auth/tokens?allow_expired=true');
      assert.equal(v.statusCode, 200);
      // Keystone's lenient boolean: only its true spellings widen the window, on GET and HEAD alike.
      for (const value of ['false', '0', 'no', 'off', '', 'maybe']) {
        for (const method of ['GET', 'HEAD'] as const) {
          v = await subjectCall(p, method, ft, t, `/v3/auth/tokens?allow_expired=${value}`);
          assert.equal(v.statusCode, 404, `${method} allow_expired=${value}`);
        }
      }
      for (const value of ['1', 'TRUE', 'yes', 'on', 't', 'y']) {
        for (const method of ['GET', 'HEAD'] as const) {
          v = await subjectCall(p, method, ft, t, `/v3/auth/tokens?allow_expired=${value}`);
          assert.equal(v.statusCode, 200, `${method} allow_expired=${value}`);
        }
      }
    } finally {
      await p.close();
    }
  });

  test('tokens survive a restart; revocations too; only the digest is stored', async () => {
    const dir = tempDir();
    let p = await startPlatform({ dir });
    const r1 = await p.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordAuth({ name: 'admin', domain: { name: 'Default' } }, ADMIN_PASSWORD),
    });
    const r2 = await p.app.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: passwordAuth({ name: 'admin', domain: { name: 'Default' } }, ADMIN_PASSWORD),
    });
    const keep = String(r1.headers['x-subject-token']);
    const revoke = String(r2.headers['x-subject-token']);
    await subjectCall(p, 'DELETE', keep, revoke);
    const rows = await p.ctx.db.selectFrom('tokens').selectAll().execute();
    for (const row of rows) {
      assert.notEqual(row.id_hash, keep);
      assert.match(row.id_hash, /^[0-9a-f]{64}$/);
    }
    await p.close();
    p = await startPlatform({ dir });
    try {
      const project = (r1.json() as J).token.project.id;
      let r = await p.app.inject({
        method: 'GET',
        url: `/opencbr/v1/${project}/volumes`,
        headers: { 'x-auth-token': keep },
      });
      assert.equal(r.statusCode, 200, r.body);
      r = await p.app.inject({
        method: 'GET',
        url: `/opencbr/v1/${project}/volumes`,
        headers: { 'x-auth-token': revoke },
      });
      assert.equal(r.statusCode, 401);
      // The admin user was not recreated with a new password on the second start.
      assert.equal((await p.ctx.identity.listUsers()).filter((u) => u.name === 'admin').length, 1);
    } finally {
      await p.close();
    }
  });

  test('passwords are stored as salted scrypt hashes', async () => {
    const p = await startPlatform();
    try {
      await p.ctx.identity.createUser({ name: 'u1', password: 'Same-pass-123' });
      await p.ctx.identity.createUser({ name: 'u2', password: 'Same-pass-123' });
      const rows = await p.ctx.db.selectFrom('users').select(['name', 'password_hash']).execute();
      const h1 = rows.find((r) => r.name === 'u1')!.password_hash;
      const h2 = rows.find((r) => r.name === 'u2')!.password_hash;
      assert.match(h1, /^scrypt\$32768\$8\$1\$/);
      assert.notEqual(h1, h2);
      assert.ok(!h1.includes('Same-pass-123'));
    } finally {
      await p.close();
    }
  });
});

describe('OpenStack client conventions', () => {
  test('the domain id "default" means the Default domain', async () => {
    const p = await startPlatform();
    try {
      const r = await p.app.inject({
        method: 'POST',
        url: '/identity/v3/auth/tokens',
        payload: passwordAuth({ name: 'admin', domain: { id: 'default' } }, ADMIN_PASSWORD, {
          project: { name: 'admin', domain: { id: 'default' } },
        }),
      });
      assert.equal(r.statusCode, 201, r.body);
      assert.equal((r.json() as J).token.project.domain.name, 'Default');
    } finally {
      await p.close();
    }
  });
});
