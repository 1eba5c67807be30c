// The operation definition of a backup policy (what CBR and HSS policies share: when backups expire,
// in which timezone long-term retention counts days) and the checks a policy passes before it is stored.
// The field names are the ones both APIs document and the catalog keeps in its JSON column.
import { invalidField } from './errors.js';
import { parseRule } from './schedule.js';

export interface OperationDefinition {
  day_backups?: number;
  week_backups?: number;
  month_backups?: number;
  year_backups?: number;
  /** Newest N backups per resource; -1: no count limit. */
  max_backups?: number;
  /** Backups younger than N days; -1: no age limit. */
  retention_duration_days?: number;
  /** `UTC+08:00`: where the long-term rules' days, weeks, months and years begin. */
  timezone?: string;
}

/** The definition with its defaults (-1: unlimited), or a 400 naming the field (`field.timezone`). */
export function checkOperationDefinition(
  field: string,
  d: OperationDefinition | undefined,
): OperationDefinition {
  const def: OperationDefinition = { max_backups: -1, retention_duration_days: -1, ...(d ?? {}) };
  const longTerm = [def.day_backups, def.week_backups, def.month_backups, def.year_backups].some(
    (x) => x !== undefined,
  );
  if (longTerm && !def.timezone)
    throw invalidField(`${field}.timezone`, 'is required with day/week/month/year_backups');
  if (def.timezone !== undefined && !/^UTC[+-]\d{2}:\d{2}$/.test(def.timezone)) {
    throw invalidField(`${field}.timezone`, 'must look like UTC+08:00');
  }
  if (def.max_backups === 0) throw invalidField(`${field}.max_backups`, 'must be -1 or 1–99999');
  if (def.retention_duration_days === 0)
    throw invalidField(`${field}.retention_duration_days`, 'must be -1 or 1–99999');
  return def;
}

/** Every pattern is in the supported schedule subset, or a 400 naming the first one that is not. */
export function checkSchedulePatterns(field: string, patterns: readonly string[]): void {
  for (const [i, p] of patterns.entries()) {
    try {
      parseRule(p);
    } catch (err) {
      throw invalidField(
        `${field}[${i}]`,
        `${p} is not a supported schedule (FREQ=DAILY|WEEKLY;BYDAY=..;BYHOUR=..;BYMINUTE=..;INTERVAL=..): ${(err as Error).message}`,
      );
    }
  }
}
