// Fuzzes every operation of /openapi.json with bounded, seeded hostile requests (requests.ts) against the
// app on a real catalog and object store, and asserts: no 5xx, every error in the body of the route's
// protocol, no write accepted, and nothing stored changed (snapshot.ts says which read-side columns are
// ignored). Oversized bodies go over a real socket (inject never resets a connection).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { J } from '../cbr/helpers.js';
import { errorShapeProblem, protocolOf } from './error-shapes.js';
import { rng } from './prng.js';
import { type FuzzIds, type FuzzRequest, hostileRequests, operationsOf } from './requests.js';
import { type World, startWorld } from './seed.js';
import { stateDiff, storedState } from './snapshot.js';
import { sendOverSocket } from './socket.js';

const SEED = 20261202;
const PER_OPERATION = 40;

let w: World;
before(async () => {
  w = await startWorld();
  // Nothing runs behind the requests' back: a job a hostile request enqueued would show in the dump.
  await w.h.ctx.jobs.stop();
});
after(async () => {
  await w.h.close();
});

function fuzzIds(): FuzzIds {
  const { a, b } = w;
  return {
    token: w.h.a.token,
    real(name, path) {
      if (name === 'project_id') return w.h.a.projectId;
      if (name === 'id') return path.includes('/servers/') ? a.serverId : a.volumeId;
      if (name === 'vault_id') return a.diskVaultId;
      if (name === 'checkpoint_id') return a.checkpointId;
      if (name === 'backup_id') return path.startsWith('/v5/') ? a.serverBackupId : a.diskBackupId;
      if (name === 'operation_log_id') return a.operationLogId;
      if (name === 'protectable_type') return 'disk';
      if (name === 'instance_id' || name === 'volume_id') return a.volumeId;
      return null;
    },
    other(name, path) {
      if (name === 'project_id') return w.h.b.projectId;
      if (name === 'vault_id') return b.vaultId;
      if (name === 'instance_id' || name === 'volume_id') return b.volumeId;
      if (name === 'id' && path.includes('/volumes/')) return b.volumeId;
      if (name === 'checkpoint_id') return b.checkpointId;
      if (name === 'backup_id') return b.backupId;
      if (name === 'operation_log_id') return b.operationLogId;
      return null;
    },
  };
}

interface Failure {
  request: string;
  problem: string;
}

test('every operation of /openapi.json survives hostile requests', { timeout: 240_000 }, async () => {
  const h = w.h;
  const docRes = await h.app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(docRes.statusCode, 200);
  const doc = docRes.json() as J;
  const ops = operationsOf(doc);
  assert.ok(ops.length > 80, `${ops.length} operations`);
  const r = rng(SEED);
  const ids = fuzzIds();
  const store = () => storedState(h.ctx.config.catalogPath, `${h.dir}/objects`);
  const before = store();
  const failures: Failure[] = [];
  const statuses = new Map<number, number>();
  let sent = 0;
  const started = Date.now();

  const check = (req: FuzzRequest, status: number, body: string) => {
    sent++;
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const what = `${req.method} ${req.url.slice(0, 100)} [${req.label}]`;
    if (status >= 500) failures.push({ request: what, problem: `${status} ${body.slice(0, 200)}` });
    else if (status >= 400) {
      const problem = errorShapeProblem(protocolOf(req.url), status, body);
      if (problem) failures.push({ request: what, problem: `${status} ${problem}` });
    } else if (req.method !== 'GET') {
      failures.push({
        request: what,
        problem: `a write accepted hostile input: ${status} ${body.slice(0, 200)}`,
      });
    }
  };

  for (const o of ops) {
    for (const req of hostileRequests(o, { doc, ids, rng: r, perOperation: PER_OPERATION })) {
      const res = await h.app.inject({
        method: req.method as 'GET',
        url: req.url,
        headers: req.headers,
        ...(req.payload === undefined ? {} : { payload: req.payload }),
      });
      check(req, res.statusCode, res.body);
    }
  }

  // Oversized bodies, one per operation that takes a body, over a real socket (closed with the harness).
  const port = Number(new URL(await h.app.listen({ host: '127.0.0.1', port: 0 })).port);
  for (const o of ops.filter((x) => x.op.requestBody)) {
    const url = o.path.replace(/\{([^}]+)\}/g, (_m, p: string) => ids.real(p, o.path) ?? 'f0000000');
    const headers = { 'content-type': 'application/json', 'x-auth-token': ids.token };
    const res = await sendOverSocket(port, o.method, url, headers, 4 * w.bodyLimit);
    const req: FuzzRequest = { method: o.method, url, headers, label: 'oversized body (socket)' };
    if (res.error) failures.push({ request: `${o.method} ${url}`, problem: `socket error ${res.error}` });
    if (res.status !== 413)
      failures.push({ request: `${o.method} ${url}`, problem: `oversized body: ${res.status}` });
    check(req, res.status, res.body);
  }

  const diff = stateDiff(before, store());
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const byStatus = [...statuses.entries()].sort((x, y) => x[0] - y[0]).map(([s, n]) => `${s}:${n}`);
  console.log(
    `openapi fuzz: ${ops.length} operations, ${sent} requests in ${seconds}s, ${failures.length} failures, ` +
      `${diff.length} stored changes; statuses ${byStatus.join(' ')}`,
  );
  for (const f of failures.slice(0, 40)) console.log(`  FAIL ${f.request}: ${f.problem}`);
  for (const d of diff.slice(0, 20)) console.log(`  CHANGED ${d}`);
  assert.equal(failures.length, 0, `${failures.length} failures (first: ${JSON.stringify(failures[0])})`);
  assert.deepEqual(diff, []);
  assert.ok(sent > 2000, `${sent} requests`);
});
