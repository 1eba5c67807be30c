// Tags of vaults, servers and volumes (cbr_tags), vaults' bind rules (cbr_vault_bind_rules), and the
// resource-instance filter over a project's vaults.
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { TagRepository } from '../../domain/ports/cbr-repositories.js';
import {
  type Tag,
  type TagCondition,
  type TagFilter,
  type TagResourceKind,
  fuzzyPart,
} from '../../domain/tags.js';
import type { CbrTables } from '../cbr-schema.js';
import type { TagTables } from '../tag-tables.js';
import type { CbrDb } from './sql.js';

/** A condition no row meets (a boolean parameter would not bind on SQLite). */
const NOTHING = sql<SqlBool>`1 = 0`;

type VaultEb = ExpressionBuilder<CbrTables & TagTables & { v: CbrTables['cbr_vaults'] }, 'v'>;

/** `%text%` for LIKE with `\` escaping, lower-cased (fuzzy matches ignore case on both catalogs). */
function containsPattern(s: string): string {
  return `%${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The vault carries the condition's key with one of its values (any value when none are given). */
function holds(eb: VaultEb, c: TagCondition): Expression<SqlBool> {
  return eb.exists(
    eb
      .selectFrom('cbr_tags as t')
      .select(sql.lit(1).as('one'))
      .whereRef('t.resource_id', '=', 'v.id')
      .where('t.resource_kind', '=', 'vault')
      .where('t.tag_key', '=', c.key)
      .$if(c.values.length > 0, (q) =>
        q.where((e) =>
          e.or(
            c.values.map((value) => {
              const part = fuzzyPart(value);
              return part === null
                ? e('t.tag_value', '=', value)
                : e(
                    sql<string>`lower(t.tag_value)`,
                    'like',
                    sql<string>`${containsPattern(part)} escape '\\'`,
                  );
            }),
          ),
        ),
      ),
  );
}

/** The filter as one SQL condition on `v` (cbr_vaults). */
function filterCondition(eb: VaultEb, f: TagFilter): Expression<SqlBool> {
  const parts: Expression<SqlBool>[] = [];
  if (f.withoutAnyTag) {
    parts.push(
      eb.not(
        eb.exists(
          eb
            .selectFrom('cbr_tags as t')
            .select(sql.lit(1).as('one'))
            .whereRef('t.resource_id', '=', 'v.id')
            .where('t.resource_kind', '=', 'vault'),
        ),
      ),
    );
  } else {
    if (f.tags?.length) parts.push(eb.and(f.tags.map((c) => holds(eb, c))));
    if (f.tagsAny?.length) parts.push(eb.or(f.tagsAny.map((c) => holds(eb, c))));
    if (f.notTags?.length) parts.push(eb.not(eb.and(f.notTags.map((c) => holds(eb, c)))));
    if (f.notTagsAny?.length) parts.push(eb.not(eb.or(f.notTagsAny.map((c) => holds(eb, c)))));
  }
  if (f.nameMatch !== undefined) {
    parts.push(
      f.nameMatch === ''
        ? eb('v.name', '=', '')
        : eb(sql<string>`lower(v.name)`, 'like', sql<string>`${containsPattern(f.nameMatch)} escape '\\'`),
    );
  }
  if (f.enterpriseProjectIds !== undefined) {
    parts.push(
      f.enterpriseProjectIds.length === 0
        ? NOTHING
        : eb('v.enterprise_project_id', 'in', f.enterpriseProjectIds),
    );
  }
  if (f.objectType !== undefined) parts.push(eb('v.object_type', '=', f.objectType));
  if (f.cloudType === 'hybrid') parts.push(NOTHING);
  return eb.and(parts);
}

export class SqlTagRepository implements TagRepository {
  constructor(private readonly db: CbrDb) {}

  async tagsOf(kind: TagResourceKind, resourceId: string): Promise<Tag[]> {
    return (await tagsOfMany(this.db, kind, [resourceId])).get(resourceId) ?? [];
  }

  async putTags(kind: TagResourceKind, projectId: string, resourceId: string, tags: Tag[]): Promise<void> {
    await putTags(this.db, kind, projectId, resourceId, tags);
  }

  async deleteTags(
    kind: TagResourceKind,
    resourceId: string,
    tags: Array<{ key: string; value?: string }>,
  ): Promise<number> {
    let n = 0;
    for (const t of tags) {
      let q = this.db
        .deleteFrom('cbr_tags')
        .where('resource_kind', '=', kind)
        .where('resource_id', '=', resourceId)
        .where('tag_key', '=', t.key);
      if (t.value !== undefined) q = q.where('tag_value', '=', t.value);
      n += Number((await q.executeTakeFirst()).numDeletedRows);
    }
    return n;
  }

  async forgetResource(kind: TagResourceKind, resourceId: string): Promise<void> {
    await forgetTags(this.db, kind, resourceId);
  }

  async projectTags(
    projectId: string,
    kind: TagResourceKind,
  ): Promise<Array<{ key: string; values: string[] }>> {
    const rows = await this.db
      .selectFrom('cbr_tags')
      .select(['tag_key', 'tag_value'])
      .distinct()
      .where('project_id', '=', projectId)
      .where('resource_kind', '=', kind)
      .execute();
    const byKey = new Map<string, Set<string>>();
    for (const r of rows) byKey.set(r.tag_key, (byKey.get(r.tag_key) ?? new Set()).add(r.tag_value));
    // Sorted here, by code unit, so both catalogs answer in the same order whatever their collation.
    return [...byKey]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, values]) => ({ key, values: [...values].sort() }));
  }

  async filterVaults(
    projectId: string,
    filter: TagFilter,
    page: { limit: number; offset: number },
  ): Promise<{ ids: string[]; count: number }> {
    const base = this.db
      .selectFrom('cbr_vaults as v')
      .where('v.project_id', '=', projectId)
      .where((eb) => filterCondition(eb as unknown as VaultEb, filter));
    const c = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const rows = await base
      .select('v.id')
      .orderBy('v.created_at', 'desc')
      .orderBy('v.id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    return { ids: rows.map((r) => r.id), count: Number(c.n) };
  }

  async autoBindVaults(
    projectId: string,
    objectType: string,
  ): Promise<Array<{ vaultId: string; rules: Tag[] }>> {
    const rows = await this.db
      .selectFrom('cbr_vaults')
      .select('id')
      .where('project_id', '=', projectId)
      .where('object_type', '=', objectType)
      .where('auto_bind', '=', 1)
      .where('status', '=', 'available')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const rules = await bindRulesOf(
      this.db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({ vaultId: r.id, rules: rules.get(r.id) ?? [] }));
  }
}

// Shared with the vault repository, which reads and writes a vault's tags and bind rules with the vault.

export async function tagsOfMany(
  db: CbrDb,
  kind: TagResourceKind,
  ids: string[],
): Promise<Map<string, Tag[]>> {
  const out = new Map<string, Tag[]>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('cbr_tags')
    .select(['resource_id', 'tag_key', 'tag_value'])
    .where('resource_kind', '=', kind)
    .where('resource_id', 'in', ids)
    .execute();
  rows.sort((a, b) => (a.tag_key < b.tag_key ? -1 : a.tag_key > b.tag_key ? 1 : 0));
  for (const r of rows) {
    const list = out.get(r.resource_id) ?? [];
    list.push({ key: r.tag_key, value: r.tag_value });
    out.set(r.resource_id, list);
  }
  return out;
}

export async function putTags(
  db: CbrDb,
  kind: TagResourceKind,
  projectId: string,
  resourceId: string,
  tags: Tag[],
): Promise<void> {
  for (const t of tags) {
    await db
      .insertInto('cbr_tags')
      .values({
        resource_kind: kind,
        resource_id: resourceId,
        project_id: projectId,
        tag_key: t.key,
        tag_value: t.value,
      })
      .onConflict((oc) =>
        oc.columns(['resource_kind', 'resource_id', 'tag_key']).doUpdateSet({ tag_value: t.value }),
      )
      .execute();
  }
}

export async function forgetTags(db: CbrDb, kind: TagResourceKind, resourceId: string): Promise<void> {
  await db
    .deleteFrom('cbr_tags')
    .where('resource_kind', '=', kind)
    .where('resource_id', '=', resourceId)
    .execute();
}

export async function bindRulesOf(db: CbrDb, vaultIds: string[]): Promise<Map<string, Tag[]>> {
  const out = new Map<string, Tag[]>();
  if (vaultIds.length === 0) return out;
  const rows = await db
    .selectFrom('cbr_vault_bind_rules')
    .selectAll()
    .where('vault_id', 'in', vaultIds)
    .orderBy('vault_id')
    .orderBy('position')
    .execute();
  for (const r of rows) {
    const list = out.get(r.vault_id) ?? [];
    list.push({ key: r.tag_key, value: r.tag_value });
    out.set(r.vault_id, list);
  }
  return out;
}

/** Replaces a vault's bind rules. */
export async function setBindRules(db: CbrDb, vaultId: string, rules: Tag[]): Promise<void> {
  await db.deleteFrom('cbr_vault_bind_rules').where('vault_id', '=', vaultId).execute();
  if (rules.length === 0) return;
  await db
    .insertInto('cbr_vault_bind_rules')
    .values(rules.map((r, position) => ({ vault_id: vaultId, tag_key: r.key, tag_value: r.value, position })))
    .execute();
}
