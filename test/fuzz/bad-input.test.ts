// Bad input the OpenAPI fuzz run found, one test each: a huge list offset, errors Fastify raises before
// routing (bad percent-encoding, over-long path segment, oversized body on a real socket) answered in the
// protocol's own body, text no protocol may store (NUL, lone surrogates, control characters in names), and
// an HSS restore naming a server that does not hold the disk.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildCinderApp } from '../../src/api/cinder/listener.js';
import type { J } from '../cbr/helpers.js';
import { errorShapeProblem, protocolOf } from './error-shapes.js';
import { type World, startWorld } from './seed.js';
import { stateDiff, storedState } from './snapshot.js';
import { sendOverSocket } from './socket.js';

let w: World;
let pa: string;

before(async () => {
  w = await startWorld();
  pa = w.h.a.projectId;
});
after(async () => {
  await w.h.close();
});

function assertProtocolError(url: string, r: { status: number; body: string }, status: number) {
  const at = url.slice(0, 120);
  assert.equal(r.status, status, `${at}: ${r.body.slice(0, 300)}`);
  assert.equal(errorShapeProblem(protocolOf(url), r.status, r.body), null, at);
}

let listening: Promise<number> | null = null;
/** The harness's app on a loopback port (closed with the harness). */
const port = () => {
  listening ??= w.h.app.listen({ host: '127.0.0.1', port: 0 }).then((u) => Number(new URL(u).port));
  return listening;
};

const stored = () => storedState(w.h.ctx.config.catalogPath, `${w.h.dir}/objects`);

describe('inventory paging', () => {
  for (const what of ['volumes', 'servers']) {
    test(`an offset past 2^53 on ${what} is a 400 naming offset, not a 500`, async () => {
      const url = `/opencbr/v1/${pa}/${what}?offset=99999999999999999999`;
      const r = await w.h.req('GET', url);
      assertProtocolError(url, r, 400);
      assert.match(r.json.error_msg, /offset/);
      const ok = await w.h.req('GET', `/opencbr/v1/${pa}/${what}?offset=${Number.MAX_SAFE_INTEGER}`);
      assert.equal(ok.status, 200, ok.body);
      assert.equal(ok.json[what].length, 0);
    });
  }
});

describe('errors raised before routing use the protocol body', () => {
  const urls = () => ({
    cbr: `/v3/${pa}/vaults/ID`,
    opencbr: `/opencbr/v1/${pa}/volumes/ID`,
    cinder: `/volume/v3/${pa}/backups/ID`,
    hss: `/v5/${pa}/ransomware/backup/ID`,
    keystone: '/identity/v3/auth/tokens/ID',
  });
  test('an unknown URL is a 404 in the body of the protocol whose URL space it is in', async () => {
    for (const url of Object.values(urls()).map((u) => u.replace('ID', 'a/b/c'))) {
      assertProtocolError(url, await w.h.req('GET', url), 404);
    }
  });
  test('bad percent-encoding is a 400', async () => {
    for (const url of Object.values(urls()).map((u) => u.replace('ID', '%ZZ'))) {
      assertProtocolError(url, await w.h.req('GET', url), 400);
    }
  });
  test('a path segment over the router limit is a 414', async () => {
    // Keystone's URLs have no path parameter.
    const { keystone: _, ...withParams } = urls();
    for (const url of Object.values(withParams).map((u) => u.replace('ID', 'a'.repeat(10_000)))) {
      assertProtocolError(url, await w.h.req('GET', url), 414);
    }
  });
  test("a URL past Node's header limit on a real socket is a 414 in the protocol's body", async () => {
    const { keystone: _, ...withParams } = urls();
    for (const url of Object.values(withParams).map((u) => u.replace('ID', 'a'.repeat(20_000)))) {
      const r = await sendOverSocket(await port(), 'GET', url, {}, 0);
      assertProtocolError(url, r, 414);
    }
  });
  test("the Cinder listener answers them in Cinder's fault body", async () => {
    const cinder = await buildCinderApp(w.h.ctx);
    try {
      for (const url of [`/v3/${pa}/backups/%ZZ`, `/v3/${pa}/backups/${'a'.repeat(10_000)}`]) {
        const r = await cinder.inject({ method: 'GET', url, headers: { 'x-auth-token': w.h.a.token } });
        assert.equal(errorShapeProblem('cinder', r.statusCode, r.body), null, r.body.slice(0, 200));
        assert.ok(r.statusCode === 400 || r.statusCode === 414, String(r.statusCode));
      }
    } finally {
      await cinder.close();
    }
  });
  test('an oversized body on a real socket gets a 413, not a reset connection', async () => {
    for (const url of [
      `/v3/${pa}/vaults`,
      `/opencbr/v1/${pa}/volumes`,
      `/volume/v3/${pa}/backups`,
      `/v5/${pa}/ransomware/protection/policy`,
      '/v3/auth/tokens',
    ]) {
      const headers = { 'content-type': 'application/json', 'x-auth-token': w.h.a.token };
      const r = await sendOverSocket(await port(), 'POST', url, headers, 64 * w.bodyLimit);
      assert.equal(r.error, null, `${url}: the client saw ${r.error}`);
      assertProtocolError(url, r, 413);
    }
  });
});

describe('text no protocol stores', () => {
  const bad = { nul: 'a\u0000b', surrogate: 'a\ud800b', control: 'a\u0007b' };
  const requests = (name: string): Array<{ url: string; method: 'POST' | 'PUT'; body: J }> => [
    {
      url: `/opencbr/v1/${pa}/volumes`,
      method: 'POST',
      body: { volume: { name, path: `${w.h.volumeRoot}/x.img` } },
    },
    {
      url: `/v3/${pa}/vaults`,
      method: 'POST',
      body: {
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
      },
    },
    { url: `/v3/${pa}/vaults/${w.a.diskVaultId}`, method: 'PUT', body: { vault: { name } } },
    { url: `/volume/v3/${pa}/backups`, method: 'POST', body: { backup: { volume_id: w.a.volumeId, name } } },
    {
      url: `/v5/${pa}/ransomware/protection/policy`,
      method: 'POST',
      body: {
        policy_name: name,
        protection_mode: 'alarm_only',
        protection_directory: '/srv',
        protection_type: 'docx',
        operating_system: 'Linux',
      },
    },
  ];
  for (const [kind, name] of Object.entries(bad)) {
    test(`a name with a ${kind} character is a 400 in each protocol's body and nothing is stored`, async () => {
      const before = stored();
      for (const r of requests(name)) {
        assertProtocolError(r.url, await w.h.req(r.method, r.url, { body: r.body }), 400);
      }
      assert.deepEqual(stateDiff(before, stored()), []);
    });
  }
  test('a description may hold a newline, but not a NUL; a body that is not UTF-8 is refused', async () => {
    const url = `/v3/${pa}/vaults/${w.a.diskVaultId}`;
    assertProtocolError(url, await w.h.req('PUT', url, { body: { vault: { description: 'a\u0000' } } }), 400);
    const ok = await w.h.req('PUT', url, { body: { vault: { description: 'line 1\nline 2' } } });
    assert.equal(ok.status, 200, ok.body);
    const before = stored();
    const bytes = Buffer.from('{"vault":{"name":"x\xff"}}', 'latin1');
    const r = await w.h.app.inject({
      method: 'PUT',
      url,
      headers: { 'content-type': 'application/json', 'x-auth-token': w.h.a.token },
      payload: bytes,
    });
    assertProtocolError(url, { status: r.statusCode, body: r.body }, 400);
    assert.deepEqual(stateDiff(before, stored()), []);
  });
});

test('a body nested 5000 levels deep is a 400, not a 500 (the text check walks it without recursion)', async () => {
  const url = `/v3/${pa}/vaults`;
  const deep = `{"vault":${'['.repeat(5000)}${']'.repeat(5000)}}`;
  assertProtocolError(url, await w.h.req('POST', url, { rawBody: deep }), 400);
});

describe('HSS restore of a disk backup', () => {
  const url = () => `/v5/${pa}/ransomware/duplication/${w.a.childBackupId}/restore`;
  test('an unknown server_id is refused in the HSS body and nothing is restored', async () => {
    const before = stored();
    const r = await w.h.req('POST', url(), { body: { server_id: 'garbage' } });
    assertProtocolError(url(), r, 400);
    assert.equal(r.json.error_code, 'HSS.0011');
    assert.deepEqual(stateDiff(before, stored()), []);
  });
  test("a server that does not hold the disk is refused (another project's too)", async () => {
    const other = await w.h.server('fuzz-other-host', [(await w.h.volume('fuzz-other', 64 * 1024)).id]);
    const before = stored();
    const r = await w.h.req('POST', url(), { body: { server_id: other.id } });
    assertProtocolError(url(), r, 400);
    assert.equal(r.json.error_code, 'HSS.0001');
    assert.match(r.json.error_msg, /not attached/);
    assert.deepEqual(stateDiff(before, stored()), []);
  });
  test('the server holding the disk restores it', async () => {
    const r = await w.h.req('POST', url(), { body: { server_id: w.a.serverId } });
    assert.equal(r.status, 200, r.body);
    await w.h.drain();
  });
});
