// Who may read /metrics (OPENCBR_METRICS_TOKEN, OPENCBR_METRICS_ALLOW; the default is loopback only): the
// figures name every vault and project of the server, so an open listener must not hand them to anyone.
import { timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config.js';

/** ::ffff:10.0.0.1 is 10.0.0.1: an IPv4 client on a dual-stack listener. */
function plainAddress(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

const isLoopback = (a: string) => a === '::1' || /^127\./.test(a);

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** null when allowed, else the status and reason of the refusal. */
export function metricsRefusal(
  rule: Config['metrics'],
  remote: string,
  authorization: string | undefined,
): { status: 401 | 403; reason: string } | null {
  const address = plainAddress(remote);
  if (rule.allow) {
    if (!rule.allow.includes('*') && !rule.allow.map(plainAddress).includes(address))
      return { status: 403, reason: `The client address ${address} is not in OPENCBR_METRICS_ALLOW.` };
  } else if (!rule.token && !isLoopback(address)) {
    return {
      status: 403,
      reason:
        'Metrics are served to loopback clients only (set OPENCBR_METRICS_ALLOW or OPENCBR_METRICS_TOKEN).',
    };
  }
  if (rule.token) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m || !sameSecret(m[1]!, rule.token))
      return { status: 401, reason: 'A valid Authorization: Bearer token is required for metrics.' };
  }
  return null;
}
