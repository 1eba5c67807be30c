// Tags (TMS style) on vaults and on inventory servers and volumes: the key/value rules CBR enforces, the
// resource-instance filter's model, and which vault's bind rules a tagged resource matches.
import { AppError } from './errors.js';

export interface Tag {
  key: string;
  value: string;
}

/** The kinds of resources that carry tags. */
export type TagResourceKind = 'vault' | 'server' | 'volume';

/** Tags a vault (or an inventory resource) can carry at most. */
export const MAX_TAGS = 20;
/** Tags a vault's bind rules name at most (VaultBindRules.tags, 1–5). */
export const MAX_BIND_RULES = 5;
const KEY_MAX = 36;
const VALUE_MAX = 43;
/** Batch delete and the filters accept TMS's wider bounds (keys they name may come from other services). */
const WIDE_KEY_MAX = 127;
const WIDE_VALUE_MAX = 255;
const FILTER_VALUES_MAX = 20;
/** `_sys_` keys are the platform's (sys_tags, only op_service may set them). */
const SYS_PREFIX = '_sys_';
export const SYS_ENTERPRISE_PROJECT_KEY = '_sys_enterprise_project_id';

// Keys: letters (any script), digits, `-` and `_`. Values: anything but ASCII controls and =*<>\,|/.
const KEY_RE = /^[\p{L}\p{N}_-]+$/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the controls are what the rule refuses.
const FORBIDDEN_RE = /[\u0000-\u001f=*<>\\,|/]/;

function bad(field: string, problem: string): AppError {
  return new AppError('validation', `Invalid parameter ${field}: ${problem}`, { field });
}

export function tagLimitError(resourceId: string, wanted: number): AppError {
  return new AppError(
    'tag_limit',
    `The maximum number of tags has been reached for the resource: ${resourceId} would carry ${wanted} tags, at most ${MAX_TAGS} are allowed.`,
  );
}

/** A tag key as stored: trimmed, 1–36 characters (1–127 for `wide`), letters, digits, `-`, `_`. */
export function checkTagKey(field: string, raw: unknown, wide = false): string {
  if (typeof raw !== 'string') throw bad(field, 'must be a string');
  const key = raw.trim();
  const max = wide ? WIDE_KEY_MAX : KEY_MAX;
  if (key.length === 0 || key.length > max) throw bad(field, `must be 1–${max} characters`);
  if (!wide && key.startsWith(SYS_PREFIX)) throw bad(field, `keys starting with ${SYS_PREFIX} are reserved`);
  if (wide ? FORBIDDEN_RE.test(key) : !KEY_RE.test(key)) {
    throw bad(
      field,
      wide
        ? 'must not contain control characters or any of = * < > \\ , | /'
        : 'may contain only letters, digits, - and _',
    );
  }
  return key;
}

/** A tag value as stored: trimmed, 0–43 characters (0–255 for `wide`), no control characters or =*<>\,|/. */
export function checkTagValue(field: string, raw: unknown, wide = false): string {
  if (typeof raw !== 'string') throw bad(field, 'must be a string');
  const value = raw.trim();
  const max = wide ? WIDE_VALUE_MAX : VALUE_MAX;
  if (value.length > max) throw bad(field, `must be at most ${max} characters`);
  if (FORBIDDEN_RE.test(value))
    throw bad(field, 'must not contain control characters or any of = * < > \\ , | /');
  return value;
}

/** A list of tags to set: each key and value valid, keys unique, at most `max` of them. */
export function checkTags(field: string, raw: unknown, max = MAX_TAGS): Tag[] {
  if (!Array.isArray(raw)) throw bad(field, 'must be a list of tags');
  if (raw.length > max) throw bad(field, `must hold at most ${max} tags`);
  const seen = new Set<string>();
  return raw.map((t, i) => {
    const f = `${field}[${i}]`;
    if (typeof t !== 'object' || t === null) throw bad(f, 'must be an object with key and value');
    const o = t as { key?: unknown; value?: unknown };
    const key = checkTagKey(`${f}.key`, o.key);
    if (o.value === undefined) throw bad(`${f}.value`, 'is required');
    const value = checkTagValue(`${f}.value`, o.value);
    if (seen.has(key)) throw bad(`${f}.key`, `duplicate key ${key}`);
    seen.add(key);
    return { key, value };
  });
}

/** Tags to delete: a key each (wide bounds), the value optional (given = only that key=value goes). */
export function checkTagsToDelete(field: string, raw: unknown): Array<{ key: string; value?: string }> {
  if (!Array.isArray(raw) || raw.length === 0) throw bad(field, 'must be a non-empty list of tags');
  if (raw.length > MAX_TAGS) throw bad(field, `must hold at most ${MAX_TAGS} tags`);
  return raw.map((t, i) => {
    const f = `${field}[${i}]`;
    if (typeof t !== 'object' || t === null) throw bad(f, 'must be an object with a key');
    const o = t as { key?: unknown; value?: unknown };
    const key = checkTagKey(`${f}.key`, o.key, true);
    return o.value === undefined ? { key } : { key, value: checkTagValue(`${f}.value`, o.value, true) };
  });
}

/** The tags a resource carries after `add` is merged into `current` (same key = new value). */
export function mergeTags(current: Tag[], add: Tag[]): Tag[] {
  const out = new Map(current.map((t) => [t.key, t.value]));
  for (const t of add) out.set(t.key, t.value);
  return [...out].map(([key, value]) => ({ key, value }));
}

/** One tag condition of a filter: the key, and its values (any of them; none = any value; `*x` = contains x). */
export interface TagCondition {
  key: string;
  values: string[];
}

/** ShowVaultResourceInstances' filter over a project's vaults; every given part must hold. */
export interface TagFilter {
  /** Every condition holds. */
  tags?: TagCondition[];
  /** At least one condition holds. */
  tagsAny?: TagCondition[];
  /** Not every condition holds. */
  notTags?: TagCondition[];
  /** No condition holds. */
  notTagsAny?: TagCondition[];
  /** Only vaults with no tag at all (the tag conditions are then ignored, as TMS does). */
  withoutAnyTag?: boolean;
  /** The vault name: empty = exactly "", else contains it (case-insensitive). */
  nameMatch?: string;
  /** Enterprise projects the vault belongs to (sys_tags `_sys_enterprise_project_id`). */
  enterpriseProjectIds?: string[];
  objectType?: string;
  /** `hybrid` matches nothing: opencbr vaults are all public-cloud ones. */
  cloudType?: 'public' | 'hybrid';
}

/** A list of filter conditions: keys unique (≤127), at most 20 values of ≤255 characters each. */
export function checkConditions(field: string, raw: unknown): TagCondition[] {
  if (!Array.isArray(raw)) throw bad(field, 'must be a list of {key, values}');
  if (raw.length > MAX_TAGS) throw bad(field, `must hold at most ${MAX_TAGS} keys`);
  const seen = new Set<string>();
  return raw.map((c, i) => {
    const f = `${field}[${i}]`;
    if (typeof c !== 'object' || c === null) throw bad(f, 'must be an object with key and values');
    const o = c as { key?: unknown; values?: unknown };
    const key = checkTagKey(`${f}.key`, o.key, true);
    if (seen.has(key)) throw bad(`${f}.key`, `duplicate key ${key}`);
    seen.add(key);
    if (!Array.isArray(o.values))
      throw bad(`${f}.values`, 'is required: a list of values (empty = any value)');
    if (o.values.length > FILTER_VALUES_MAX)
      throw bad(`${f}.values`, `must hold at most ${FILTER_VALUES_MAX} values`);
    const values = o.values.map((v, j) => {
      if (typeof v !== 'string') throw bad(`${f}.values[${j}]`, 'must be a string');
      if (v.length > WIDE_VALUE_MAX)
        throw bad(`${f}.values[${j}]`, `must be at most ${WIDE_VALUE_MAX} characters`);
      return v;
    });
    return { key, values };
  });
}

/** A fuzzy filter value (`*x`): the text it must contain, else null (the value must be equal). */
export function fuzzyPart(value: string): string | null {
  return value.startsWith('*') ? value.slice(1) : null;
}

/**
 * Whether a resource with these tags is one a vault's bind rules take: it carries at least one of the rule
 * tags (same key and value). A vault with no rules takes every resource of its kind.
 */
export function matchesBindRules(rules: Tag[], tags: Tag[]): boolean {
  if (rules.length === 0) return true;
  return rules.some((r) => tags.some((t) => t.key === r.key && t.value === r.value));
}

/** VaultBindRules.tags: up to 5 {key, value}, each key and value a valid tag (an empty list clears them). */
export function checkBindRules(field: string, raw: unknown): Tag[] {
  if (!Array.isArray(raw) || raw.length > MAX_BIND_RULES) {
    throw bad(field, `must be a list of at most ${MAX_BIND_RULES} tags`);
  }
  const seen = new Set<string>();
  return raw.map((t, i) => {
    const f = `${field}[${i}]`;
    if (typeof t !== 'object' || t === null) throw bad(f, 'must be an object with key and value');
    const o = t as { key?: unknown; value?: unknown };
    const key = checkTagKey(`${f}.key`, o.key);
    if (o.value === undefined) throw bad(`${f}.value`, 'is required');
    const value = checkTagValue(`${f}.value`, o.value);
    if (seen.has(`${key}=${value}`)) throw bad(f, `duplicate rule ${key}=${value}`);
    seen.add(`${key}=${value}`);
    return { key, value };
  });
}
