// Operations endpoints through the app: a backup and a restore through the CBR API, then /metrics scraped and
// its figures held against what the API answers; /health and /ready (and /ready when the object store is
// gone); who may scrape; request ids in the response headers, the request's log line and the operation log.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { buildApp } from '../../src/app.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { runDuePolicies } from '../../src/services/policy-runs.js';
import { protocolDeps } from '../../src/services/protocol-deps.js';
import { currentRequestId, inRequestScope } from '../../src/services/request-scope.js';
import { type Harness, type J, MiB, createVault, startHarness } from '../cbr/helpers.js';

/** `name{labels} value` lines of an exposition, as a lookup by name and label subset. */
function parse(text: string) {
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  const pick = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return {
    /** The one sample of `name` with these labels (fails when there is none or several). */
    value(name: string, labels: Record<string, string> = {}): number {
      const found = pick(name, labels);
      assert.equal(found.length, 1, `one ${name} ${JSON.stringify(labels)}: ${JSON.stringify(found)}`);
      return found[0]!.value;
    },
    has: (name: string, labels: Record<string, string> = {}) => pick(name, labels).length > 0,
  };
}

describe('ops endpoints', () => {
  let h: Harness;
  const lines: J[] = [];
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  const scrape = async () => {
    const r = await h.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(r.statusCode, 200, r.body);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return parse(r.body);
  };

  it('scraped after a backup and a restore, the figures are the API figures', async () => {
    const v1 = await h.volume('m1', 3 * MiB);
    const v2 = await h.volume('m2', 2 * MiB, Buffer.alloc(2 * MiB, 7));
    const vault = await createVault(h, 'disk', [
      { id: v1.id, type: 'OS::Cinder::Volume' },
      { id: v2.id, type: 'OS::Cinder::Volume' },
    ]);
    const cp = await h.req('POST', `/v3/${h.a.projectId}/checkpoints`, {
      body: { checkpoint: { vault_id: vault.id, parameters: {} } },
      headers: { 'x-request-id': 'backup-req-42' },
    });
    assert.equal(cp.status, 200, cp.body);
    assert.equal(cp.headers['x-request-id'], 'backup-req-42');
    assert.equal(cp.headers['x-openstack-request-id'], 'backup-req-42');
    await h.drain();
    const backups = (await h.req('GET', `/v3/${h.a.projectId}/backups?vault_id=${vault.id}`)).json;
    assert.equal(backups.count, 2);
    for (const b of backups.backups) assert.equal(b.status, 'available');

    const restoreOf = backups.backups.find((b: J) => b.resource_id === v1.id);
    const rs = await h.req('POST', `/v3/${h.a.projectId}/backups/${restoreOf.id}/restore`, {
      body: { restore: { volume_id: v1.id } },
    });
    assert.equal(rs.status, 202, rs.body);
    await h.drain();

    const shown = (await h.req('GET', `/v3/${h.a.projectId}/vaults/${vault.id}`)).json.vault;
    const storedByApi = shown.resources.reduce((a: number, r: J) => a + r.backup_size, 0);
    const m = await scrape();
    const labels = { vault_id: vault.id };
    // Every backup of this server ran in this process, so the stored counter is the sum the API reports.
    assert.ok(storedByApi > 0);
    assert.equal(m.value('opencbr_data_bytes_total', { direction: 'stored' }), storedByApi);
    assert.equal(m.value('opencbr_data_bytes_total', { direction: 'read' }), 5 * MiB);
    assert.equal(m.value('opencbr_data_bytes_total', { direction: 'restored' }), 3 * MiB);
    const used = m.value('opencbr_vault_used_bytes', labels);
    assert.equal(Math.ceil(used / MiB), shown.billing.used, 'billing.used is the same bytes, in MB');
    assert.equal(m.value('opencbr_vault_capacity_bytes', labels), shown.billing.size * 1024 ** 3);
    assert.equal(m.value('opencbr_vault_backups', { ...labels, status: 'available' }), backups.count);
    assert.equal(m.value('opencbr_vault_protected_bytes', labels), 5 * MiB);
    // The 2 MiB of one repeated byte are stored in far fewer bytes: both ratios are above 1.
    assert.equal(m.value('opencbr_vault_dedup_ratio', labels), (5 * MiB) / used);
    assert.ok(m.value('opencbr_vault_dedup_ratio', labels) > 1);
    assert.ok(m.value('opencbr_vault_compression_ratio', labels) > 1);
    assert.equal(m.value('opencbr_jobs_total', { type: 'backup', outcome: 'succeeded' }), 2);
    assert.equal(m.value('opencbr_jobs_total', { type: 'restore', outcome: 'succeeded' }), 1);
    assert.equal(m.value('opencbr_job_duration_seconds_count', { type: 'backup', outcome: 'succeeded' }), 2);
    // By route pattern, not by URL: the two vault GETs above share one series.
    const route = '/v3/:project_id/checkpoints';
    assert.equal(m.value('opencbr_http_requests_total', { method: 'POST', route, status: '200' }), 1);
    assert.equal(
      m.value('opencbr_http_request_duration_seconds_count', { method: 'POST', route, status: '200' }),
      1,
    );
    assert.ok(!m.has('opencbr_http_requests_total', { route: `/v3/${h.a.projectId}/checkpoints` }));

    // The operation log of the backup names the request that started it; the restore's its own.
    const logs = (await h.req('GET', `/v3/${h.a.projectId}/operation-logs?vault_id=${vault.id}`)).json;
    const backupLogs = logs.operation_logs.filter((o: J) => o.operation_type === 'backup');
    assert.equal(backupLogs.length, 2);
    for (const o of backupLogs) assert.equal(o.extra_info.common.request_id, 'backup-req-42');
    const restoreLog = logs.operation_logs.find((o: J) => o.operation_type === 'restore');
    assert.equal(restoreLog.extra_info.common.request_id, rs.headers['x-request-id']);
    assert.match(String(rs.headers['x-request-id']), /^req-[0-9a-f-]{36}$/);
  });

  it('a deleted backup is counted by gc and leaves the vault gauges', async () => {
    const vol = await h.volume('gone', 1 * MiB);
    const vault = await createVault(h, 'disk', [{ id: vol.id, type: 'OS::Cinder::Volume' }], 'vault-gc');
    await h.req('POST', `/v3/${h.a.projectId}/checkpoints`, {
      body: { checkpoint: { vault_id: vault.id, parameters: {} } },
    });
    await h.drain();
    const [b] = (await h.req('GET', `/v3/${h.a.projectId}/backups?vault_id=${vault.id}`)).json.backups;
    const before = await scrape();
    const runsBefore = before.has('opencbr_gc_runs_total', { outcome: 'done' })
      ? before.value('opencbr_gc_runs_total', { outcome: 'done' })
      : 0;
    assert.equal((await h.req('DELETE', `/v3/${h.a.projectId}/backups/${b.id}`)).status, 204);
    await h.drain();
    const m = await scrape();
    assert.ok(m.value('opencbr_gc_runs_total', { outcome: 'done' }) > runsBefore);
    assert.ok(m.value('opencbr_gc_reclaimed_bytes_total') > 0);
    assert.ok(!m.has('opencbr_vault_backups', { vault_id: vault.id, status: 'available' }));
    assert.equal(m.value('opencbr_vault_protected_bytes', { vault_id: vault.id }), 0);
  });

  it('scheduler lag: how late the latest claimed policy slot was claimed', async () => {
    const vol = await h.volume('lag', MiB);
    const vault = await createVault(h, 'disk', [{ id: vol.id, type: 'OS::Cinder::Volume' }], 'vault-lag');
    const policy = await h.req('POST', `/v3/${h.a.projectId}/policies`, {
      body: {
        policy: {
          name: 'lag',
          operation_type: 'backup',
          operation_definition: { max_backups: 5 },
          trigger: { properties: { pattern: ['FREQ=DAILY;BYHOUR=2;BYMINUTE=00'] } },
        },
      },
    });
    assert.equal(policy.status, 200, policy.body);
    const p = policy.json.policy;
    const bound = await h.req('POST', `/v3/${h.a.projectId}/vaults/${vault.id}/associatepolicy`, {
      body: { policy_id: p.id },
    });
    assert.equal(bound.status, 200, bound.body);
    const created = Date.parse(`${p.trigger.properties.start_time.replace(' ', 'T')}Z`);
    const DAY = 86_400_000;
    const slot = Math.floor(created / DAY) * DAY + DAY + 2 * 3_600_000;
    // The pass runs 95 s after the 02:00 slot fell due (the process was busy or down).
    const reports = await runDuePolicies(protocolDeps(h.ctx), new Date(slot + 95_000));
    assert.ok(reports.some((r) => r.policyId === p.id && r.checkpointId));
    await h.drain();
    assert.equal((await scrape()).value('opencbr_scheduler_lag_seconds'), 95);
  });

  it('a job woken by a request does not run in the scope of that request', async () => {
    // A queue of its own that polls once an hour, so the request's commit is what wakes it.
    const q = new JobQueue(h.ctx.catalog.jobs, { pollMs: 3_600_000, soleWorker: false });
    const seen: Array<string | null> = [];
    q.register('ops-scope-probe', {
      run: async () => {
        seen.push(currentRequestId());
      },
    });
    await q.start();
    try {
      await q.drain();
      await inRequestScope('waking-request', async () => {
        assert.equal(currentRequestId(), 'waking-request');
        await q.enqueue('ops-scope-probe', {});
      });
      await q.drain();
      assert.deepEqual(seen, [null]);
    } finally {
      await q.stop();
    }
  });

  it('/health answers while the process lives; /ready names the part that is unreachable', async () => {
    const health = await h.app.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { status: 'ok' });
    const ready = await h.app.inject({ method: 'GET', url: '/ready' });
    assert.equal(ready.statusCode, 200, ready.body);
    assert.deepEqual(ready.json(), {
      status: 'ready',
      checks: { catalog: { ok: true }, object_store: { ok: true } },
    });
    const engine = h.ctx.engine;
    h.ctx.engine = null;
    try {
      const down = await h.app.inject({ method: 'GET', url: '/ready' });
      assert.equal(down.statusCode, 503);
      const j = down.json();
      assert.equal(j.status, 'unavailable');
      assert.deepEqual(j.checks.catalog, { ok: true });
      assert.equal(j.checks.object_store.ok, false);
      assert.match(j.checks.object_store.error, /not open/);
    } finally {
      h.ctx.engine = engine;
    }
  });

  it('metrics are served to loopback clients only by default', async () => {
    const far = await h.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '192.0.2.9' });
    assert.equal(far.statusCode, 403);
    assert.match(far.json().error.message, /loopback/);
    const v6 = await h.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '::1' });
    assert.equal(v6.statusCode, 200);
  });

  it('one log line per request, with the request id it answered with', async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
        done();
      },
    });
    const app = await buildApp(h.ctx, { loggerInstance: pino({ level: 'info' }, sink) });
    try {
      await app.ready();
      const r = await app.inject({
        method: 'GET',
        url: `/v3/${h.a.projectId}/vaults?limit=1`,
        headers: { 'x-auth-token': h.a.token, 'x-request-id': 'not a sane id\u0007' },
      });
      assert.equal(r.statusCode, 200, r.body);
      const id = String(r.headers['x-request-id']);
      assert.match(id, /^req-[0-9a-f-]{36}$/, 'an unsafe client id is replaced');
      assert.equal(r.headers['x-openstack-request-id'], id);
      const mine = lines.filter((l) => l.reqId === id);
      assert.equal(mine.length, 1, JSON.stringify(lines));
      assert.equal(mine[0].msg, 'request');
      assert.equal(mine[0].route, '/v3/:project_id/vaults');
      assert.equal(mine[0].status, 200);
      assert.equal(mine[0].method, 'GET');
      assert.equal(typeof mine[0].ms, 'number');
    } finally {
      await app.close();
    }
  });
});

describe('metrics restricted by token and address list', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      engine: false,
      startJobs: false,
      env: { OPENCBR_METRICS_TOKEN: 'scrape-s3cret', OPENCBR_METRICS_ALLOW: '192.0.2.10, ::1' },
    });
  });
  after(async () => {
    await h.close();
  });

  const get = (remoteAddress: string, authorization?: string) =>
    h.app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress,
      headers: authorization ? { authorization } : {},
    });

  it('needs the bearer token from an allowed address', async () => {
    const none = await get('192.0.2.10');
    assert.equal(none.statusCode, 401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    assert.equal((await get('192.0.2.10', 'Bearer wrong-token')).statusCode, 401);
    assert.equal((await get('192.0.2.10', 'Basic c2NyYXBlLXMzY3JldA==')).statusCode, 401);
    const ok = await get('192.0.2.10', 'Bearer scrape-s3cret');
    assert.equal(ok.statusCode, 200, ok.body);
    // This context's registry only: the other suite's backups are not counted here.
    assert.ok(!parse(ok.body).has('opencbr_jobs_total'));
    assert.equal((await get('::ffff:192.0.2.10', 'Bearer scrape-s3cret')).statusCode, 200);
    assert.equal((await get('::1', 'Bearer scrape-s3cret')).statusCode, 200);
  });

  it('refuses any other address, loopback included, even with the token', async () => {
    const r = await get('127.0.0.1', 'Bearer scrape-s3cret');
    assert.equal(r.statusCode, 403);
    assert.match(r.json().error.message, /OPENCBR_METRICS_ALLOW/);
    assert.equal((await get('192.0.2.11', 'Bearer scrape-s3cret')).statusCode, 403);
  });

  it('/health and /ready stay open to probes', async () => {
    const health = await h.app.inject({ method: 'GET', url: '/health', remoteAddress: '198.51.100.1' });
    assert.equal(health.statusCode, 200);
    // No engine was opened in this context: not ready, and it says why.
    const ready = await h.app.inject({ method: 'GET', url: '/ready', remoteAddress: '198.51.100.1' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().checks.object_store.ok, false);
  });
});
