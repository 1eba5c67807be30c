// Reading raw query strings (paging and other parameters), for every protocol: Fastify gives a repeated parameter as an array, and each
// protocol decides whether the last one wins (HSS, Cinder) or a repeat is an error (CBR).
import { invalidField } from '../domain/errors.js';

export type Q = Record<string, string | string[] | undefined>;

/** The last value of a possibly repeated parameter. */
export function lastValue(q: Q, name: string): string | undefined {
  const v = q[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** The value of a parameter that may be given once; a repeat is a 400 naming it. */
export function singleValue(q: Q, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) throw invalidField(name, 'must be given at most once');
  return v;
}

/** A whole number from `min` to `max` (digits only: no sign, no exponent), or a 400 naming the field. */
export function intInRange(raw: string, field: string, min: number, max: number): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= min && n <= max)) throw invalidField(field, `must be an integer from ${min} to ${max}`);
  return n;
}
