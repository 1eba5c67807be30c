// The schedules of backup policies (CBR and HSS): iCalendar RRULEs in the subset CBR documents (FREQ=DAILY|WEEKLY;
// BYDAY; BYHOUR; BYMINUTE; INTERVAL), in UTC, expanded by the rrule library. Pure functions: which slot is the
// latest one due (so a scheduler that was down runs the latest missed slot once, not every one it missed), the
// next slots (what `policy show` prints), and the spacing rule between a policy's time points.
import rrulePkg from 'rrule';

const { RRule } = rrulePkg;
type RRuleInstance = InstanceType<typeof RRule>;

const KEYS = ['FREQ', 'BYDAY', 'BYHOUR', 'BYMINUTE', 'INTERVAL'];
const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const HOUR_MS = 3_600_000;

/** One checked pattern: its text, to be expanded from a start time. */
export interface Rule {
  text: string;
  freq: 'DAILY' | 'WEEKLY';
}

function ints(v: string, min: number, max: number, what: string): void {
  for (const x of v.split(',')) {
    if (!/^\d{1,2}$/.test(x) || Number(x) < min || Number(x) > max)
      throw new Error(`${what} ${x} is not in ${min}–${max}`);
  }
}

/** Checks one RRULE against the supported subset; throws Error with a reason when it is outside. */
export function parseRule(text: string): Rule {
  const parts = new Map<string, string>();
  for (const p of text.split(';')) {
    const [k, v, extra] = p.split('=');
    if (!k || v === undefined || v === '' || extra !== undefined || parts.has(k))
      throw new Error(`bad part ${p}`);
    if (!KEYS.includes(k)) throw new Error(`unsupported ${k}`);
    parts.set(k, v);
  }
  const freq = parts.get('FREQ');
  if (freq !== 'DAILY' && freq !== 'WEEKLY') throw new Error('FREQ must be DAILY or WEEKLY');
  const interval = parts.get('INTERVAL');
  if (interval !== undefined) ints(interval, 1, 99, 'INTERVAL');
  const byDay = parts.get('BYDAY');
  if (byDay !== undefined)
    for (const d of byDay.split(',')) if (!DAYS.includes(d)) throw new Error(`bad day ${d}`);
  const byHour = parts.get('BYHOUR');
  if (byHour !== undefined) ints(byHour, 0, 23, 'BYHOUR');
  const byMinute = parts.get('BYMINUTE');
  if (byMinute !== undefined) ints(byMinute, 0, 59, 'BYMINUTE');
  return { text, freq };
}

/**
 * The rule expanded from `start` (the policy's creation, whole minute): INTERVAL counts days (DAILY) or weeks
 * (WEEKLY, weeks starting Monday) from the start's day or week; an absent BYHOUR/BYMINUTE means 00.
 */
function expand(rule: Rule, start: Date): RRuleInstance {
  const o = RRule.parseString(rule.text);
  const dtstart = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  return new RRule({
    ...o,
    byhour: o.byhour ?? 0,
    byminute: o.byminute ?? 0,
    bysecond: 0,
    wkst: RRule.MO,
    dtstart,
  });
}

/** The latest slot of `rule` at or before `now` and strictly after `start`, or null. */
export function latestSlot(rule: Rule, start: Date, now: Date): Date | null {
  const s = expand(rule, start).before(now, true);
  return s && s.getTime() > start.getTime() ? s : null;
}

/** The latest due slot over several rules (a policy holds up to 24). */
export function latestSlotOf(patterns: readonly string[], start: Date, now: Date): Date | null {
  let best: Date | null = null;
  for (const p of patterns) {
    const s = latestSlot(parseRule(p), start, now);
    if (s && (!best || s > best)) best = s;
  }
  return best;
}

/** The next `n` slots strictly after `after` (and after `start`) over several rules, in time order. */
export function nextSlotsOf(patterns: readonly string[], start: Date, after: Date, n: number): Date[] {
  const from = after > start ? after : start;
  const all: number[] = [];
  for (const p of patterns) {
    const r = expand(parseRule(p), start);
    let t: Date | null = from;
    for (let i = 0; i < n && t; i++) {
      t = r.after(t, false);
      if (t) all.push(t.getTime());
    }
  }
  return [...new Set(all)]
    .sort((a, b) => a - b)
    .slice(0, n)
    .map((t) => new Date(t));
}

/**
 * The spacing rule of CBR policies: at least one hour between any two time points of the policy (all its
 * patterns together), and so at most 24 a day. Returns the first two points closer than that, or null.
 * Checked over four weeks from a Monday, which covers every combination of the subset but week INTERVALs > 4,
 * whose points are spaced as those of INTERVAL=1.
 */
export function tooClose(patterns: readonly string[]): [Date, Date] | null {
  const monday = new Date(Date.UTC(2024, 0, 1)); // a Monday
  const end = new Date(monday.getTime() + 28 * 24 * HOUR_MS);
  const points = new Set<number>();
  for (const p of patterns)
    for (const t of expand(parseRule(p), monday).between(monday, end, true)) points.add(t.getTime());
  const sorted = [...points].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i]! - sorted[i - 1]! < HOUR_MS) return [new Date(sorted[i - 1]!), new Date(sorted[i]!)];
  return null;
}
