// ListBackups query parsing: every documented parameter, each checked, with a 400 naming the field.
import {
  BACKUP_STATUSES,
  type BackupFilter,
  type BackupPage,
  type BackupStatus,
  SORT_KEYS,
  type SortKey,
  type SortSpec,
} from '../../domain/cbr-model.js';
import { invalidField } from '../../domain/errors.js';
import { RESOURCE_TYPE_NAMES, resourceKindOf } from '../../domain/resource-types.js';
import { parseFilterTime, secondEnd } from '../../domain/timestamps.js';
import { type Q, intInRange, singleValue } from '../query.js';

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 1000;

function nonEmpty(q: Q, field: string, max = 255): string | undefined {
  const v = singleValue(q, field);
  if (v === undefined) return undefined;
  if (v.length === 0) throw invalidField(field, 'must not be empty');
  if (v.length > max) throw invalidField(field, `must be at most ${max} characters`);
  return v;
}

function oneOf<T extends string>(q: Q, field: string, allowed: readonly T[]): T | undefined {
  const v = singleValue(q, field);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v))
    throw invalidField(field, `must be one of ${allowed.join(', ')}`);
  return v as T;
}

function bool(q: Q, field: string): boolean | undefined {
  const v = singleValue(q, field);
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalidField(field, 'must be true or false');
}

function int(q: Q, field: string, min: number, max: number): number | undefined {
  const v = singleValue(q, field);
  return v === undefined ? undefined : intInRange(v, field, min, max);
}

function time(q: Q, field: string): string | undefined {
  const v = singleValue(q, field);
  if (v === undefined) return undefined;
  const t = parseFilterTime(v);
  if (!t) throw invalidField(field, 'must be a time in the form YYYY-MM-DDTHH:MM:SSZ');
  return t;
}

/** `key[:asc|desc],key[:dir]`, at most 255 characters; default direction desc; keys from `keys`. */
export function parseSort<K extends string = SortKey>(
  s: string,
  keys: readonly K[] = SORT_KEYS as readonly string[] as readonly K[],
): Array<{ key: K; dir: 'asc' | 'desc' }> {
  if (s.length === 0 || s.length > 255) throw invalidField('sort', 'must be 1 to 255 characters');
  const out: Array<{ key: K; dir: 'asc' | 'desc' }> = [];
  for (const part of s.split(',')) {
    const [key, dir, extra] = part.trim().split(':');
    if (extra !== undefined || !key || !(keys as readonly string[]).includes(key)) {
      throw invalidField('sort', `key must be one of ${keys.join(', ')}`);
    }
    if (dir !== undefined && dir !== 'asc' && dir !== 'desc')
      throw invalidField('sort', 'direction must be asc or desc');
    if (out.some((o) => o.key === key)) throw invalidField('sort', `key ${key} is given twice`);
    out.push({ key: key as K, dir: (dir ?? 'desc') as 'asc' | 'desc' });
  }
  return out;
}

export interface ParsedListBackups {
  filter: BackupFilter;
  page: BackupPage;
}

export function parseListBackupsQuery(projectId: string, q: Q): ParsedListBackups {
  const filter: BackupFilter = { projectId };
  const s = (field: string, max?: number) => nonEmpty(q, field, max);

  filter.checkpointId = s('checkpoint_id', 64);
  filter.vaultId = s('vault_id', 64);
  filter.resourceId = s('resource_id', 64);
  filter.resourceAz = s('resource_az', 64);
  filter.resourceName = s('resource_name');
  filter.name = s('name');
  const parent = s('parent_id', 64);
  // Without parent_id the listing shows top-level backups; a server's disk backups are its children.
  filter.parentId = parent ?? null;
  filter.dedicatedCloud = bool(q, 'dec');
  filter.imageType = oneOf(q, 'image_type', ['backup', 'replication'] as const);
  const rt = oneOf(q, 'resource_type', RESOURCE_TYPE_NAMES);
  if (rt) filter.resourceKind = resourceKindOf(rt) ?? undefined;
  filter.ownType = oneOf(q, 'own_type', ['private', 'shared', 'all_granted'] as const);
  const ms = oneOf(q, 'member_status', ['pending', 'accept', 'reject', 'accepted', 'rejected'] as const);
  if (ms) filter.memberStatus = ms === 'accept' ? 'accepted' : ms === 'reject' ? 'rejected' : ms;
  filter.enterpriseProjectId = s('enterprise_project_id', 64);
  filter.createdFrom = time(q, 'start_time');
  const end = time(q, 'end_time');
  // The filter has whole seconds: end_time includes every backup made during that second.
  if (end !== undefined) filter.createdTo = secondEnd(end);
  if (filter.createdFrom && filter.createdTo && filter.createdFrom > filter.createdTo) {
    throw invalidField('end_time', 'must not be earlier than start_time');
  }
  filter.usedPercentAtLeast = int(q, 'used_percent', 1, 100);
  const st = q.status;
  if (st !== undefined) {
    const list = Array.isArray(st) ? st : [st];
    for (const v of list) {
      if (!(BACKUP_STATUSES as readonly string[]).includes(v)) {
        throw invalidField('status', `must be one of ${BACKUP_STATUSES.join(', ')}`);
      }
    }
    filter.statuses = [...new Set(list)] as BackupStatus[];
  }
  // Accepted and checked, no effect on the result: replication records are always listed (empty), and
  // `incremental` filters on the backup flag.
  bool(q, 'show_replication');
  const inc = bool(q, 'incremental');
  const sortStr = singleValue(q, 'sort');
  const page: BackupPage = {
    sort: sortStr === undefined ? [{ key: 'created_at', dir: 'desc' }] : parseSort(sortStr),
    limit: int(q, 'limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT,
    offset: int(q, 'offset', 0, 2147483647) ?? 0,
  };
  const marker = s('marker', 64);
  if (marker !== undefined) page.marker = marker;
  for (const k of Object.keys(filter) as (keyof BackupFilter)[])
    if (filter[k] === undefined) delete filter[k];
  if (inc !== undefined) filter.incremental = inc;
  return { filter, page };
}
