// Retention of policy (auto-triggered) backups, CBR's rules (HSS backup policies use the same): `max_backups` keeps the newest N per resource,
// `retention_duration_days` keeps those younger than N days; long-term retention (`day/week/month/year_backups`,
// in `timezone`) keeps the newest backup of each of the N most recent days/weeks/months/years that have one.
// A backup is deleted only when no rule keeps it. Pure: the caller lists and deletes.
import type { OperationDefinition } from './backup-policy.js';

export interface RetainedBackup {
  id: string;
  resourceId: string;
  /** Canonical UTC timestamp. */
  createdAt: string;
}

/** `UTC+08:00` → +480 minutes. */
export function tzOffsetMinutes(tz: string | undefined): number {
  const m = tz ? /^UTC([+-])(\d{2}):(\d{2})$/.exec(tz) : null;
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

type Period = 'day' | 'week' | 'month' | 'year';

function periodKey(ts: string, offsetMin: number, period: Period): string {
  const local = new Date(Date.parse(ts) + offsetMin * 60_000);
  const y = local.getUTCFullYear();
  const mo = local.getUTCMonth() + 1;
  const d = local.getUTCDate();
  switch (period) {
    case 'year':
      return `${y}`;
    case 'month':
      return `${y}-${mo}`;
    case 'day':
      return `${y}-${mo}-${d}`;
    case 'week': {
      // Monday of the local week
      const day = Math.floor(local.getTime() / 86_400_000);
      return `w${Math.floor((day + 3) / 7)}`;
    }
  }
}

/** True when the definition can expire anything (long-term rules alone only keep). */
export function expiresBackups(
  def: Pick<OperationDefinition, 'max_backups' | 'retention_duration_days'>,
): boolean {
  return (def.max_backups ?? -1) > 0 || (def.retention_duration_days ?? -1) > 0;
}

/** Ids to delete among `backups` (any order) at time `now`. */
export function retentionDoomed(backups: RetainedBackup[], def: OperationDefinition, now: Date): string[] {
  const max = def.max_backups ?? -1;
  const days = def.retention_duration_days ?? -1;
  const longTerm: Array<[Period, number]> = (
    [
      ['day', def.day_backups ?? 0],
      ['week', def.week_backups ?? 0],
      ['month', def.month_backups ?? 0],
      ['year', def.year_backups ?? 0],
    ] as Array<[Period, number]>
  ).filter(([, n]) => n > 0);
  if (!expiresBackups(def)) return [];
  const offset = tzOffsetMinutes(def.timezone);
  const cutoff = days > 0 ? now.getTime() - days * 86_400_000 : null;
  const byResource = new Map<string, RetainedBackup[]>();
  for (const b of backups) byResource.set(b.resourceId, [...(byResource.get(b.resourceId) ?? []), b]);
  const doomed: string[] = [];
  for (const list of byResource.values()) {
    list.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    const kept = new Set<string>();
    for (const [period, n] of longTerm) {
      const seen = new Set<string>();
      for (const b of list) {
        const key = periodKey(b.createdAt, offset, period);
        if (seen.has(key)) continue;
        if (seen.size >= n) break;
        seen.add(key);
        kept.add(b.id);
      }
    }
    list.forEach((b, i) => {
      const expiredByCount = max > 0 && i >= max;
      const expiredByAge = cutoff !== null && Date.parse(b.createdAt) < cutoff;
      // With both rules, a backup goes when either says so (CBR applies whichever is configured); the newest
      // backup of a resource always stays, so that retention never leaves a resource with none.
      if ((expiredByCount || expiredByAge) && !kept.has(b.id) && i > 0) doomed.push(b.id);
    });
  }
  return doomed;
}
