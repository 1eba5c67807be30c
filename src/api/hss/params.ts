// Query and body checks shared by the HSS routes (HSS ranges; failures are HSS.0001).
import type { FastifyReply } from 'fastify';
import { AppError } from '../../domain/errors.js';
import { parseRule } from './schedule.js';
import { type OperationDefinition, Query } from './schemas.js';

export type Q = Record<string, string | string[] | undefined>;

export function invalid(field: string, problem: string): AppError {
  return new AppError('validation', `Invalid parameter ${field}: ${problem}`, { field });
}

export function one(q: Q, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** An optional query parameter restricted to `allowed`; anything else is HSS.0001 naming the values. */
export function oneOf<T extends string>(q: Q, name: string, allowed: readonly T[]): T | undefined {
  const v = one(q, name);
  if (v === undefined || (allowed as readonly string[]).includes(v)) return v as T | undefined;
  const values = allowed.length === 2 ? `${allowed[0]} or ${allowed[1]}` : `one of ${allowed.join(', ')}`;
  throw invalid(name, `must be ${values}`);
}

export function intParam(q: Q, name: string, min: number, max: number, dflt: number | null): number {
  const raw = one(q, name);
  if (raw === undefined || raw === '') {
    if (dflt === null) throw invalid(name, 'is required');
    return dflt;
  }
  if (!/^\d+$/.test(raw)) throw invalid(name, `must be an integer from ${min} to ${max}`);
  const n = Number(raw);
  if (n < min || n > max) throw invalid(name, `must be an integer from ${min} to ${max}`);
  return n;
}

/** HSS paging: offset 0–2000000 (default 0), limit 10–200 (default 10); `required` makes both mandatory. */
export function paging(q: Q, required: boolean): { offset: number; limit: number } {
  return {
    offset: intParam(q, 'offset', 0, 2_000_000, required ? null : 0),
    limit: intParam(q, 'limit', 10, 200, required ? null : 10),
  };
}

/** Canonical timestamp `days` days ago (the `last_days` filters, 1–30). */
export function daysAgo(q: Q): string | undefined {
  if (one(q, 'last_days') === undefined) return undefined;
  const days = intParam(q, 'last_days', 1, 30, null);
  return new Date(Date.now() - days * 86_400_000).toISOString().replace('Z', '000Z');
}

export function checkPatterns(field: string, patterns: string[]): void {
  for (const [i, p] of patterns.entries()) {
    try {
      parseRule(p);
    } catch (err) {
      throw invalid(
        `${field}[${i}]`,
        `${p} is not a supported schedule (FREQ=DAILY|WEEKLY;BYDAY=..;BYHOUR=..;BYMINUTE=..;INTERVAL=..): ${(err as Error).message}`,
      );
    }
  }
}

export function checkOperationDefinition(
  field: string,
  d: OperationDefinition | undefined,
): OperationDefinition {
  const def: OperationDefinition = { max_backups: -1, retention_duration_days: -1, ...(d ?? {}) };
  const longTerm = [def.day_backups, def.week_backups, def.month_backups, def.year_backups].some(
    (x) => x !== undefined,
  );
  if (longTerm && !def.timezone)
    throw invalid(`${field}.timezone`, 'is required with day/week/month/year_backups');
  if (def.timezone !== undefined && !/^UTC[+-]\d{2}:\d{2}$/.test(def.timezone)) {
    throw invalid(`${field}.timezone`, 'must look like UTC+08:00');
  }
  if (def.max_backups === 0) throw invalid(`${field}.max_backups`, 'must be -1 or 1–99999');
  if (def.retention_duration_days === 0)
    throw invalid(`${field}.retention_duration_days`, 'must be -1 or 1–99999');
  return def;
}

export function reply200(reply: FastifyReply): void {
  reply.code(200).send();
}
