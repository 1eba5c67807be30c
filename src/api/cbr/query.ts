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
import { parseFilterTime } from '../../domain/cbr-rules.js';
import { AppError } from '../../domain/errors.js';

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 1000;

const invalid = (field: string, problem: string) =>
  new AppError('validation', `Invalid parameter ${field}: ${problem}`, { field });

type Q = Record<string, string | string[] | undefined>;

function single(q: Q, field: string): string | undefined {
  const v = q[field];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw invalid(field, 'must be given at most once');
  return v;
}

function nonEmpty(q: Q, field: string, max = 255): string | undefined {
  const v = single(q, field);
  if (v === undefined) return undefined;
  if (v.length === 0) throw invalid(field, 'must not be empty');
  if (v.length > max) throw invalid(field, `must be at most ${max} characters`);
  return v;
}

function oneOf<T extends string>(q: Q, field: string, allowed: readonly T[]): T | undefined {
  const v = single(q, field);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v))
    throw invalid(field, `must be one of ${allowed.join(', ')}`);
  return v as T;
}

function bool(q: Q, field: string): boolean | undefined {
  const v = single(q, field);
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalid(field, 'must be true or false');
}

function int(q: Q, field: string, min: number, max: number): number | undefined {
  const v = single(q, field);
  if (v === undefined) return undefined;
  if (!/^\d{1,10}$/.test(v)) throw invalid(field, `must be an integer from ${min} to ${max}`);
  const n = Number(v);
  if (n < min || n > max) throw invalid(field, `must be an integer from ${min} to ${max}`);
  return n;
}

function time(q: Q, field: string): string | undefined {
  const v = single(q, field);
  if (v === undefined) return undefined;
  const t = parseFilterTime(v);
  if (!t) throw invalid(field, 'must be a time in the form YYYY-MM-DDTHH:MM:SSZ');
  return t;
}

/** `key[:asc|desc],key[:dir]`, at most 255 characters; default direction desc. */
export function parseSort(s: string): SortSpec[] {
  if (s.length === 0 || s.length > 255) throw invalid('sort', 'must be 1 to 255 characters');
  const out: SortSpec[] = [];
  for (const part of s.split(',')) {
    const [key, dir, extra] = part.trim().split(':');
    if (extra !== undefined || !key || !(SORT_KEYS as readonly string[]).includes(key)) {
      throw invalid('sort', `key must be one of ${SORT_KEYS.join(', ')}`);
    }
    if (dir !== undefined && dir !== 'asc' && dir !== 'desc')
      throw invalid('sort', 'direction must be asc or desc');
    if (out.some((o) => o.key === key)) throw invalid('sort', `key ${key} is given twice`);
    out.push({ key: key as SortKey, dir: (dir ?? 'desc') as 'asc' | 'desc' });
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
  const rt = oneOf(q, 'resource_type', ['OS::Nova::Server', 'OS::Cinder::Volume'] as const);
  if (rt) filter.resourceKind = rt === 'OS::Nova::Server' ? 'server' : 'volume';
  filter.ownType = oneOf(q, 'own_type', ['private', 'shared', 'all_granted'] as const);
  const ms = oneOf(q, 'member_status', ['pending', 'accept', 'reject', 'accepted', 'rejected'] as const);
  if (ms) filter.memberStatus = ms === 'accept' ? 'accepted' : ms === 'reject' ? 'rejected' : ms;
  filter.enterpriseProjectId = s('enterprise_project_id', 64);
  filter.createdFrom = time(q, 'start_time');
  const end = time(q, 'end_time');
  // The filter has whole seconds: end_time includes every backup made during that second.
  if (end !== undefined) filter.createdTo = `${end.slice(0, 20)}999999Z`;
  if (filter.createdFrom && filter.createdTo && filter.createdFrom > filter.createdTo) {
    throw invalid('end_time', 'must not be earlier than start_time');
  }
  filter.usedPercentAtLeast = int(q, 'used_percent', 1, 100);
  const st = q.status;
  if (st !== undefined) {
    const list = Array.isArray(st) ? st : [st];
    for (const v of list) {
      if (!(BACKUP_STATUSES as readonly string[]).includes(v)) {
        throw invalid('status', `must be one of ${BACKUP_STATUSES.join(', ')}`);
      }
    }
    filter.statuses = [...new Set(list)] as BackupStatus[];
  }
  // Accepted and checked, no effect on the result: replication records are always listed (empty), and
  // `incremental` filters on the backup flag.
  bool(q, 'show_replication');
  const inc = bool(q, 'incremental');
  const sortStr = single(q, 'sort');
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
