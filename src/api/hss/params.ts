// Query checks shared by the HSS routes (HSS ranges; failures are HSS.0001).
import type { FastifyReply } from 'fastify';
import { invalidField } from '../../domain/errors.js';
import { daysBefore } from '../../domain/timestamps.js';
import { type Q, intInRange, lastValue } from '../query.js';

export type { Q };

/** HSS takes the last of repeated query parameters. */
export const one = lastValue;

/** An optional query parameter restricted to `allowed`; anything else is HSS.0001 naming the values. */
export function oneOf<T extends string>(q: Q, name: string, allowed: readonly T[]): T | undefined {
  const v = one(q, name);
  if (v === undefined || (allowed as readonly string[]).includes(v)) return v as T | undefined;
  const values = allowed.length === 2 ? `${allowed[0]} or ${allowed[1]}` : `one of ${allowed.join(', ')}`;
  throw invalidField(name, `must be ${values}`);
}

export function intParam(q: Q, name: string, min: number, max: number, dflt: number | null): number {
  const raw = one(q, name);
  if (raw === undefined || raw === '') {
    if (dflt === null) throw invalidField(name, 'is required');
    return dflt;
  }
  return intInRange(raw, name, min, max);
}

/** HSS paging: offset 0–2000000 (default 0), limit 10–200 (default 10); `required` makes both mandatory. */
export function paging(q: Q, required: boolean): { offset: number; limit: number } {
  return {
    offset: intParam(q, 'offset', 0, 2_000_000, required ? null : 0),
    limit: intParam(q, 'limit', 10, 200, required ? null : 10),
  };
}

/** The `last_days` filters (1–30): canonical timestamp that many days before `now`. */
export function daysAgo(q: Q, now: Date): string | undefined {
  if (one(q, 'last_days') === undefined) return undefined;
  return daysBefore(now, intParam(q, 'last_days', 1, 30, null));
}

export function reply200(reply: FastifyReply): void {
  reply.code(200).send();
}
