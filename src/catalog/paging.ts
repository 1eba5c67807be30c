// Paged lists that also report their total: the CBR and HSS list calls answer both from one filter.
import { type SelectQueryBuilder, type Selectable, sql } from 'kysely';

/**
 * Counts every row the filtered query matches, then reads one page of them newest first. The id breaks ties
 * between equal timestamps so that consecutive pages neither repeat nor skip a row.
 */
export async function countThenPage<DB, TB extends keyof DB, O>(
  q: SelectQueryBuilder<DB, TB, O>,
  page: { limit: number; offset: number },
) {
  const count = await countRows(q);
  return { items: await pageOf(q, page), count };
}

/** How many rows the filtered query matches. */
export async function countRows<DB, TB extends keyof DB, O>(
  q: SelectQueryBuilder<DB, TB, O>,
): Promise<number> {
  // Kysely cannot resolve selections over a generic table, so each query states the shape it returns.
  const c = await q
    .select((eb) => eb.fn.countAll().as('n'))
    .$castTo<{ n: number | string }>()
    .executeTakeFirstOrThrow();
  return Number(c.n);
}

/** One page of the filtered query, in countThenPage's order. */
export function pageOf<DB, TB extends keyof DB, O>(
  q: SelectQueryBuilder<DB, TB, O>,
  page: { limit: number; offset: number },
) {
  return q
    .selectAll()
    .orderBy(sql.ref('created_at'), 'desc')
    .orderBy(sql.ref('id'), 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .$castTo<Selectable<DB[TB]>>()
    .execute();
}
