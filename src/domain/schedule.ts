// The schedule subset of CBR and HSS backup policies (iCalendar RRULE: FREQ=DAILY|WEEKLY; BYDAY; BYHOUR;
// BYMINUTE; INTERVAL), evaluated in UTC. Pure functions: which slot is the latest one due, so a scheduler that
// was down runs the latest missed slot once instead of every one it missed.

const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const DAY_MS = 86_400_000;

export interface Rule {
  freq: 'DAILY' | 'WEEKLY';
  interval: number;
  byDay: number[] | null;
  byHour: number[];
  byMinute: number[];
}

function ints(v: string | undefined, min: number, max: number): number[] | null {
  if (v === undefined) return null;
  const out = v.split(',').map((x) => (/^\d{1,2}$/.test(x) ? Number(x) : Number.NaN));
  if (out.length === 0 || out.some((n) => Number.isNaN(n) || n < min || n > max))
    throw new Error(`bad value ${v}`);
  return out;
}

/** Parses one RRULE; throws Error with a reason when it is outside the supported subset. */
export function parseRule(text: string): Rule {
  const parts = new Map<string, string>();
  for (const p of text.split(';')) {
    const [k, v, extra] = p.split('=');
    if (!k || v === undefined || extra !== undefined || parts.has(k)) throw new Error(`bad part ${p}`);
    if (!['FREQ', 'BYDAY', 'BYHOUR', 'BYMINUTE', 'INTERVAL'].includes(k)) throw new Error(`unsupported ${k}`);
    parts.set(k, v);
  }
  const freq = parts.get('FREQ');
  if (freq !== 'DAILY' && freq !== 'WEEKLY') throw new Error('FREQ must be DAILY or WEEKLY');
  const interval = ints(parts.get('INTERVAL'), 1, 99)?.[0] ?? 1;
  let byDay: number[] | null = null;
  const bd = parts.get('BYDAY');
  if (bd !== undefined) {
    byDay = bd.split(',').map((d) => {
      const i = DAYS.indexOf(d);
      if (i < 0) throw new Error(`bad day ${d}`);
      return i;
    });
  }
  return {
    freq,
    interval,
    byDay,
    byHour: ints(parts.get('BYHOUR'), 0, 23) ?? [0],
    byMinute: ints(parts.get('BYMINUTE'), 0, 59) ?? [0],
  };
}

/**
 * The latest slot of `rule` at or before `now` and strictly after `start` (the policy's creation), or null.
 * INTERVAL counts days (DAILY) or weeks (WEEKLY, weeks starting Monday) from the start's day/week.
 */
export function latestSlot(rule: Rule, start: Date, now: Date): Date | null {
  const startDay = Math.floor(start.getTime() / DAY_MS);
  const startWeek = Math.floor((startDay + 3) / 7); // day 0 (1970-01-01) is a Thursday; weeks start Monday
  const span = rule.freq === 'DAILY' ? rule.interval : 7 * rule.interval;
  const today = Math.floor(now.getTime() / DAY_MS);
  for (let day = today; day >= today - span && day >= startDay; day--) {
    const dow = (day + 4) % 7; // 1970-01-01 was a Thursday (4)
    if (rule.freq === 'WEEKLY' && rule.byDay === null && dow !== (startDay + 4) % 7) continue;
    if (rule.byDay !== null && !rule.byDay.includes(dow)) continue;
    if (rule.freq === 'DAILY' && (day - startDay) % rule.interval !== 0) continue;
    if (rule.freq === 'WEEKLY' && (Math.floor((day + 3) / 7) - startWeek) % rule.interval !== 0) continue;
    let best: number | null = null;
    for (const h of rule.byHour) {
      for (const m of rule.byMinute) {
        const t = day * DAY_MS + h * 3_600_000 + m * 60_000;
        if (t <= now.getTime() && t > start.getTime() && (best === null || t > best)) best = t;
      }
    }
    if (best !== null) return new Date(best);
  }
  return null;
}

/** The latest due slot over several rules (a policy holds up to 24). */
export function latestSlotOf(patterns: string[], start: Date, now: Date): Date | null {
  let best: Date | null = null;
  for (const p of patterns) {
    const s = latestSlot(parseRule(p), start, now);
    if (s && (!best || s > best)) best = s;
  }
  return best;
}
