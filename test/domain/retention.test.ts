// Retention rules of policy backups (CBR and HSS): count, age, and long-term day/week/month/year in a timezone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retentionDoomed, tzOffsetMinutes } from '../../src/domain/retention.js';

const b = (id: string, createdAt: string, resourceId = 'r1') => ({ id, resourceId, createdAt });
const now = new Date('2026-03-31T12:00:00Z');

describe('policy retention', () => {
  it('keeps everything without an expiry rule', () => {
    assert.deepEqual(
      retentionDoomed(
        [b('a', '2020-01-01T00:00:00.000000Z')],
        { max_backups: -1, retention_duration_days: -1 },
        now,
      ),
      [],
    );
  });

  it('max_backups per resource, newest kept', () => {
    const list = [
      b('a1', '2026-03-01T00:00:00.000000Z'),
      b('a2', '2026-03-02T00:00:00.000000Z'),
      b('a3', '2026-03-03T00:00:00.000000Z'),
      b('x1', '2026-03-01T00:00:00.000000Z', 'r2'),
    ];
    assert.deepEqual(retentionDoomed(list, { max_backups: 2 }, now).sort(), ['a1']);
    assert.deepEqual(retentionDoomed(list, { max_backups: 1 }, now).sort(), ['a1', 'a2']);
  });

  it('retention_duration_days by age', () => {
    const list = [b('old', '2026-03-20T11:59:59.000000Z'), b('new', '2026-03-25T00:00:00.000000Z')];
    assert.deepEqual(retentionDoomed(list, { retention_duration_days: 10 }, now), ['old']);
  });

  it('long-term rules keep the newest backup of each recent period, in the timezone', () => {
    // daily backups at 20:00 UTC = 04:00 next day in UTC+08:00
    const list = [
      b('d28', '2026-03-27T20:00:00.000000Z'), // local 03-28
      b('d29', '2026-03-28T20:00:00.000000Z'), // local 03-29
      b('d30a', '2026-03-29T20:00:00.000000Z'), // local 03-30
      b('d30b', '2026-03-30T10:00:00.000000Z'), // local 03-30 18:00
      b('d31', '2026-03-30T20:00:00.000000Z'), // local 03-31
    ];
    const doomed = retentionDoomed(list, { max_backups: 1, day_backups: 3, timezone: 'UTC+08:00' }, now);
    // kept: d31 (max and day), d30b (newest of 03-30), d29; doomed: d30a (not newest of its day), d28 (4th day)
    assert.deepEqual(doomed.sort(), ['d28', 'd30a']);
    // in UTC the days differ: d30b and d31 are both 03-30
    const utc = retentionDoomed(list, { max_backups: 1, day_backups: 3, timezone: 'UTC+00:00' }, now);
    assert.deepEqual(utc.sort(), ['d28', 'd30b']);
    const monthly = retentionDoomed(
      [
        b('feb', '2026-02-10T00:00:00.000000Z'),
        b('jan', '2026-01-10T00:00:00.000000Z'),
        b('mar', '2026-03-10T00:00:00.000000Z'),
      ],
      { max_backups: 1, month_backups: 2, timezone: 'UTC+00:00' },
      now,
    );
    assert.deepEqual(monthly, ['jan']);
    const yearly = retentionDoomed(
      [
        b('y25', '2025-06-01T00:00:00.000000Z'),
        b('y26', '2026-03-01T00:00:00.000000Z'),
        b('y24', '2024-06-01T00:00:00.000000Z'),
      ],
      { retention_duration_days: 1, year_backups: 2, timezone: 'UTC+00:00' },
      now,
    );
    assert.deepEqual(yearly, ['y24']);
    const weekly = retentionDoomed(
      // 2026-03-30 is a Monday; 03-29 a Sunday
      [
        b('mon', '2026-03-30T01:00:00.000000Z'),
        b('sun', '2026-03-29T01:00:00.000000Z'),
        b('sat', '2026-03-28T01:00:00.000000Z'),
      ],
      { max_backups: 1, week_backups: 2, timezone: 'UTC+00:00' },
      now,
    );
    assert.deepEqual(weekly, ['sat']);
  });

  it('parses timezones', () => {
    assert.equal(tzOffsetMinutes('UTC+08:00'), 480);
    assert.equal(tzOffsetMinutes('UTC-05:30'), -330);
    assert.equal(tzOffsetMinutes(undefined), 0);
  });

  it('never the newest backup of a resource, even past its age', () => {
    const list = [b('old', '2026-01-01T00:00:00.000000Z'), b('older', '2025-12-01T00:00:00.000000Z')];
    assert.deepEqual(retentionDoomed(list, { retention_duration_days: 10 }, now), ['older']);
  });

  it('a simulated year of daily backups under GFS rules in UTC+08:00 equals a reference computation', () => {
    const def = {
      max_backups: 7,
      day_backups: 10,
      week_backups: 8,
      month_backups: 12,
      year_backups: 2,
      timezone: 'UTC+08:00',
    };
    // Daily at 23:30 UTC (07:30 the next day in UTC+08:00), some days twice, over 400 days.
    const list: Array<{ id: string; resourceId: string; createdAt: string }> = [];
    const start = Date.UTC(2025, 0, 1, 23, 30);
    for (let day = 0; day < 400; day++) {
      list.push(b(`d${day}`, new Date(start + day * 86_400_000).toISOString().replace('Z', '000Z')));
      if (day % 9 === 0)
        list.push(
          b(`e${day}`, new Date(start + day * 86_400_000 + 3_600_000).toISOString().replace('Z', '000Z')),
        );
    }
    const at = new Date(start + 400 * 86_400_000);
    // The reference: local calendar fields from a shifted Date, ISO weeks by the Thursday rule.
    const local = (ts: string) => new Date(Date.parse(ts) + 8 * 3_600_000);
    const isoWeek = (d: Date) => {
      const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      t.setUTCDate(t.getUTCDate() + 3 - ((t.getUTCDay() + 6) % 7));
      const y = t.getUTCFullYear();
      const week1 = new Date(Date.UTC(y, 0, 4));
      return `${y}-W${1 + Math.round((t.getTime() - week1.getTime()) / 86_400_000 / 7 - ((week1.getUTCDay() + 6) % 7) / 7 + 3 / 7)}`;
    };
    const keys: Record<string, (ts: string) => string> = {
      day: (ts) => local(ts).toISOString().slice(0, 10),
      week: (ts) => isoWeek(local(ts)),
      month: (ts) => local(ts).toISOString().slice(0, 7),
      year: (ts) => local(ts).toISOString().slice(0, 4),
    };
    const newestFirst = [...list].sort((x, y) => (x.createdAt < y.createdAt ? 1 : -1));
    const kept = new Set(newestFirst.slice(0, 7).map((x) => x.id));
    for (const [period, n] of [
      ['day', 10],
      ['week', 8],
      ['month', 12],
      ['year', 2],
    ] as const) {
      const seen = new Map<string, string>();
      for (const x of newestFirst)
        if (!seen.has(keys[period]!(x.createdAt))) seen.set(keys[period]!(x.createdAt), x.id);
      for (const id of [...seen.values()].slice(0, n)) kept.add(id);
    }
    const expected = list
      .filter((x) => !kept.has(x.id))
      .map((x) => x.id)
      .sort();
    const got = retentionDoomed(list, def, at).sort();
    assert.deepEqual(got, expected);
    assert.ok(expected.length > 300, `the rules delete most of the year (${expected.length})`);
  });
});
