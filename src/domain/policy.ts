// CBR policies: the model and the rules a policy passes before it is stored (CBR's section on policies): a
// name, a schedule in the RRULE subset with at least an hour between its time points, and retention rules that
// do not contradict each other. Replication policies need a destination region, which this deployment cannot
// reach yet, so they are refused rather than stored and never run.
import {
  type OperationDefinition,
  checkOperationDefinition,
  checkSchedulePatterns,
} from './backup-policy.js';
import { AppError, invalidField } from './errors.js';
import { tooClose } from './schedule.js';

export type PolicyOperationType = 'backup' | 'replication';

export interface PolicyDefinition extends OperationDefinition {
  /** Every Nth automatic backup of a resource is a full one; -1: never (incremental forever). */
  full_backup_interval?: number;
}

export interface Policy {
  id: string;
  projectId: string;
  name: string;
  operationType: PolicyOperationType;
  enabled: boolean;
  definition: PolicyDefinition;
  triggerId: string;
  patterns: string[];
  createdAt: string;
  updatedAt: string;
}

const NAME = /^[\p{L}\p{N}_-]{1,64}$/u;

export function checkPolicyName(name: string): void {
  if (!NAME.test(name)) throw invalidField('policy.name', 'must be 1–64 letters, digits, "_" or "-"');
}

/** The definition with its defaults, or a 400 naming the field. */
export function checkPolicyDefinition(d: PolicyDefinition): PolicyDefinition {
  const field = 'policy.operation_definition';
  const def = checkOperationDefinition(field, d) as PolicyDefinition;
  const max = def.max_backups ?? -1;
  const days = def.retention_duration_days ?? -1;
  if (max > 0 && days > 0)
    throw invalidField(`${field}.max_backups`, 'cannot be combined with retention_duration_days');
  const longTerm = [def.day_backups, def.week_backups, def.month_backups, def.year_backups].some(
    (x) => (x ?? 0) > 0,
  );
  if (longTerm && days > 0)
    throw invalidField(
      `${field}.retention_duration_days`,
      'cannot be combined with day_backups, week_backups, month_backups or year_backups',
    );
  if (def.full_backup_interval === 0)
    throw invalidField(`${field}.full_backup_interval`, 'must be -1 (never) or 1–100');
  return def;
}

/** The patterns are in the subset and at least an hour apart, or a 400 naming the field. */
export function checkPolicyPatterns(patterns: readonly string[]): void {
  const field = 'policy.trigger.properties.pattern';
  checkSchedulePatterns(field, patterns);
  const close = tooClose(patterns);
  if (close)
    throw invalidField(
      field,
      `time points must be at least one hour apart (${close[0].toISOString().slice(11, 16)} and ${close[1]
        .toISOString()
        .slice(11, 16)} UTC are not)`,
    );
}

/** Replication needs another region; none can be declared yet, so a replication policy is refused. */
export function refuseReplication(): never {
  throw new AppError(
    'validation',
    'Replication policies are not supported: this deployment has no replication destination region.',
    { field: 'policy.operation_type' },
  );
}
