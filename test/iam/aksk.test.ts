import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  EMPTY_BODY_SHA256,
  canonicalRequest,
  canonicalUri,
  isWriteMethod,
  parseSdkAuthorization,
  payloadHash,
  sign,
  stringToSign,
  verifySdkSignature,
} from '../../src/domain/identity-signing.js';
import { type J, type Platform, signRequest, startPlatform } from './helpers.js';

// Published vectors for SDK-HMAC-SHA256 (AK AKEXAMPLE0000000), checked against the Huawei Python SDK signer.
const SK = 'SKEXAMPLE0000000000000000000000000000000';
const PROJECT = '4229d7a45436489f8c3dc2b1d35d4987';
const common: Record<string, string> = {
  host: 'cbr.example.com',
  'x-sdk-date': '20240416T095341Z',
  'x-project-id': PROJECT,
  'content-type': 'application/json',
};
const SIGNED = ['content-type', 'host', 'x-project-id', 'x-sdk-date'];

describe('SDK-HMAC-SHA256 canonical request (vectors)', () => {
  test('the canonical URI decodes the whole path before splitting it (as the SDK signers do)', () => {
    assert.equal(canonicalUri(`/v3/${PROJECT}/vaults/a%2Fb`), `/v3/${PROJECT}/vaults/a/b/`);
    assert.equal(canonicalUri('/v3/x%20y/'), '/v3/x%20y/');
  });

  test('A: GET with repeated query parameter', () => {
    const req = {
      method: 'GET',
      rawPath: `/v3/${PROJECT}/backups`,
      rawQuery: 'limit=10&status=error&status=available',
      header: (n: string) => common[n],
      body: Buffer.alloc(0),
    };
    const canonical = canonicalRequest(req, SIGNED);
    assert.equal(
      canonical,
      [
        'GET',
        `/v3/${PROJECT}/backups/`,
        'limit=10&status=available&status=error',
        'content-type:application/json\nhost:cbr.example.com\nx-project-id:4229d7a45436489f8c3dc2b1d35d4987\nx-sdk-date:20240416T095341Z\n',
        'content-type;host;x-project-id;x-sdk-date',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
    const sts = stringToSign(canonical!, '20240416T095341Z');
    assert.equal(
      sts,
      'SDK-HMAC-SHA256\n20240416T095341Z\n7d7b5bfdf735ff498ea42cb6e96239a0cf69a3d940c07c39a45d9d29142eb450',
    );
    assert.equal(sign(SK, sts), '36c1ee3c817e661a1907f68e76efb4a4d284a17d55d7e0322c7eee1942dfec09');
  });

  test('B: POST with a JSON body', () => {
    const body = '{"checkpoint":{"vault_id":"3b5816b5-f29c-4172-9d9a-76c719a659ce"}}';
    const req = {
      method: 'POST',
      rawPath: `/v3/${PROJECT}/checkpoints`,
      rawQuery: '',
      header: (n: string) => common[n],
      body: Buffer.from(body),
    };
    const canonical = canonicalRequest(req, SIGNED)!;
    assert.ok(canonical.endsWith('7a1eaf57793a896c492216990366314d4c2fea111587b6a8b61954be724af2bd'));
    assert.equal(
      sign(SK, stringToSign(canonical, '20240416T095341Z')),
      'f2e09a621070d2b2431ef96f97700853be7998a44e7f5af6f5fca9764a234831',
    );
    const auth = parseSdkAuthorization(
      'SDK-HMAC-SHA256 Access=AKEXAMPLE0000000, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=f2e09a621070d2b2431ef96f97700853be7998a44e7f5af6f5fca9764a234831',
    )!;
    assert.equal(auth.access, 'AKEXAMPLE0000000');
    const at = new Date('2024-04-16T09:53:41Z');
    assert.deepEqual(verifySdkSignature(req, auth, SK, at), { ok: true, date: at });
    assert.deepEqual(verifySdkSignature(req, auth, SK, new Date(at.getTime() + 16 * 60_000)), {
      ok: false,
      reason: 'stale-date',
    });
    assert.deepEqual(verifySdkSignature(req, auth, SK, new Date(at.getTime() - 14 * 60_000)), {
      ok: true,
      date: at,
    });
    const tampered = { ...req, body: Buffer.from(body.replace('3b58', '3b59')) };
    assert.deepEqual(verifySdkSignature(tampered, auth, SK, at), { ok: false, reason: 'mismatch' });
  });

  test('the payload hash is the body received; X-Sdk-Content-Sha256 must agree with it', () => {
    const body = '{"vault":{"name":"b"}}';
    const bodyHash = '2b0bd7a1b3bd2b2b1d4c7ad7c4c1e7b7e2e1f7e1b0d2b2e1a1f0c9d8e7f6a5b4';
    const at = (headers: Record<string, string>, b: string) => ({
      method: 'POST',
      rawPath: `/v3/${PROJECT}/vaults`,
      rawQuery: '',
      header: (n: string) => headers[n],
      body: Buffer.from(b),
    });
    const real = payloadHash(at({}, body));
    assert.ok(real.ok);
    assert.notEqual(real.hash, bodyHash);
    assert.deepEqual(payloadHash(at({}, '')), { ok: true, hash: EMPTY_BODY_SHA256 });
    // The header naming another body's hash does not make that body's signature apply to this one.
    assert.deepEqual(payloadHash(at({ 'x-sdk-content-sha256': bodyHash }, body)), {
      ok: false,
      reason: 'content-sha-mismatch',
    });
    assert.deepEqual(payloadHash(at({ 'x-sdk-content-sha256': ` ${real.hash.toUpperCase()} ` }, body)), real);
    assert.deepEqual(payloadHash(at({ 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' }, body)), {
      ok: false,
      reason: 'unsigned-payload',
    });
    assert.deepEqual(payloadHash(at({ 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' }, '')), {
      ok: true,
      hash: 'UNSIGNED-PAYLOAD',
    });
  });

  test('every method but GET, HEAD and OPTIONS spends its signature', () => {
    for (const m of ['POST', 'put', 'PATCH', 'DELETE', 'PROPFIND']) assert.equal(isWriteMethod(m), true, m);
    for (const m of ['GET', 'head', 'OPTIONS']) assert.equal(isWriteMethod(m), false, m);
  });

  test('malformed Authorization headers are not parsed', () => {
    for (const v of [
      `SDK-HMAC-SM3 Access=a, SignedHeaders=host, Signature=${'a'.repeat(64)}`,
      `SDK-HMAC-SHA256 Access=a, Signature=${'a'.repeat(64)}`,
      'SDK-HMAC-SHA256 Access=a, SignedHeaders=host, Signature=xyz',
      'Bearer abc',
    ]) {
      assert.equal(parseSdkAuthorization(v), null, v);
    }
  });
});

describe('AK/SK requests and tenancy', () => {
  let p: Platform;
  let projectA: string;
  let projectB: string;
  let ak: string;
  let sk: string;
  let akB: string;
  let skB: string;
  before(async () => {
    p = await startPlatform();
    projectA = (await p.ctx.identity.getProject({ name: 'admin' })).id;
    const b = await p.ctx.identity.createProject({ name: 'tenant-b' });
    projectB = b.id;
    await p.ctx.identity.createUser({ name: 'bob', password: 'Bob-pass-123', project: { id: projectB } });
    const c = await p.ctx.identity.createCredential({ user: { name: 'admin' } });
    ak = c.access;
    sk = c.secret;
    const cb = await p.ctx.identity.createCredential({ user: { name: 'bob' }, project: { id: projectB } });
    akB = cb.access;
    skB = cb.secret;
  });
  after(async () => p.close());

  const send = async (
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    opts: {
      project: string;
      body?: string;
      ak?: string;
      sk?: string;
      date?: Date;
      mutate?: (h: Record<string, string>) => void;
    },
  ) => {
    const headers = signRequest(
      {
        method,
        url,
        headers: {
          Host: 'cbr.example.com',
          'Content-Type': 'application/json;charset=UTF-8',
          'X-Project-Id': opts.project,
        },
        body: opts.body,
        ak: opts.ak ?? ak,
        sk: opts.sk ?? sk,
      },
      opts.date,
    );
    opts.mutate?.(headers);
    return p.app.inject({ method, url, headers, ...(opts.body !== undefined ? { payload: opts.body } : {}) });
  };

  test('a %2F in a path parameter is signed as the SDK signs it and reaches the route', async () => {
    const r = await send('GET', `/v3/${projectA}/vaults/a%2Fb`, { project: projectA });
    assert.equal(r.statusCode, 404, r.body);
    assert.equal((r.json() as J).error_code, 'BackupService.6105');
  });

  test('a signed GET and POST (with query and body) are accepted', async () => {
    let r = await send('GET', `/opencbr/v1/${projectA}/volumes?limit=10&name=x%20y`, { project: projectA });
    assert.equal(r.statusCode, 200, r.body);
    r = await send('POST', `/opencbr/v1/${projectA}/servers`, {
      project: projectA,
      body: JSON.stringify({ server: { name: 's', volume_ids: ['00000000-0000-4000-8000-000000000000'] } }),
    });
    // Authenticated: the body reached the inventory, which does not know the volume.
    assert.equal(r.statusCode, 404, r.body);
    assert.equal((r.json() as J).error_code, 'BackupService.7000');
  });

  test('wrong secret, tampered body, tampered query, unknown AK, stale date: 401', async () => {
    const body = JSON.stringify({ volume: { name: 'v', path: '/nowhere' } });
    const cases = [
      await send('GET', `/opencbr/v1/${projectA}/volumes`, { project: projectA, sk: `${sk}x` }),
      await send('GET', `/opencbr/v1/${projectA}/volumes`, {
        project: projectA,
        ak: 'NOSUCHKEY000000000000',
      }),
      await send('GET', `/opencbr/v1/${projectA}/volumes`, {
        project: projectA,
        date: new Date(Date.now() - 20 * 60_000),
      }),
      await send('GET', `/opencbr/v1/${projectA}/volumes`, {
        project: projectA,
        date: new Date(Date.now() + 20 * 60_000),
      }),
    ];
    const tamperedBody = signRequest({
      method: 'POST',
      url: `/opencbr/v1/${projectA}/volumes`,
      headers: { Host: 'h', 'Content-Type': 'application/json', 'X-Project-Id': projectA },
      body,
      ak,
      sk,
    });
    cases.push(
      await p.app.inject({
        method: 'POST',
        url: `/opencbr/v1/${projectA}/volumes`,
        headers: tamperedBody,
        payload: body.replace('"v"', '"w"'),
      }),
      // The unsigned body-hash header naming the signed body does not make the signature cover another.
      await p.app.inject({
        method: 'POST',
        url: `/opencbr/v1/${projectA}/volumes`,
        headers: { ...tamperedBody, 'X-Sdk-Content-Sha256': createHash('sha256').update(body).digest('hex') },
        payload: body.replace('"v"', '"w"'),
      }),
    );
    const signedQuery = signRequest({
      method: 'GET',
      url: `/opencbr/v1/${projectA}/volumes?limit=1`,
      headers: { Host: 'h', 'X-Project-Id': projectA },
      ak,
      sk,
    });
    cases.push(
      await p.app.inject({
        method: 'GET',
        url: `/opencbr/v1/${projectA}/volumes?limit=2`,
        headers: signedQuery,
      }),
    );
    // X-Sdk-Date present but not signed.
    const unsignedDate = signRequest({
      method: 'GET',
      url: `/opencbr/v1/${projectA}/volumes`,
      headers: { Host: 'h', 'X-Project-Id': projectA },
      ak,
      sk,
    });
    unsignedDate.Authorization = unsignedDate.Authorization!.replace(';x-sdk-date', '');
    cases.push(
      await p.app.inject({ method: 'GET', url: `/opencbr/v1/${projectA}/volumes`, headers: unsignedDate }),
    );
    for (const r of cases) {
      assert.equal(r.statusCode, 401, r.body);
      assert.equal(typeof (r.json() as J).error_code, 'string');
      assert.equal(typeof (r.json() as J).error_msg, 'string');
    }
  });

  test('a key of project B used on project A: 403; X-Project-Id must match the path', async () => {
    let r = await send('GET', `/opencbr/v1/${projectA}/volumes`, { project: projectA, ak: akB, sk: skB });
    assert.equal(r.statusCode, 403, r.body);
    assert.equal((r.json() as J).error_code, 'BackupService.8600');
    r = await send('GET', `/opencbr/v1/${projectA}/volumes`, { project: projectB, ak: akB, sk: skB });
    assert.equal(r.statusCode, 403, r.body);
    r = await send('GET', `/opencbr/v1/${projectB}/volumes`, { project: projectB, ak: akB, sk: skB });
    assert.equal(r.statusCode, 200, r.body);
    // admin's unrestricted key has no role on B.
    r = await send('GET', `/opencbr/v1/${projectB}/volumes`, { project: projectB });
    assert.equal(r.statusCode, 403, r.body);
  });

  test('without X-Project-Id the URL project is meant, still subject to the user’s roles', async () => {
    const unsigned = (url: string, key: string, secret: string) =>
      p.app.inject({
        method: 'GET',
        url,
        headers: signRequest({ method: 'GET', url, headers: { Host: 'h' }, ak: key, sk: secret }),
      });
    assert.equal((await unsigned(`/opencbr/v1/${projectA}/volumes`, ak, sk)).statusCode, 200);
    assert.equal((await unsigned(`/opencbr/v1/${projectB}/volumes`, ak, sk)).statusCode, 403);
    // A key bound to project B is only for project B.
    assert.equal((await unsigned(`/opencbr/v1/${projectA}/volumes`, akB, skB)).statusCode, 403);
    assert.equal((await unsigned(`/opencbr/v1/${projectB}/volumes`, akB, skB)).statusCode, 200);
  });

  test('secret keys are sealed in the catalog under the master key', async () => {
    const row = await p.ctx.db
      .selectFrom('credentials')
      .selectAll()
      .where('access', '=', ak)
      .executeTakeFirstOrThrow();
    assert.ok(!row.secret.includes(sk));
    assert.match(row.secret, /^aesgcm1:/);
    // Another key's sealed secret copied onto this key id does not open (the key id is authenticated).
    const rowB = await p.ctx.db
      .selectFrom('credentials')
      .selectAll()
      .where('access', '=', akB)
      .executeTakeFirstOrThrow();
    await p.ctx.db.updateTable('credentials').set({ secret: rowB.secret }).where('access', '=', ak).execute();
    try {
      const r = await send('GET', `/opencbr/v1/${projectA}/volumes`, { project: projectA, sk: skB });
      assert.equal(r.statusCode, 401);
    } finally {
      await p.ctx.db
        .updateTable('credentials')
        .set({ secret: row.secret })
        .where('access', '=', ak)
        .execute();
    }
    assert.equal(
      (await send('GET', `/opencbr/v1/${projectA}/volumes`, { project: projectA })).statusCode,
      200,
    );
  });

  test('GET /v3/projects?name= with a signature (how Huawei SDKs find their project id)', async () => {
    const list = async (url: string, key: string, secret: string) => {
      const r = await p.app.inject({
        method: 'GET',
        url,
        headers: signRequest({
          method: 'GET',
          url,
          headers: { Host: 'iam.example.com' },
          ak: key,
          sk: secret,
        }),
      });
      return { status: r.statusCode, json: r.json() as J };
    };
    let r = await list('/v3/projects?name=admin', ak, sk);
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.json.projects.map((x: J) => x.id),
      [projectA],
    );
    r = await list('/identity/v3/projects', akB, skB);
    assert.deepEqual(
      r.json.projects.map((x: J) => x.name),
      ['tenant-b'],
    );
    r = await list('/v3/projects?name=tenant-b', ak, sk);
    assert.deepEqual(r.json.projects, [], 'admin has no role on tenant-b');
    r = await list('/v3/projects', ak, `${sk}x`);
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, 401);
    const anon = await p.app.inject({ method: 'GET', url: '/v3/projects' });
    assert.equal(anon.statusCode, 401);
  });

  test('a deleted credential stops working', async () => {
    const c = await p.ctx.identity.createCredential({ user: { name: 'admin' }, project: { id: projectA } });
    let r = await send('GET', `/opencbr/v1/${projectA}/volumes`, {
      project: projectA,
      ak: c.access,
      sk: c.secret,
    });
    assert.equal(r.statusCode, 200);
    const listed = await p.ctx.identity.listCredentials();
    assert.ok(listed.find((x) => x.access === c.access)?.lastUsedAt);
    assert.ok(!('secret' in (listed[0] as object)));
    await p.ctx.identity.deleteCredential(c.access);
    r = await send('GET', `/opencbr/v1/${projectA}/volumes`, {
      project: projectA,
      ak: c.access,
      sk: c.secret,
    });
    assert.equal(r.statusCode, 401);
  });

  test('tokens: none → 401, garbage → 401, another project’s → 403, unscoped → 403', async () => {
    const login = async (name: string, password: string, scope?: unknown) => {
      const r = await p.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        payload: {
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name, domain: { name: 'Default' }, password } },
            },
            ...(scope ? { scope } : {}),
          },
        },
      });
      return String(r.headers['x-subject-token']);
    };
    const tb = await login('bob', 'Bob-pass-123');
    const unscoped = await login('bob', 'Bob-pass-123', 'unscoped');
    const url = `/opencbr/v1/${projectA}/volumes`;
    let r = await p.app.inject({ method: 'GET', url });
    assert.equal(r.statusCode, 401);
    assert.equal((r.json() as J).error_code, 'APIGW.0301');
    r = await p.app.inject({ method: 'GET', url, headers: { 'x-auth-token': 'nope' } });
    assert.equal(r.statusCode, 401);
    r = await p.app.inject({ method: 'GET', url, headers: { 'x-auth-token': tb } });
    assert.equal(r.statusCode, 403);
    assert.equal((r.json() as J).error_code, 'BackupService.8600');
    r = await p.app.inject({
      method: 'GET',
      url: `/opencbr/v1/${projectB}/volumes`,
      headers: { 'x-auth-token': unscoped },
    });
    assert.equal(r.statusCode, 403);
    r = await p.app.inject({
      method: 'GET',
      url: `/opencbr/v1/${projectB}/volumes`,
      headers: { 'x-auth-token': tb },
    });
    assert.equal(r.statusCode, 200);
    // Even the admin role does not cross projects.
    const ta = await login('admin', 'Admin-pass-1');
    r = await p.app.inject({
      method: 'GET',
      url: `/opencbr/v1/${projectB}/volumes`,
      headers: { 'x-auth-token': ta },
    });
    assert.equal(r.statusCode, 403);
  });
});
