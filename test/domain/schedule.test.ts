// The RRULE subset of backup policies (CBR and HSS): which slot is the latest one due.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latestSlot, latestSlotOf, nextSlotsOf, parseRule, tooClose } from '../../src/domain/schedule.js';

const d = (s: string) => new Date(s);
const slot = (rule: string, start: string, now: string) =>
  latestSlot(parseRule(rule), d(start), d(now))?.toISOString() ?? null;

describe('backup policy schedule', () => {
  it('daily at a time, strictly after the policy start', () => {
    const r = 'FREQ=DAILY;BYHOUR=2;BYMINUTE=00';
    assert.equal(slot(r, '2026-01-01T00:00:00Z', '2026-01-05T01:00:00Z'), '2026-01-04T02:00:00.000Z');
    assert.equal(slot(r, '2026-01-01T00:00:00Z', '2026-01-05T02:00:00Z'), '2026-01-05T02:00:00.000Z');
    assert.equal(slot(r, '2026-01-05T02:00:00Z', '2026-01-05T03:00:00Z'), null);
    assert.equal(slot(r, '2026-01-05T01:59:00Z', '2026-01-05T01:59:59Z'), null);
  });

  it('daily every other day, counted from the start day', () => {
    const r = 'FREQ=DAILY;INTERVAL=2;BYHOUR=2;BYMINUTE=30';
    assert.equal(slot(r, '2026-01-01T00:00:00Z', '2026-01-04T03:00:00Z'), '2026-01-03T02:30:00.000Z');
    assert.equal(slot(r, '2026-01-01T00:00:00Z', '2026-01-02T23:00:00Z'), '2026-01-01T02:30:00.000Z');
  });

  it('weekly on days, with a week interval', () => {
    // 2026-01-05 is a Monday
    assert.equal(
      slot('FREQ=WEEKLY;BYDAY=MO;BYHOUR=14;BYMINUTE=00', '2026-01-01T00:00:00Z', '2026-01-08T00:00:00Z'),
      '2026-01-05T14:00:00.000Z',
    );
    assert.equal(
      slot('FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=14;BYMINUTE=00', '2026-01-01T00:00:00Z', '2026-01-10T00:00:00Z'),
      '2026-01-09T14:00:00.000Z',
    );
    const two = 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=1;BYMINUTE=0';
    assert.equal(slot(two, '2026-01-01T00:00:00Z', '2026-01-09T00:00:00Z'), null);
    assert.equal(slot(two, '2026-01-01T00:00:00Z', '2026-01-14T00:00:00Z'), '2026-01-12T01:00:00.000Z');
  });

  it('several hours and minutes, several rules', () => {
    assert.equal(
      slot('FREQ=DAILY;BYHOUR=1,13;BYMINUTE=0,30', '2026-01-01T00:00:00Z', '2026-01-02T13:45:00Z'),
      '2026-01-02T13:30:00.000Z',
    );
    assert.equal(
      latestSlotOf(
        ['FREQ=DAILY;BYHOUR=1;BYMINUTE=0', 'FREQ=DAILY;BYHOUR=5;BYMINUTE=0'],
        d('2026-01-01T00:00:00Z'),
        d('2026-01-02T06:00:00Z'),
      )?.toISOString(),
      '2026-01-02T05:00:00.000Z',
    );
  });

  it('refuses what is outside the subset', () => {
    for (const bad of [
      'FREQ=HOURLY',
      'FREQ=DAILY;BYHOUR=24',
      'FREQ=DAILY;BYMINUTE=60',
      'FREQ=WEEKLY;BYDAY=XX',
      'FREQ=DAILY;COUNT=3',
      'BYHOUR=1',
      'FREQ=DAILY;FREQ=DAILY',
      'FREQ=DAILY;INTERVAL=0',
    ]) {
      assert.throws(() => parseRule(bad), bad);
    }
  });

  it('the next slots, in time order over several rules', () => {
    const next = nextSlotsOf(
      ['FREQ=WEEKLY;BYDAY=MO;BYHOUR=14;BYMINUTE=0', 'FREQ=DAILY;INTERVAL=2;BYHOUR=2;BYMINUTE=30'],
      d('2026-01-01T00:00:00Z'),
      d('2026-01-04T12:00:00Z'),
      5,
    ).map((x) => x.toISOString());
    assert.deepEqual(next, [
      '2026-01-05T02:30:00.000Z',
      '2026-01-05T14:00:00.000Z',
      '2026-01-07T02:30:00.000Z',
      '2026-01-09T02:30:00.000Z',
      '2026-01-11T02:30:00.000Z',
    ]);
  });

  it('time points closer than an hour, within one rule or across rules', () => {
    assert.equal(tooClose(['FREQ=DAILY;BYHOUR=1,2,3;BYMINUTE=0']), null);
    assert.ok(tooClose(['FREQ=DAILY;BYHOUR=1;BYMINUTE=0,59']));
    assert.ok(tooClose(['FREQ=DAILY;BYHOUR=23;BYMINUTE=30', 'FREQ=WEEKLY;BYDAY=TU;BYHOUR=0;BYMINUTE=10']));
    assert.equal(
      tooClose(['FREQ=DAILY;BYHOUR=23;BYMINUTE=30', 'FREQ=WEEKLY;BYDAY=TU;BYHOUR=0;BYMINUTE=30']),
      null,
    );
  });
});
