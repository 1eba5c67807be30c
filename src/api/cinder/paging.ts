// Cinder list query parsing (limit/marker/offset/sort/with_count + filters, cinder/api/common.py rules)
// and the `backups_links` "next" link.
import { lastValue } from '../query.js';
import { badRequest } from './faults.js';
import { type Microversion, atLeast } from './microversion.js';
import type { Link } from './schemas.js';

export const MAX_LIMIT = 1000;

export type SortDir = 'asc' | 'desc';
export interface CinderSort {
  key: string;
  dir: SortDir;
}

export interface ListParams {
  limit: number;
  /** True when the client gave `limit` (decides whether a full page earns a next link). */
  limitGiven: boolean;
  marker: string | null;
  offset: number;
  sort: CinderSort[];
  withCount: boolean;
  allTenants: boolean;
  /** Exact-match filters (name, status, volume_id, …). */
  exact: Record<string, string>;
  /** `name~` style filters (≥3.34): substring match. */
  like: Record<string, string>;
}

const PAGING_KEYS = new Set(['limit', 'marker', 'offset', 'sort', 'sort_key', 'sort_dir', 'with_count']);
const TRUE = new Set(['1', 't', 'true', 'on', 'y', 'yes']);
const FALSE = new Set(['0', 'f', 'false', 'off', 'n', 'no']);

/** OpenStack's strict boolean parse (oslo strutils.bool_from_string(strict=True)). */
export function parseBool(value: unknown, field: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
  }
  throw badRequest(
    `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(value)}. ${JSON.stringify(value)} is not a valid boolean value`,
    field,
  );
}

function nonNegativeInt(raw: string, field: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw badRequest(`${field} param must be an integer`, field);
  const n = Number(raw);
  if (n < 0) throw badRequest(`${field} param must be positive`, field);
  if (!Number.isSafeInteger(n)) throw badRequest(`${field} param is too large`, field);
  return n;
}

/**
 * Parses a backups/volumes list query.
 * @param filterKeys the filters this collection accepts (besides the paging keys)
 * @param sortKeys the sort keys this collection accepts
 */
export function parseListQuery(
  query: Record<string, string | string[] | undefined>,
  v: Microversion,
  filterKeys: readonly string[],
  sortKeys: readonly string[],
): ListParams {
  const limitRaw = lastValue(query, 'limit');
  const offsetRaw = lastValue(query, 'offset');
  const limitGiven = limitRaw !== undefined;
  const limit = limitGiven ? Math.min(nonNegativeInt(limitRaw, 'limit'), MAX_LIMIT) : MAX_LIMIT;
  const offset = offsetRaw === undefined ? 0 : nonNegativeInt(offsetRaw, 'offset');
  const markerRaw = lastValue(query, 'marker');
  const marker = markerRaw === undefined || markerRaw === '' ? null : markerRaw;

  const sortRaw = lastValue(query, 'sort');
  const sortKeyRaw = lastValue(query, 'sort_key');
  const sortDirRaw = lastValue(query, 'sort_dir');
  let sort: CinderSort[];
  if (sortRaw !== undefined) {
    if (sortKeyRaw !== undefined || sortDirRaw !== undefined) {
      throw badRequest(
        "The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with the 'sort' parameter.",
        'sort',
      );
    }
    sort = sortRaw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map((item) => {
        const [key, dir] = item.split(':').map((p) => p.trim());
        return { key: key!, dir: (dir ?? 'desc').toLowerCase() as SortDir };
      });
  } else {
    sort = [{ key: sortKeyRaw ?? 'created_at', dir: (sortDirRaw ?? 'desc').toLowerCase() as SortDir }];
  }
  for (const s of sort) {
    if (s.dir !== 'asc' && s.dir !== 'desc') {
      throw badRequest("Unknown sort direction, must be 'desc' or 'asc'", 'sort');
    }
    if (!sortKeys.includes(s.key)) {
      throw badRequest(`Invalid input received: Invalid sort key ${s.key}`, 'sort');
    }
  }
  if (sort.length === 0) sort = [{ key: 'created_at', dir: 'desc' }];

  let withCount = false;
  const withCountRaw = lastValue(query, 'with_count');
  if (withCountRaw !== undefined && atLeast(v, '3.45')) withCount = parseBool(withCountRaw, 'with_count');

  const allTenantsRaw = lastValue(query, 'all_tenants');
  const allTenants = allTenantsRaw !== undefined && parseBool(allTenantsRaw, 'all_tenants');

  const exact: Record<string, string> = {};
  const like: Record<string, string> = {};
  const invalid: string[] = [];
  for (const key of Object.keys(query)) {
    if (PAGING_KEYS.has(key) || key === 'all_tenants') continue;
    const val = lastValue(query, key) ?? '';
    if (key.endsWith('~')) {
      const base = key.slice(0, -1);
      if (atLeast(v, '3.34') && filterKeys.includes(base)) like[base] = val;
      else invalid.push(key);
    } else if (filterKeys.includes(key)) {
      exact[key] = val;
    } else {
      invalid.push(key);
    }
  }
  // Before 3.31 Cinder silently drops filters a user may not use; from 3.31 it refuses them.
  if (invalid.length > 0 && atLeast(v, '3.31')) {
    throw badRequest(`Invalid filters ${invalid.join(', ')} are provided.`, invalid[0]);
  }
  return { limit, limitGiven, marker, offset, sort, withCount, allTenants, exact, like };
}

/**
 * Cinder adds a "next" link when the page is full: `limit` given and that many items returned, or
 * no limit and the max page size returned. The link repeats the query with marker = last id.
 */
export function nextLinks(
  params: ListParams,
  returned: Array<{ id: string }>,
  url: string,
  query: Record<string, string | string[] | undefined>,
): Link[] | undefined {
  const full = params.limitGiven
    ? returned.length > 0 && returned.length === params.limit
    : returned.length === MAX_LIMIT;
  if (!full) return undefined;
  const lastId = returned[returned.length - 1]!.id;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (k === 'marker' || k === 'offset' || v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) qs.append(k, item);
  }
  qs.set('marker', lastId);
  return [{ rel: 'next', href: `${url}?${qs.toString()}` }];
}
