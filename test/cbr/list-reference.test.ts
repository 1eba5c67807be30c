// ListBackups filter/sort/paging combinations against 12,000 seeded backups, checked with an in-memory
// reference implementation of the documented semantics (count = matches before paging).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SEED_AZS, SEED_NAMES, type SeedResult, prng, seedBackups } from '../../bench/api-seed.js';
import { sqlCbrRepositories } from '../../src/catalog/repositories/index.js';
import type { Backup } from '../../src/domain/cbr-model.js';
import { type Harness, startHarness } from './helpers.js';

const GIB = 1024 ** 3;
let h: Harness;
let seeded: SeedResult;
let other: SeedResult;

before(async () => {
  h = await startHarness({ engine: false, startJobs: false });
  const store = sqlCbrRepositories(h.ctx.db);
  seeded = await seedBackups(store, { projectId: h.a.projectId, count: 12_000, seed: 7, keep: true });
  other = await seedBackups(store, {
    projectId: h.b.projectId,
    count: 500,
    seed: 8,
    keep: true,
    vaultCount: 1,
  });
});
after(async () => {
  await h.close();
});

type Key = 'created_at' | 'updated_at' | 'name' | 'status' | 'protected_at' | 'id';
const field: Record<Key, (b: Backup) => string> = {
  created_at: (b) => b.createdAt,
  updated_at: (b) => b.updatedAt,
  name: (b) => b.name,
  status: (b) => b.status,
  protected_at: (b) => b.protectedAt ?? '',
  id: (b) => b.id,
};

interface Ref {
  pred: Array<(b: Backup) => boolean>;
  sort: Array<{ key: Key; dir: 'asc' | 'desc' }>;
  limit: number;
  offset: number;
  marker?: string;
}

function reference(all: Backup[], r: Ref): { ids: string[]; count: number } {
  const matches = all.filter((b) => r.pred.every((p) => p(b)));
  const sort = [...r.sort];
  if (!sort.some((s) => s.key === 'id')) sort.push({ key: 'id', dir: sort[0]!.dir });
  const cmp = (a: Backup, b: Backup) => {
    for (const s of sort) {
      const x = field[s.key](a);
      const y = field[s.key](b);
      if (x !== y) return (x < y ? -1 : 1) * (s.dir === 'asc' ? 1 : -1);
    }
    return 0;
  };
  matches.sort(cmp);
  let rows = matches;
  if (r.marker) {
    const m = all.find((b) => b.id === r.marker)!;
    rows = rows.filter((b) => cmp(b, m) > 0);
  }
  return { ids: rows.slice(r.offset, r.offset + r.limit).map((b) => b.id), count: matches.length };
}

async function list(q: string): Promise<{ ids: string[]; count: number }> {
  const r = await h.req('GET', `/v3/${h.a.projectId}/backups?${q}`);
  assert.equal(r.status, 200, `${q}: ${r.body}`);
  return { ids: r.json.backups.map((b: { id: string }) => b.id), count: r.json.count };
}

const ts = (canonical: string) => `${canonical.slice(0, 19)}Z`;

test('random filter/sort/paging combinations match the reference', async () => {
  const rand = prng(99);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const all = seeded.backups;
  const servers = all.filter((b) => b.resourceKind === 'server' && b.parentId === null);
  const times = all.map((b) => b.createdAt).sort();
  let nonEmpty = 0;
  for (let i = 0; i < 160; i++) {
    const q: string[] = [];
    const r: Ref = { pred: [], sort: [{ key: 'created_at', dir: 'desc' }], limit: 1000, offset: 0 };
    const on = (p: number) => rand() < p;
    if (on(0.15)) {
      const p = pick(servers).id;
      q.push(`parent_id=${p}`);
      r.pred.push((b) => b.parentId === p);
    } else r.pred.push((b) => b.parentId === null);
    if (on(0.4)) {
      const v = pick(seeded.vaults).id;
      q.push(`vault_id=${v}`);
      r.pred.push((b) => b.vaultId === v);
    }
    if (on(0.4)) {
      const st = [
        ...new Set([
          pick(['available', 'error', 'protecting']),
          pick(['available', 'deleting', 'restoring']),
        ]),
      ];
      for (const s of on(0.5) ? st : st.slice(0, 1)) q.push(`status=${s}`);
      const set = new Set(on(0.5) ? st : st.slice(0, 1));
      const chosen = q.filter((x) => x.startsWith('status=')).map((x) => x.slice(7));
      r.pred.push((b) => chosen.includes(b.status));
      void set;
    }
    if (on(0.1)) {
      const c = pick(seeded.checkpointIds);
      q.push(`checkpoint_id=${c}`);
      r.pred.push((b) => b.checkpointId === c);
    }
    if (on(0.15)) {
      const id = pick(seeded.resourceIds);
      q.push(`resource_id=${id}`);
      r.pred.push((b) => b.resourceId === id);
    }
    if (on(0.2)) {
      const n = pick(SEED_NAMES);
      q.push(`name=${encodeURIComponent(n)}`);
      r.pred.push((b) => b.name === n);
    }
    if (on(0.15)) {
      const n = `res-${Math.floor(rand() * 20)}`;
      q.push(`resource_name=${n}`);
      r.pred.push((b) => b.resourceName === n);
    }
    if (on(0.15)) {
      const az = pick(SEED_AZS.filter((x) => x !== null));
      q.push(`resource_az=${az}`);
      r.pred.push((b) => b.resourceAz === az);
    }
    if (on(0.2)) {
      const t = pick(['OS::Nova::Server', 'OS::Cinder::Volume']);
      q.push(`resource_type=${t}`);
      r.pred.push((b) => b.resourceKind === (t === 'OS::Nova::Server' ? 'server' : 'volume'));
    }
    if (on(0.15)) {
      const t = pick(['backup', 'replication']);
      q.push(`image_type=${t}`);
      r.pred.push((b) => b.imageType === t);
    }
    if (on(0.25)) {
      const a = pick(times);
      const b2 = pick(times);
      const [lo, hi] = a < b2 ? [a, b2] : [b2, a];
      if (on(0.7)) {
        q.push(`start_time=${ts(lo)}`);
        r.pred.push((b) => b.createdAt >= `${lo.slice(0, 19)}.000000Z`);
      }
      if (on(0.7)) {
        q.push(`end_time=${ts(hi)}`);
        r.pred.push((b) => b.createdAt <= `${hi.slice(0, 19)}.999999Z`);
      }
    }
    if (on(0.1)) {
      const e = pick(['0', 'ep-1', 'all_granted_eps']);
      q.push(`enterprise_project_id=${e}`);
      if (e !== 'all_granted_eps') r.pred.push((b) => b.enterpriseProjectId === e);
    }
    if (on(0.1)) {
      const p = 1 + Math.floor(rand() * 100);
      q.push(`used_percent=${p}`);
      const ok = new Set(
        seeded.vaults.filter((v) => v.usedBytes * 100 >= p * v.sizeGb * GIB).map((v) => v.id),
      );
      r.pred.push((b) => ok.has(b.vaultId));
    }
    if (on(0.6)) {
      const keys: Key[] = ['created_at', 'updated_at', 'name', 'status', 'protected_at', 'id'];
      const k1 = pick(keys);
      const k2 = pick(keys.filter((k) => k !== k1));
      const d1 = pick(['asc', 'desc'] as const);
      const d2 = pick(['asc', 'desc'] as const);
      const implicit = on(0.3);
      r.sort = on(0.5)
        ? [{ key: k1, dir: implicit ? 'desc' : d1 }]
        : [
            { key: k1, dir: implicit ? 'desc' : d1 },
            { key: k2, dir: d2 },
          ];
      q.push(`sort=${r.sort.map((s, j) => (j === 0 && implicit ? s.key : `${s.key}:${s.dir}`)).join(',')}`);
    }
    if (on(0.5)) {
      r.limit = 1 + Math.floor(rand() * 200);
      q.push(`limit=${r.limit}`);
    }
    if (on(0.3)) {
      r.offset = Math.floor(rand() * 300);
      q.push(`offset=${r.offset}`);
    }
    const full = reference(all, { ...r, limit: 1e9, offset: 0 });
    if (on(0.3) && full.ids.length > 2) {
      r.marker = pick(full.ids.slice(0, Math.min(full.ids.length - 1, 400)));
      q.push(`marker=${r.marker}`);
    }
    const want = reference(all, r);
    const got = await list(q.join('&'));
    assert.equal(got.count, want.count, `count for ${q.join('&')}`);
    assert.deepEqual(got.ids, want.ids, `ids for ${q.join('&')}`);
    if (want.ids.length > 0) nonEmpty++;
  }
  assert.ok(nonEmpty > 60, `most combinations select something (${nonEmpty})`);
});

test('walking every page with marker yields the full ordered result exactly once', async () => {
  const all = seeded.backups;
  for (const sort of [
    'created_at:desc',
    'name:asc,created_at:desc',
    'protected_at:asc',
    'status,updated_at:asc',
  ]) {
    const r: Ref = {
      pred: [(b) => b.parentId === null, (b) => b.status !== 'error'],
      sort: sort.split(',').map((s) => {
        const [key, dir] = s.split(':');
        return { key: key as Key, dir: (dir ?? 'desc') as 'asc' | 'desc' };
      }),
      limit: 1e9,
      offset: 0,
    };
    const want = reference(all, r);
    const seen: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const q = `status=available&status=protecting&status=deleting&status=restoring&sort=${sort}&limit=700${marker ? `&marker=${marker}` : ''}`;
      const page = await list(q);
      assert.equal(page.count, want.count);
      if (page.ids.length === 0) break;
      seen.push(...page.ids);
      marker = page.ids[page.ids.length - 1];
    }
    assert.deepEqual(seen, want.ids, sort);
  }
});

test("the other project's backups never appear; its ids are not markers here", async () => {
  const got = await list('limit=1000');
  const otherIds = new Set(other.backups.map((b) => b.id));
  assert.ok(got.ids.every((id) => !otherIds.has(id)));
  assert.equal(got.count, seeded.backups.filter((b) => b.parentId === null).length);
  const r = await h.req('GET', `/v3/${h.a.projectId}/backups?marker=${other.backups[0]!.id}`);
  assert.equal(r.status, 400);
  assert.equal(r.json.error_code, 'BackupService.9900');
});
