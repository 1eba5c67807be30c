// The time source services and jobs use, injected by the composition root (tests pass a fixed or stepping one).
import { microsToTimestamp, nowTimestamp } from '../cbr-rules.js';

export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/**
 * Canonical timestamps (see nowTimestamp) read from `clock`: the system clock keeps microsecond precision;
 * another clock gives its milliseconds, still strictly increasing per generator so that string order stays
 * write order.
 */
export function timestampsOf(clock: Clock): () => string {
  if (clock === systemClock) return nowTimestamp;
  // One generator per clock: every service reading the same clock shares its order.
  const kept = generators.get(clock);
  if (kept) return kept;
  let last = 0;
  const next = () => {
    let micros = clock().getTime() * 1000;
    if (micros <= last) micros = last + 1;
    last = micros;
    return microsToTimestamp(micros);
  };
  generators.set(clock, next);
  return next;
}

const generators = new WeakMap<Clock, () => string>();
