// AK/SK signing through HTTP: what a signature covers (body, signed headers, query, path, date) and that a
// write's signature is spent once, across a restart and across two nodes sharing one catalog.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { SDK_DATE_WINDOW_MS } from '../../src/domain/identity-signing.js';
import { type J, type Platform, signRequest, startPlatform, tempDir } from './helpers.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The vault body CBR accepts (a disk vault of 10 GB, no resources). */
const vaultBody = (name: string) =>
  JSON.stringify({
    vault: {
      name,
      billing: {
        consistent_level: 'crash_consistent',
        object_type: 'disk',
        protect_type: 'backup',
        size: 10,
      },
      resources: [],
    },
  });

interface Signed {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

describe('AK/SK signing: coverage, freshness and replay', () => {
  const dir = tempDir('opencbr-signing-');
  let clock = new Date('2026-03-02T10:00:00.000Z');
  const now = () => clock;
  let p: Platform;
  let project: string;
  let ak: string;
  let sk: string;
  /** Every request sent and every answer that was not what the test asserted (reported by the last test). */
  const tally = { requests: 0, failures: 0 };

  const start = () => startPlatform({ dir, context: { now } });

  before(async () => {
    p = await start();
    project = (await p.ctx.identity.getProject({ name: 'admin' })).id;
    const c = await p.ctx.identity.createCredential({ user: { name: 'admin' } });
    ak = c.access;
    sk = c.secret;
  });
  after(async () => {
    await p.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const sign = (
    method: string,
    url: string,
    opts: { body?: string; headers?: Record<string, string>; date?: Date } = {},
  ): Signed => ({
    method,
    url,
    headers: signRequest(
      {
        method,
        url,
        headers: {
          Host: 'cbr.example.com',
          'X-Project-Id': project,
          ...(opts.body !== undefined ? { 'Content-Type': 'application/json;charset=UTF-8' } : {}),
          ...opts.headers,
        },
        body: opts.body,
        ak,
        sk,
      },
      opts.date ?? clock,
    ),
    ...(opts.body !== undefined ? { payload: opts.body } : {}),
  });

  const send = async (s: Signed, app: FastifyInstance = p.app) => {
    tally.requests++;
    const r = await app.inject({
      method: s.method as 'GET',
      url: s.url,
      headers: s.headers,
      ...(s.payload !== undefined ? { payload: s.payload } : {}),
    });
    return { status: r.statusCode, json: (r.body.length ? r.json() : null) as J, body: r.body };
  };

  const expect = (r: { status: number; body: string }, status: number) => {
    if (r.status !== status) tally.failures++;
    assert.equal(r.status, status, r.body);
  };

  /** A 401 in the CBR error body. */
  const expectCbr401 = (r: { status: number; json: J; body: string }) => {
    expect(r, 401);
    assert.equal(r.json.error_code, 'APIGW.0301', r.body);
    assert.equal(typeof r.json.error_msg, 'string');
  };

  const vaultNames = async (): Promise<string[]> => {
    const r = await send(sign('GET', `/v3/${project}/vaults?limit=1000`));
    expect(r, 200);
    return (r.json.vaults as J[]).map((v) => v.name as string);
  };
  const vaultsNamed = async (name: string) => (await vaultNames()).filter((n) => n === name).length;

  test('a signed POST is accepted and creates the vault of its body', async () => {
    const r = await send(sign('POST', `/v3/${project}/vaults`, { body: vaultBody('plain') }));
    expect(r, 200);
    assert.equal(r.json.vault.name, 'plain');
  });

  test('tampered body: 401, the vault of the substituted body is not created', async () => {
    const signed = sign('POST', `/v3/${project}/vaults`, { body: vaultBody('signed-b') });
    expectCbr401(await send({ ...signed, payload: vaultBody('tampered-b') }));
    // The same substitution with the body-hash header naming the signed body (the header is not signed).
    expectCbr401(
      await send({
        ...signed,
        headers: { ...signed.headers, 'X-Sdk-Content-Sha256': sha256(vaultBody('signed-b')) },
        payload: vaultBody('tampered-b'),
      }),
    );
    assert.equal(await vaultsNamed('tampered-b'), 0);
    assert.equal(await vaultsNamed('signed-b'), 0);
    // The forged attempts did not spend the real signature.
    expect(await send(signed), 200);
    assert.equal(await vaultsNamed('signed-b'), 1);
  });

  test('the body-hash header lying about the body received: 401; telling the truth: accepted', async () => {
    const body = vaultBody('hash-header');
    const signed = sign('POST', `/v3/${project}/vaults`, { body });
    expectCbr401(
      await send({
        ...signed,
        headers: { ...signed.headers, 'X-Sdk-Content-Sha256': sha256(vaultBody('something-else')) },
      }),
    );
    // A lie on a request without a body is refused too.
    const read = sign('GET', `/v3/${project}/vaults`);
    expectCbr401(await send({ ...read, headers: { ...read.headers, 'x-sdk-content-sha256': sha256('x') } }));
    assert.equal(await vaultsNamed('hash-header'), 0);
    expect(
      await send({ ...signed, headers: { ...signed.headers, 'X-Sdk-Content-Sha256': sha256(body) } }),
      200,
    );
    assert.equal(await vaultsNamed('hash-header'), 1);
  });

  test('UNSIGNED-PAYLOAD: refused with a body, accepted without one', async () => {
    const withBody = sign('POST', `/v3/${project}/vaults`, {
      body: vaultBody('unsigned-payload'),
      headers: { 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' },
    });
    const r = await send(withBody);
    expectCbr401(r);
    assert.match(r.json.error_msg, /UNSIGNED-PAYLOAD/);
    assert.equal(await vaultsNamed('unsigned-payload'), 0);
    const read = sign('GET', `/v3/${project}/vaults`, {
      headers: { 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' },
    });
    expect(await send(read), 200);
  });

  test('a body of another content type is covered too (text/plain: 401, not a 400 past the signature)', async () => {
    // Signed without a body, sent with one.
    const signed = sign('POST', `/v3/${project}/vaults`);
    expectCbr401(
      await send({
        ...signed,
        headers: { ...signed.headers, 'Content-Type': 'text/plain' },
        payload: vaultBody('as-text'),
      }),
    );
    assert.equal(await vaultsNamed('as-text'), 0);
  });

  test('tampered signed header: 401; an unsigned header added or changed: still accepted', async () => {
    const signed = sign('POST', `/v3/${project}/vaults`, {
      body: vaultBody('hdr'),
      headers: { 'X-Client-Tag': 'one' },
    });
    expectCbr401(await send({ ...signed, headers: { ...signed.headers, 'X-Client-Tag': 'two' } }));
    expectCbr401(await send({ ...signed, headers: { ...signed.headers, Host: 'other.example.com' } }));
    assert.equal(await vaultsNamed('hdr'), 0);
    // The signer signs every header it is given; these are added after signing.
    expect(
      await send({
        ...signed,
        headers: { ...signed.headers, 'X-Added-Later': '1', 'User-Agent': 'changed/1.0' },
      }),
      200,
    );
    assert.equal(await vaultsNamed('hdr'), 1);
  });

  test('tampered query: 401', async () => {
    const signed = sign('GET', `/v3/${project}/vaults?limit=1`);
    expectCbr401(await send({ ...signed, url: `/v3/${project}/vaults?limit=2` }));
    expectCbr401(await send({ ...signed, url: `/v3/${project}/vaults?limit=1&name=plain` }));
    expectCbr401(await send({ ...signed, url: `/v3/${project}/vaults` }));
    expect(await send(signed), 200);
  });

  test('tampered path: 401, the other vault is not deleted', async () => {
    const a = await send(sign('POST', `/v3/${project}/vaults`, { body: vaultBody('path-a') }));
    const b = await send(sign('POST', `/v3/${project}/vaults`, { body: vaultBody('path-b') }));
    expect(a, 200);
    expect(b, 200);
    const delA = sign('DELETE', `/v3/${project}/vaults/${a.json.vault.id}`);
    expectCbr401(await send({ ...delA, url: `/v3/${project}/vaults/${b.json.vault.id}` }));
    const getA = sign('GET', `/v3/${project}/vaults/${a.json.vault.id}`);
    expectCbr401(await send({ ...getA, url: `/v3/${project}/vaults/${b.json.vault.id}` }));
    assert.equal(await vaultsNamed('path-b'), 1);
    expect(await send(delA), 204);
    assert.equal(await vaultsNamed('path-a'), 0);
  });

  test('a write replayed: 401 in the CBR body, one vault; a read replayed: allowed', async () => {
    const signed = sign('POST', `/v3/${project}/vaults`, { body: vaultBody('replayed') });
    expect(await send(signed), 200);
    const again = await send(signed);
    expectCbr401(again);
    assert.match(again.json.error_msg, /used already/);
    assert.equal(await vaultsNamed('replayed'), 1);
    // An update (PUT) too.
    const id = (await send(sign('GET', `/v3/${project}/vaults?name=replayed`))).json.vaults[0].id;
    const rename = sign('PUT', `/v3/${project}/vaults/${id}`, {
      body: JSON.stringify({ vault: { name: 'renamed' } }),
    });
    expect(await send(rename), 200);
    expectCbr401(await send(rename));
    // A read is replayable within the window.
    const read = sign('GET', `/v3/${project}/vaults?name=renamed`);
    for (let i = 0; i < 3; i++) {
      const r = await send(read);
      expect(r, 200);
      assert.equal(r.json.vaults.length, 1);
    }
  });

  test('a write refused with 4xx still spends its signature', async () => {
    // Authenticated, then refused by validation (no billing): 400, and the signature is gone.
    const bad = JSON.stringify({ vault: { name: 'no-billing', resources: [] } });
    const signed = sign('POST', `/v3/${project}/vaults`, { body: bad });
    const first = await send(signed);
    expect(first, 400);
    expectCbr401(await send(signed));
    // Refused by the handler (unknown vault): 404, then 401.
    const del = sign('DELETE', `/v3/${project}/vaults/${randomUUID()}`);
    expect(await send(del), 404);
    expectCbr401(await send(del));
  });

  test('X-Sdk-Date beyond the window either way: 401; just within it: accepted', async () => {
    const at = (ms: number) => new Date(clock.getTime() + ms);
    for (const [offset, status, name] of [
      [-SDK_DATE_WINDOW_MS - 1000, 401, 'skew-past-out'],
      [SDK_DATE_WINDOW_MS + 1000, 401, 'skew-future-out'],
      [-SDK_DATE_WINDOW_MS, 200, 'skew-past-in'],
      [SDK_DATE_WINDOW_MS, 200, 'skew-future-in'],
    ] as const) {
      const r = await send(
        sign('POST', `/v3/${project}/vaults`, { body: vaultBody(name), date: at(offset) }),
      );
      expect(r, status);
      if (status === 401) assert.match(r.json.error_msg, /15 minutes/);
      assert.equal(await vaultsNamed(name), status === 200 ? 1 : 0, name);
    }
    // A read is refused out of the window as well.
    expectCbr401(await send(sign('GET', `/v3/${project}/vaults`, { date: at(-SDK_DATE_WINDOW_MS - 1000) })));
  });

  test('a write replayed to HSS and Cinder: 401 in their own error bodies', async () => {
    const hss = sign('DELETE', `/v5/${project}/ransomware/duplication/${randomUUID()}`);
    const h1 = await send(hss);
    expect(h1, 400);
    assert.equal(h1.json.error_code, 'HSS.0011', h1.body);
    const h2 = await send(hss);
    expect(h2, 401);
    assert.equal(h2.json.error_code, 'HSS.0010', h2.body);
    assert.match(h2.json.error_msg, /used already/);

    const cinder = sign('DELETE', `/volume/v3/${project}/backups/${randomUUID()}`);
    const c1 = await send(cinder);
    expect(c1, 404);
    assert.equal(c1.json.itemNotFound.code, 404, c1.body);
    const c2 = await send(cinder);
    expect(c2, 401);
    assert.equal(c2.json.unauthorized.code, 401, c2.body);
  });

  test('a signed Keystone read (GET /v3/projects) is replayable', async () => {
    const read = sign('GET', '/v3/projects?name=admin');
    for (let i = 0; i < 2; i++) {
      const r = await send(read);
      expect(r, 200);
      assert.deepEqual(
        r.json.projects.map((x: J) => x.id),
        [project],
      );
    }
  });

  test('a write replayed after a restart on the same catalog: 401', async () => {
    const signed = sign('POST', `/v3/${project}/vaults`, { body: vaultBody('before-restart') });
    expect(await send(signed), 200);
    await p.close();
    p = await start();
    expectCbr401(await send(signed));
    assert.equal(await vaultsNamed('before-restart'), 1);
    // A new signature of the same request is fine.
    clock = new Date(clock.getTime() + 1000);
    expect(await send(sign('POST', `/v3/${project}/vaults`, { body: vaultBody('before-restart') })), 200);
    assert.equal(await vaultsNamed('before-restart'), 2);
  });

  test('two nodes on one catalog racing on one signature: exactly one wins', async () => {
    const other = await start();
    try {
      for (let trial = 0; trial < 5; trial++) {
        const name = `race-${trial}`;
        const signed = sign('POST', `/v3/${project}/vaults`, { body: vaultBody(name) });
        const answers = await Promise.all([send(signed, p.app), send(signed, other.app)]);
        const statuses = answers.map((r) => r.status).sort();
        if (statuses[0] !== 200 || statuses[1] !== 401) tally.failures++;
        assert.deepEqual(statuses, [200, 401], `trial ${trial}`);
        assert.equal(await vaultsNamed(name), 1);
      }
    } finally {
      await other.close();
    }
  });

  test('spent signatures are purged once past the window (injected clock)', async () => {
    const count = async () =>
      Number(
        (
          await p.ctx.db
            .selectFrom('spent_signatures')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    assert.ok(before > 0);
    // Long past every recorded X-Sdk-Date's window (and the purge's grace): the next write purges them.
    clock = new Date(clock.getTime() + 3 * SDK_DATE_WINDOW_MS + 60_000);
    const fresh = sign('POST', `/v3/${project}/vaults`, { body: vaultBody('after-purge') });
    expect(await send(fresh), 200);
    assert.equal(await count(), 1, 'only the fresh signature is left');
    expectCbr401(await send(fresh));
    console.log(`signing suite: ${tally.requests} requests, ${tally.failures} unexpected answers`);
    assert.equal(tally.failures, 0);
  });
});
