// CBR vault tags over HTTP: CreateVaultTags, BatchCreateAndDeleteVaultTags, DeleteVaultTag, ShowVaultTag,
// ShowVaultProjectTag, ShowVaultResourceInstances (every filter against a small reference evaluator here),
// tags and bind rules given at vault creation, and auto-bind of tagged inventory volumes and servers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testCatalogEnv } from '../support/catalog.js';
import { cli } from '../support/cli.js';
import { type Harness, type J, startHarness } from './helpers.js';

interface WTag {
  key: string;
  value: string;
}

function vaultBody(name: string, objectType: 'server' | 'disk', extra: Record<string, unknown> = {}) {
  return {
    vault: {
      name,
      billing: {
        consistent_level: 'crash_consistent',
        object_type: objectType,
        protect_type: 'backup',
        size: 100,
      },
      resources: [],
      ...extra,
    },
  };
}

function sortTags(t: WTag[]): WTag[] {
  return [...t].sort((a, b) => (a.key < b.key ? -1 : 1));
}

function expectError(
  r: { status: number; json: J; body: string },
  status: number,
  code: string,
  text?: RegExp,
) {
  assert.equal(r.status, status, r.body);
  assert.equal(r.json.error_code, code, r.body);
  assert.equal(typeof r.json.error_msg, 'string');
  if (text) assert.match(r.json.error_msg, text);
}

describe('CBR vault tags', () => {
  let h: Harness;
  let P: string;
  const url = (rest: string) => `/v3/${P}/vault${rest}`;
  async function vault(name: string, extra: Record<string, unknown> = {}): Promise<J> {
    const r = await h.req('POST', `/v3/${P}/vaults`, { body: vaultBody(name, 'disk', extra) });
    assert.equal(r.status, 200, r.body);
    return r.json.vault;
  }

  before(async () => {
    h = await startHarness({ engine: false, startJobs: false });
    P = h.a.projectId;
  });
  after(() => h.close());

  it('tags and bind rules given at creation are stored and returned by CreateVault, ShowVault and ListVault', async () => {
    const v = await vault('tagged', {
      tags: [
        { key: 'env', value: 'prod' },
        { key: ' team ', value: ' storage ' },
        { key: '部门', value: '' },
      ],
      auto_bind: true,
      bind_rules: { tags: [{ key: 'backup', value: 'daily' }] },
    });
    const want = sortTags([
      { key: 'env', value: 'prod' },
      { key: 'team', value: 'storage' },
      { key: '部门', value: '' },
    ]);
    assert.deepEqual(sortTags(v.tags), want, 'keys and values are trimmed');
    assert.deepEqual(v.bind_rules, { tags: [{ key: 'backup', value: 'daily' }] });
    assert.equal(v.auto_bind, true);
    const shown = await h.req('GET', `/v3/${P}/vaults/${v.id}`);
    assert.deepEqual(sortTags(shown.json.vault.tags), want);
    assert.deepEqual(shown.json.vault.bind_rules, { tags: [{ key: 'backup', value: 'daily' }] });
    const listed = await h.req('GET', `/v3/${P}/vaults?id=${v.id}`);
    assert.deepEqual(sortTags(listed.json.vaults[0].tags), want);
    // UpdateVault replaces the bind rules; an empty list clears them.
    const up = await h.req('PUT', `/v3/${P}/vaults/${v.id}`, {
      body: {
        vault: {
          bind_rules: {
            tags: [
              { key: 'a', value: '1' },
              { key: 'a', value: '2' },
            ],
          },
        },
      },
    });
    assert.equal(up.status, 200, up.body);
    assert.deepEqual(up.json.vault.bind_rules.tags, [
      { key: 'a', value: '1' },
      { key: 'a', value: '2' },
    ]);
    const cleared = await h.req('PUT', `/v3/${P}/vaults/${v.id}`, {
      body: { vault: { bind_rules: { tags: [] } } },
    });
    assert.deepEqual(cleared.json.vault.bind_rules, {});
    assert.deepEqual(sortTags(cleared.json.vault.tags), want, 'updating rules leaves the tags');
    const plain = await vault('untagged');
    assert.deepEqual(plain.tags, []);
    assert.deepEqual(plain.bind_rules, {});
  });

  it('bad tags and bind rules at creation are refused with 9900, and nothing is created', async () => {
    const bad: Array<[unknown, RegExp]> = [
      [
        [
          { key: 'a', value: '1' },
          { key: 'a', value: '2' },
        ],
        /vault\.tags\[1\]\.key: duplicate key a/,
      ],
      [[{ key: 'x'.repeat(37), value: '1' }], /vault\.tags\[0\]\.key: must be 1–36/],
      [[{ key: '   ', value: '1' }], /vault\.tags\[0\]\.key: must be 1–36/],
      [[{ key: 'a=b', value: '1' }], /vault\.tags\[0\]\.key: may contain only/],
      [[{ key: '_sys_x', value: '1' }], /reserved/],
      [[{ key: 'a', value: 'v'.repeat(44) }], /vault\.tags\[0\]\.value: must be at most 43/],
      [[{ key: 'a', value: 'a/b' }], /vault\.tags\[0\]\.value: must not contain/],
      [[{ key: 'a' }], /vault\.tags\[0\]\.value: is required/],
      [[{ key: 5, value: '1' }], /vault\.tags\[0\]\.key: must be a string/],
      [Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, value: '' })), /at most 20 tags/],
    ];
    for (const [tags, text] of bad) {
      const r = await h.req('POST', `/v3/${P}/vaults`, { body: vaultBody('bad-tags', 'disk', { tags }) });
      expectError(r, 400, 'BackupService.9900', text);
    }
    const badRules: Array<[unknown, RegExp]> = [
      [Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, value: 'v' })), /at most 5/],
      [
        [
          { key: 'a', value: '1' },
          { key: 'a', value: '1' },
        ],
        /duplicate rule a=1/,
      ],
      [[{ key: 'a*', value: '1' }], /bind_rules\.tags\[0\]\.key/],
      [[{ key: 'a' }], /bind_rules\.tags\[0\]\.value: is required/],
    ];
    for (const [tags, text] of badRules) {
      const r = await h.req('POST', `/v3/${P}/vaults`, {
        body: vaultBody('bad-rules', 'disk', { bind_rules: { tags } }),
      });
      expectError(r, 400, 'BackupService.9900', text);
    }
    const list = await h.req('GET', `/v3/${P}/vaults?name=bad-tags`);
    assert.equal(list.json.count, 0);
  });

  it('CreateVaultTags adds or overwrites one tag (204), ShowVaultTag answers tags and sys_tags', async () => {
    const v = await vault('one-by-one');
    const add = await h.req('POST', url(`/${v.id}/tags`), { body: { tag: { key: 'env', value: 'dev' } } });
    assert.equal(add.status, 204, add.body);
    assert.equal(add.body, '');
    assert.equal(
      (await h.req('POST', url(`/${v.id}/tags`), { body: { tag: { key: 'env', value: 'prod' } } })).status,
      204,
    );
    assert.equal(
      (await h.req('POST', url(`/${v.id}/tags`), { body: { tag: { key: 'owner', value: '' } } })).status,
      204,
    );
    const shown = await h.req('GET', url(`/${v.id}/tags`));
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.json, {
      tags: [
        { key: 'env', value: 'prod' },
        { key: 'owner', value: '' },
      ],
      sys_tags: [{ key: '_sys_enterprise_project_id', value: '0' }],
    });
    // Validation, limits, unknown vault, other project.
    expectError(
      await h.req('POST', url(`/${v.id}/tags`), { body: { tag: { key: 'k|', value: '' } } }),
      400,
      'BackupService.9900',
      /tag\[0\]\.key/,
    );
    expectError(
      await h.req('POST', url(`/${v.id}/tags`), { body: { tag: { key: 'k' } } }),
      400,
      'BackupService.9900',
      /value: is required/,
    );
    expectError(await h.req('POST', url(`/${v.id}/tags`), { body: {} }), 400, 'BackupService.9900', /tag/);
    expectError(
      await h.req('POST', url('/00000000-0000-0000-0000-000000000000/tags'), {
        body: { tag: { key: 'a', value: '' } },
      }),
      404,
      'BackupService.6105',
    );
    expectError(
      await h.req('POST', `/v3/${h.b.projectId}/vault/${v.id}/tags`, {
        token: h.b.token,
        body: { tag: { key: 'a', value: '' } },
      }),
      404,
      'BackupService.6105',
    );
    expectError(
      await h.req('GET', `/v3/${h.b.projectId}/vault/${v.id}/tags`, { token: h.b.token }),
      404,
      'BackupService.6105',
    );
    expectError(await h.req('GET', url(`/${v.id}/tags`), { token: null }), 401, 'APIGW.0301');
    for (let i = 0; i < 18; i++) {
      assert.equal(
        (await h.req('POST', url(`/${v.id}/tags`), { body: { tag: { key: `k${i}`, value: 'x' } } })).status,
        204,
      );
    }
    expectError(
      await h.req('POST', url(`/${v.id}/tags`), { body: { tag: { key: 'one-more', value: '' } } }),
      400,
      'BackupService.6600',
    );
    // Overwriting an existing key at the limit is fine.
    assert.equal(
      (await h.req('POST', url(`/${v.id}/tags`), { body: { tag: { key: 'k0', value: 'y' } } })).status,
      204,
    );
    assert.equal((await h.req('GET', url(`/${v.id}/tags`))).json.tags.length, 20);
  });

  it('concurrent CreateVaultTags on one vault never pass 20 tags together', async () => {
    const v = await vault('concurrent');
    const rs = await Promise.all(
      Array.from({ length: 26 }, (_, i) =>
        h.req('POST', url(`/${v.id}/tags`), { body: { tag: { key: `c${i}`, value: 'x' } } }),
      ),
    );
    const ok = rs.filter((r) => r.status === 204).length;
    assert.equal(ok, 20, rs.map((r) => r.status).join(','));
    for (const r of rs.filter((x) => x.status !== 204)) expectError(r, 400, 'BackupService.6600');
    assert.equal((await h.req('GET', url(`/${v.id}/tags`))).json.tags.length, 20);
  });

  it('BatchCreateAndDeleteVaultTags creates and deletes (204); delete ignores missing keys and other values', async () => {
    const v = await vault('batch');
    const batch = (body: unknown) => h.req('POST', url(`/${v.id}/tags/action`), { body });
    const c = await batch({
      action: 'create',
      tags: [
        { key: 'a', value: '1' },
        { key: 'b', value: '2' },
        { key: 'c', value: '3' },
      ],
    });
    assert.equal(c.status, 204, c.body);
    assert.equal(c.body, '');
    assert.equal((await batch({ action: 'create', tags: [{ key: 'a', value: 'one' }] })).status, 204);
    const d = await batch({
      action: 'delete',
      tags: [
        { key: 'a', value: '1' },
        { key: 'b' },
        { key: 'b' },
        { key: 'missing' },
        { key: 'x'.repeat(127), value: 'v'.repeat(255) },
      ],
    });
    assert.equal(d.status, 204, d.body);
    assert.deepEqual((await h.req('GET', url(`/${v.id}/tags`))).json.tags, [
      { key: 'a', value: 'one' },
      { key: 'c', value: '3' },
    ]);
    assert.equal(
      (await batch({ action: 'delete', tags: [{ key: 'a', value: 'one' }, { key: ' c ' }] })).status,
      204,
    );
    assert.deepEqual((await h.req('GET', url(`/${v.id}/tags`))).json.tags, []);
    expectError(
      await batch({ action: 'update', tags: [{ key: 'a', value: '1' }] }),
      400,
      'BackupService.9900',
      /action/,
    );
    expectError(await batch({ tags: [{ key: 'a', value: '1' }] }), 400, 'BackupService.9900', /action/);
    expectError(
      await batch({ action: 'create', tags: [] }),
      400,
      'BackupService.9900',
      /tags: must be a non-empty list/,
    );
    expectError(await batch({ action: 'create' }), 400, 'BackupService.9900', /tags/);
    expectError(
      await batch({ action: 'delete', tags: [] }),
      400,
      'BackupService.9900',
      /tags: must be a non-empty list/,
    );
    expectError(
      await batch({
        action: 'create',
        tags: [
          { key: 'a', value: '1' },
          { key: 'a', value: '2' },
        ],
      }),
      400,
      'BackupService.9900',
      /duplicate key/,
    );
    expectError(
      await batch({ action: 'create', tags: [{ key: 'a' }] }),
      400,
      'BackupService.9900',
      /value: is required/,
    );
    expectError(
      await batch({ action: 'delete', tags: [{ key: 'x'.repeat(128) }] }),
      400,
      'BackupService.9900',
      /1–127/,
    );
    expectError(
      await batch({
        action: 'create',
        tags: [{ key: 'a', value: '1' }],
        sys_tags: [{ key: '_sys_enterprise_project_id', value: '0' }],
      }),
      400,
      'BackupService.9900',
      /sys_tags: only op_service/,
    );
    const many = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: '' }));
    assert.equal((await batch({ action: 'create', tags: many })).status, 204);
    expectError(
      await batch({ action: 'create', tags: [{ key: 'extra', value: '' }] }),
      400,
      'BackupService.6600',
    );
    expectError(
      await batch({ action: 'create', tags: [...many, { key: 'extra', value: '' }] }),
      400,
      'BackupService.9900',
      /at most 20/,
    );
    assert.equal(
      (await h.req('GET', url(`/${v.id}/tags`))).json.tags.length,
      20,
      'a refused batch changes nothing',
    );
    expectError(
      await h.req('POST', `/v3/${P}/vault/00000000-0000-0000-0000-000000000000/tags/action`, {
        body: { action: 'delete', tags: [{ key: 'a' }] },
      }),
      404,
      'BackupService.6105',
    );
  });

  it('DeleteVaultTag removes a key (204, key trimmed); a missing key is 404 BackupService.6601', async () => {
    const v = await vault('delete-one', {
      tags: [
        { key: 'env', value: 'prod' },
        { key: 'team', value: 'a' },
      ],
    });
    assert.equal((await h.req('DELETE', url(`/${v.id}/tags/%20env%20`))).status, 204);
    assert.deepEqual((await h.req('GET', url(`/${v.id}/tags`))).json.tags, [{ key: 'team', value: 'a' }]);
    expectError(await h.req('DELETE', url(`/${v.id}/tags/env`)), 404, 'BackupService.6601', /env/);
    expectError(await h.req('DELETE', url(`/${v.id}/tags/nope`)), 404, 'BackupService.6601');
    expectError(
      await h.req('DELETE', url('/00000000-0000-0000-0000-000000000000/tags/team')),
      404,
      'BackupService.6105',
    );
    expectError(
      await h.req('DELETE', `/v3/${h.b.projectId}/vault/${v.id}/tags/team`, { token: h.b.token }),
      404,
      'BackupService.6105',
    );
    // Deleting the vault takes its tags: the project's keys no longer list them.
    assert.equal((await h.req('DELETE', `/v3/${P}/vaults/${v.id}`)).status, 204);
    const rows = await h.ctx.db.selectFrom('cbr_tags').selectAll().where('resource_id', '=', v.id).execute();
    assert.equal(rows.length, 0);
  });

  it('ShowVaultProjectTag lists every key with its distinct values; another project sees none of them', async () => {
    await vault('proj-1', {
      tags: [
        { key: 'zone', value: 'b' },
        { key: 'color', value: 'red' },
      ],
    });
    await vault('proj-2', {
      tags: [
        { key: 'zone', value: 'a' },
        { key: 'color', value: 'red' },
      ],
    });
    const r = await h.req('GET', url('/tags'));
    assert.equal(r.status, 200);
    const keys = r.json.tags as Array<{ key: string; values: string[] }>;
    assert.deepEqual(
      keys.map((k) => k.key),
      [...keys.map((k) => k.key)].sort(),
      'keys sorted',
    );
    assert.deepEqual(
      keys.find((k) => k.key === 'zone'),
      { key: 'zone', values: ['a', 'b'] },
    );
    assert.deepEqual(
      keys.find((k) => k.key === 'color'),
      { key: 'color', values: ['red'] },
    );
    const other = await h.req('GET', `/v3/${h.b.projectId}/vault/tags`, { token: h.b.token });
    assert.equal(other.status, 200);
    assert.deepEqual(other.json, { tags: [] });
  });
});

// ---------------------------------------------------------------------------------------------------------
// ShowVaultResourceInstances against a reference: the rules written out once more, independently.

interface Cond {
  key: string;
  values: string[];
}
interface Filter {
  tags?: Cond[];
  tags_any?: Cond[];
  not_tags?: Cond[];
  not_tags_any?: Cond[];
  without_any_tag?: boolean;
  matches?: Array<{ key: string; value: string }>;
  object_type?: string;
  cloud_type?: string;
  sys_tags?: Cond[];
}
interface RefVault {
  id: string;
  name: string;
  objectType: string;
  tags: WTag[];
}

function refHolds(v: RefVault, c: Cond): boolean {
  const t = v.tags.find((x) => x.key === c.key);
  if (!t) return false;
  if (c.values.length === 0) return true;
  return c.values.some((want) =>
    want.startsWith('*') ? t.value.toLowerCase().includes(want.slice(1).toLowerCase()) : t.value === want,
  );
}

function refKeeps(v: RefVault, f: Filter): boolean {
  if (f.without_any_tag) {
    if (v.tags.length > 0) return false;
  } else {
    if (f.tags && !f.tags.every((c) => refHolds(v, c))) return false;
    if (f.tags_any && f.tags_any.length > 0 && !f.tags_any.some((c) => refHolds(v, c))) return false;
    if (f.not_tags && f.not_tags.length > 0 && f.not_tags.every((c) => refHolds(v, c))) return false;
    if (f.not_tags_any?.some((c) => refHolds(v, c))) return false;
  }
  const m = f.matches?.[0];
  if (m && (m.value === '' ? v.name !== '' : !v.name.toLowerCase().includes(m.value.toLowerCase())))
    return false;
  if (f.object_type && v.objectType !== f.object_type) return false;
  if (f.cloud_type === 'hybrid') return false;
  const ep = f.sys_tags?.[0];
  if (ep && ep.values.length > 0 && !ep.values.includes('0')) return false;
  return true;
}

/** A small deterministic generator (mulberry32), so a failing combination can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('CBR ShowVaultResourceInstances', () => {
  let h: Harness;
  let P: string;
  let token: string;
  const vaults: RefVault[] = [];
  const post = (body: unknown, path = 'action') =>
    h.req('POST', `/v3/${P}/vault/resource_instances/${path}`, { token, body });

  before(async () => {
    h = await startHarness({ engine: false, startJobs: false });
    // Project B holds only this suite's vaults.
    P = h.b.projectId;
    token = h.b.token;
    const specs: Array<[string, 'server' | 'disk', WTag[]]> = [
      [
        'alpha-prod',
        'server',
        [
          { key: 'env', value: 'prod' },
          { key: 'team', value: 'a' },
          { key: 'tier', value: 'gold' },
        ],
      ],
      [
        'beta',
        'server',
        [
          { key: 'env', value: 'dev' },
          { key: 'team', value: 'b' },
        ],
      ],
      ['gamma', 'disk', [{ key: 'env', value: 'PROD-eu' }]],
      ['delta', 'disk', []],
      [
        'Epsilon',
        'server',
        [
          { key: 'team', value: 'c' },
          { key: 'tier', value: 'golden' },
        ],
      ],
      ['zeta-prod', 'disk', [{ key: 'env', value: 'prod' }]],
      ['eta', 'server', []],
      [
        'theta',
        'disk',
        [
          { key: 'team', value: 'a' },
          { key: 'env', value: '' },
        ],
      ],
    ];
    for (const [name, type, tags] of specs) {
      const r = await h.req('POST', `/v3/${P}/vaults`, {
        token,
        body: vaultBody(name, type, tags.length ? { tags } : {}),
      });
      assert.equal(r.status, 200, r.body);
      vaults.push({ id: r.json.vault.id, name, objectType: type, tags });
    }
  });
  after(() => h.close());

  async function check(f: Filter, label: string) {
    const want = vaults
      .filter((v) => refKeeps(v, f))
      .map((v) => v.id)
      .sort();
    const r = await post({ action: 'filter', ...f });
    assert.equal(r.status, 200, `${label}: ${r.body}`);
    const got = (r.json.resources as J[]).map((x) => x.resource_id).sort();
    assert.deepEqual(got, want, label);
    assert.equal(r.json.total_count, want.length, label);
    const c = await post({ action: 'count', ...f });
    assert.equal(c.status, 200, c.body);
    assert.deepEqual(c.json, { total_count: want.length }, `${label} (count)`);
  }

  it('answers TagResource items: id, name, the vault as resource_detail, tags and sys_tags', async () => {
    const r = await post({ action: 'filter', tags: [{ key: 'tier', values: ['gold'] }] });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.total_count, 1);
    const [item] = r.json.resources;
    const a = vaults[0]!;
    assert.equal(item.resource_id, a.id);
    assert.equal(item.resource_name, 'alpha-prod');
    assert.equal(item.resource_detail.vault.id, a.id);
    assert.equal(item.resource_detail.vault.billing.object_type, 'server');
    assert.deepEqual(sortTags(item.tags), sortTags(a.tags));
    assert.deepEqual(item.sys_tags, [{ key: '_sys_enterprise_project_id', value: '0' }]);
    const c = await post({ action: 'count' });
    assert.deepEqual(c.json, { total_count: vaults.length }, 'count answers no resources');
    // The /filter path takes the same body, action optional.
    const f = await post({ tags: [{ key: 'tier', values: ['gold'] }] }, 'filter');
    assert.equal(f.status, 200, f.body);
    assert.equal(f.json.resources[0].resource_id, a.id);
  });

  it('every filter, alone and combined, keeps what the reference keeps', async () => {
    const lists: Cond[][] = [
      [{ key: 'env', values: ['prod'] }],
      [{ key: 'env', values: [] }],
      [{ key: 'team', values: ['a', 'b'] }],
      [{ key: 'tier', values: ['*GOL'] }],
      [{ key: 'env', values: ['*ro', 'dev'] }],
      [{ key: 'missing', values: [] }],
      [
        { key: 'env', values: ['prod'] },
        { key: 'team', values: [] },
      ],
      [
        { key: 'tier', values: ['*old'] },
        { key: 'env', values: ['*'] },
      ],
      [{ key: 'env', values: [''] }],
      [],
    ];
    const kinds = ['tags', 'tags_any', 'not_tags', 'not_tags_any'] as const;
    let n = 0;
    // Each kind alone with each list, and each pair of kinds with each pair of lists.
    for (const k of kinds) {
      for (const [i, l] of lists.entries()) {
        await check({ [k]: l }, `${k}=#${i}`);
        n++;
      }
    }
    for (let x = 0; x < kinds.length; x++) {
      for (let y = x + 1; y < kinds.length; y++) {
        for (const [i, l] of lists.entries()) {
          for (const [j, m] of lists.entries()) {
            if ((i + j) % 3 !== 0) continue; // a third of the pairs keeps the run short; the seed covers more
            await check({ [kinds[x]!]: l, [kinds[y]!]: m }, `${kinds[x]}=#${i} ${kinds[y]}=#${j}`);
            n++;
          }
        }
      }
    }
    // Random combinations of everything, names, object types and without_any_tag included.
    const next = rng(20261202);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)]!;
    const names = ['', 'prod', 'PROD', 'a', 'zz', 'eta'];
    for (let i = 0; i < 60; i++) {
      const f: Filter = {};
      for (const k of kinds) if (next() < 0.5) f[k] = pick(lists);
      if (next() < 0.2) f.without_any_tag = next() < 0.7;
      if (next() < 0.3) f.matches = [{ key: 'resource_name', value: pick(names) }];
      if (next() < 0.3) f.object_type = pick(['server', 'disk']);
      if (next() < 0.1) f.cloud_type = pick(['public', 'hybrid']);
      if (next() < 0.1)
        f.sys_tags = [{ key: '_sys_enterprise_project_id', values: pick([['0'], ['x'], []]) }];
      await check(f, `random #${i} ${JSON.stringify(f)}`);
      n++;
    }
    assert.ok(n > 100, `${n} combinations`);
  });

  it('without_any_tag keeps only untagged vaults whatever the other tag filters say', async () => {
    await check({ without_any_tag: true }, 'without_any_tag');
    await check({ without_any_tag: true, tags: [{ key: 'env', values: [] }] }, 'without_any_tag + tags');
    await check({ without_any_tag: false, tags: [{ key: 'env', values: [] }] }, 'without_any_tag false');
    const r = await post({ action: 'count', without_any_tag: true, tags: [{ key: 'env', values: [] }] });
    assert.equal(r.json.total_count, 2, 'delta and eta');
  });

  it('pages with limit and offset (strings or integers) in ListVault order, with the total of all matches', async () => {
    const all = await post({ action: 'filter' });
    const order = (all.json.resources as J[]).map((x) => x.resource_id);
    assert.equal(order.length, vaults.length);
    const seen: string[] = [];
    for (let off = 0; off < vaults.length; off += 3) {
      const r = await post({ action: 'filter', limit: '3', offset: String(off) });
      assert.equal(r.status, 200, r.body);
      assert.equal(r.json.total_count, vaults.length);
      seen.push(...(r.json.resources as J[]).map((x) => x.resource_id));
    }
    assert.deepEqual(seen, order, 'pages neither repeat nor skip');
    const list = await h.req('GET', `/v3/${P}/vaults`, { token });
    assert.deepEqual(
      order,
      (list.json.vaults as J[]).map((v) => v.id),
      'same order as ListVault',
    );
    const int = await post({ action: 'filter', limit: 2, offset: 1 });
    assert.deepEqual(
      (int.json.resources as J[]).map((x) => x.resource_id),
      order.slice(1, 3),
    );
    const past = await post({ action: 'filter', offset: '100' });
    assert.deepEqual(past.json, { resources: [], total_count: vaults.length });
  });

  it('refuses bad input with 9900 naming the parameter', async () => {
    const bad: Array<[unknown, RegExp]> = [
      [{}, /action/],
      [{ action: 'list' }, /action/],
      [{ action: 'filter', limit: '0' }, /limit/],
      [{ action: 'filter', limit: '1001' }, /limit/],
      [{ action: 'filter', limit: 'ten' }, /limit/],
      [{ action: 'filter', limit: '-1' }, /limit/],
      [{ action: 'filter', offset: '-1' }, /offset/],
      [{ action: 'filter', offset: 1.5 }, /offset/],
      [{ action: 'filter', tags: [{ key: 'env' }] }, /tags\/0\/values|tags\[0\]\.values/],
      [
        {
          action: 'filter',
          tags: [
            { key: 'env', values: [] },
            { key: 'env', values: ['x'] },
          ],
        },
        /tags\[1\]\.key: duplicate/,
      ],
      [{ action: 'filter', tags_any: [{ key: '', values: [] }] }, /tags_any\[0\]\.key/],
      [
        { action: 'filter', not_tags: [{ key: 'a', values: Array.from({ length: 21 }, () => 'x') }] },
        /not_tags\[0\]\.values: must hold at most 20/,
      ],
      [
        {
          action: 'filter',
          not_tags_any: Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, values: [] })),
        },
        /not_tags_any: must hold at most 20/,
      ],
      [{ action: 'filter', tags: [{ key: 'a', values: ['v'.repeat(256)] }] }, /at most 255/],
      [
        { action: 'filter', matches: [{ key: 'name', value: 'a' }] },
        /matches\[0\]\.key: must be resource_name/,
      ],
      [
        {
          action: 'filter',
          matches: [
            { key: 'resource_name', value: 'a' },
            { key: 'resource_name', value: 'b' },
          ],
        },
        /matches/,
      ],
      [{ action: 'filter', sys_tags: [{ key: 'other', values: [] }] }, /sys_tags\[0\]\.key/],
      [{ action: 'filter', cloud_type: 'private' }, /cloud_type/],
      [{ action: 'filter', without_any_tag: 'yes' }, /without_any_tag/],
    ];
    for (const [body, text] of bad) expectError(await post(body), 400, 'BackupService.9900', text);
    expectError(
      await h.req('POST', `/v3/${P}/vault/resource_instances/action`, {
        token: null,
        body: { action: 'count' },
      }),
      401,
      'APIGW.0301',
    );
    // Another project counts none of these vaults.
    const a = await h.req('POST', `/v3/${h.a.projectId}/vault/resource_instances/action`, {
      body: { action: 'count' },
    });
    assert.deepEqual(a.json, { total_count: 0 });
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('auto-bind of tagged volumes and servers', () => {
  let h: Harness;
  let P: string;
  const inv = (rest: string) => `/opencbr/v1/${P}${rest}`;

  async function declareVolume(name: string, tags?: WTag[]): Promise<J> {
    const path = `${h.volumeRoot}/${name}.img`;
    (await import('node:fs')).writeFileSync(path, Buffer.alloc(1024 * 1024));
    const r = await h.req('POST', inv('/volumes'), {
      body: { volume: { name, path, ...(tags ? { tags } : {}) } },
    });
    assert.equal(r.status, 200, r.body);
    return r.json;
  }
  async function vault(name: string, type: 'server' | 'disk', extra: Record<string, unknown>): Promise<J> {
    const r = await h.req('POST', `/v3/${P}/vaults`, { body: vaultBody(name, type, extra) });
    assert.equal(r.status, 200, r.body);
    return r.json.vault;
  }
  const resourcesOf = async (id: string) =>
    ((await h.req('GET', `/v3/${P}/vaults/${id}`)).json.vault.resources as J[]).map((r) => r.id).sort();

  before(async () => {
    h = await startHarness({ engine: false, startJobs: false });
    P = h.a.projectId;
  });
  after(() => h.close());

  it('a volume declared or tagged with a rule tag goes into the oldest matching auto_bind vault, once', async () => {
    const off = await vault('rules-but-off', 'disk', {
      bind_rules: { tags: [{ key: 'env', value: 'prod' }] },
    });
    const prod = await vault('prod-disks', 'disk', {
      auto_bind: true,
      bind_rules: {
        tags: [
          { key: 'env', value: 'prod' },
          { key: 'backup', value: 'yes' },
        ],
      },
    });
    const later = await vault('prod-disks-2', 'disk', {
      auto_bind: true,
      bind_rules: { tags: [{ key: 'env', value: 'prod' }] },
    });
    const servers = await vault('server-any', 'server', { auto_bind: true });

    const v1 = await declareVolume('v1', [{ key: 'env', value: 'prod' }]);
    assert.deepEqual(v1.tags, [{ key: 'env', value: 'prod' }]);
    assert.equal(v1.auto_bound_vault_id, prod.id, 'the oldest matching auto_bind vault');
    const v2 = await declareVolume('v2', [{ key: 'env', value: 'dev' }]);
    assert.equal(v2.auto_bound_vault_id, null, 'no rule tag');
    const v3 = await declareVolume('v3');
    assert.equal(v3.auto_bound_vault_id, null, 'untagged, and every disk vault has rules');
    const v4 = await declareVolume('v4', [{ key: 'backup', value: 'yes' }]);
    assert.equal(v4.auto_bound_vault_id, prod.id, 'any one rule tag is enough');

    // Newly tagged: v2 now carries env=prod.
    const t = await h.req('POST', inv(`/volumes/${v2.volume.id}/tags`), {
      body: {
        tags: [
          { key: 'env', value: 'prod' },
          { key: 'x', value: '1' },
        ],
      },
    });
    assert.equal(t.status, 200, t.body);
    assert.equal(t.json.auto_bound_vault_id, prod.id);
    assert.deepEqual(sortTags(t.json.tags), [
      { key: 'env', value: 'prod' },
      { key: 'x', value: '1' },
    ]);
    // Tagging a bound volume again binds nothing more.
    const again = await h.req('POST', inv(`/volumes/${v1.volume.id}/tags`), {
      body: { tags: [{ key: 'env', value: 'prod' }] },
    });
    assert.equal(again.json.auto_bound_vault_id, null);

    assert.deepEqual(await resourcesOf(prod.id), [v1.volume.id, v2.volume.id, v4.volume.id].sort());
    assert.deepEqual(await resourcesOf(later.id), []);
    assert.deepEqual(await resourcesOf(off.id), [], 'auto_bind false takes nothing');

    // A server vault with auto_bind and no rules takes every new server.
    const s = await h.req('POST', inv('/servers'), {
      body: { server: { name: 's1', volume_ids: [v3.volume.id], tags: [{ key: 'role', value: 'db' }] } },
    });
    assert.equal(s.status, 200, s.body);
    assert.equal(s.json.auto_bound_vault_id, servers.id);
    assert.deepEqual(s.json.tags, [{ key: 'role', value: 'db' }]);
    assert.deepEqual(await resourcesOf(servers.id), [s.json.server.id]);

    // Turning auto_bind off on the first vault sends the next match to the other one.
    await h.req('PUT', `/v3/${P}/vaults/${prod.id}`, { body: { vault: { auto_bind: false } } });
    const v5 = await declareVolume('v5', [{ key: 'env', value: 'prod' }]);
    assert.equal(v5.auto_bound_vault_id, later.id);
  });

  it('inventory tags: show, remove, refuse bad ones, and go with the resource', async () => {
    const v = await declareVolume('tag-me', [{ key: 'a', value: '1' }]);
    const id = v.volume.id as string;
    assert.deepEqual((await h.req('GET', inv(`/volumes/${id}/tags`))).json, {
      tags: [{ key: 'a', value: '1' }],
    });
    assert.equal((await h.req('DELETE', inv(`/volumes/${id}/tags/a`))).status, 204);
    expectError(await h.req('DELETE', inv(`/volumes/${id}/tags/a`)), 404, 'BackupService.6601');
    assert.deepEqual((await h.req('GET', inv(`/volumes/${id}/tags`))).json, { tags: [] });
    expectError(
      await h.req('POST', inv(`/volumes/${id}/tags`), { body: { tags: [{ key: 'a*', value: '1' }] } }),
      400,
      'BackupService.9900',
      /tags\[0\]\.key/,
    );
    expectError(
      await h.req('POST', inv(`/volumes/${id}/tags`), {
        body: { tags: Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, value: '' })) },
      }),
      400,
      'BackupService.9900',
    );
    expectError(
      await h.req('GET', inv('/volumes/00000000-0000-0000-0000-000000000000/tags')),
      404,
      'BackupService.7000',
    );
    expectError(
      await h.req('GET', inv('/servers/00000000-0000-0000-0000-000000000000/tags')),
      404,
      'BackupService.7100',
    );
    // A bad tag at declaration declares nothing.
    const path = `${h.volumeRoot}/refused.img`;
    (await import('node:fs')).writeFileSync(path, Buffer.alloc(4096));
    const r = await h.req('POST', inv('/volumes'), {
      body: { volume: { name: 'refused', path, tags: [{ key: '', value: '' }] } },
    });
    expectError(r, 400, 'BackupService.9900', /volume\.tags\[0\]\.key/);
    assert.equal((await h.req('GET', inv('/volumes?name=refused'))).json.count, 0);
    // Forgetting the volume takes its tags.
    await h.req('POST', inv(`/volumes/${id}/tags`), { body: { tags: [{ key: 'b', value: '2' }] } });
    assert.equal((await h.req('DELETE', inv(`/volumes/${id}`))).status, 204);
    const rows = await h.ctx.db.selectFrom('cbr_tags').selectAll().where('resource_id', '=', id).execute();
    assert.equal(rows.length, 0);
  });

  it('the CLI declares a tagged volume (volume add --tag) and auto-bind takes it', async () => {
    const v = await vault('cli-prod', 'disk', {
      auto_bind: true,
      bind_rules: { tags: [{ key: 'tier', value: 'cli' }] },
    });
    const path = `${h.volumeRoot}/cli.img`;
    (await import('node:fs')).writeFileSync(path, Buffer.alloc(8192));
    const env = {
      OPENCBR_DATA: `${h.dir}/data`,
      OPENCBR_VOLUME_ROOTS: h.volumeRoot,
      OPENCBR_ADMIN_PASSWORD: 'Admin-pass-1',
      ...(await testCatalogEnv(h.dir)),
    };
    const bad = await cli(env, 'volume', 'add', '--name', 'cli', '--path', path, '--tag', 'a|b=1');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /--tag\[0\]\.key/);
    const r = await cli(
      env,
      '--json',
      'volume',
      'add',
      '--name',
      'cli',
      '--path',
      path,
      '--tag',
      'tier=cli',
      '--tag',
      'owner=ops',
    );
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out) as J;
    assert.deepEqual(sortTags(out.tags), [
      { key: 'owner', value: 'ops' },
      { key: 'tier', value: 'cli' },
    ]);
    assert.equal(out.auto_bound_vault_id, v.id);
    assert.deepEqual(await resourcesOf(v.id), [out.id]);
    assert.deepEqual((await h.req('GET', inv(`/volumes/${out.id}/tags`))).json.tags, sortTags(out.tags));
  });
});
