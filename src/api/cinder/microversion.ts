// Cinder v3 microversion negotiation (OpenStack-API-Version: volume 3.N).
// Pure logic: the plugin's onRequest hook calls negotiate() and renders the error it returns.

export const MIN_MICROVERSION = '3.0';
/** Highest microversion served (upstream Cinder 2026.1's); fields and calls above are gated by it. */
export const MAX_MICROVERSION = '3.71';

/** A parsed microversion, e.g. 3.43 → { major: 3, minor: 43 }. */
export interface Microversion {
  major: number;
  minor: number;
}

export class MicroversionError extends Error {
  constructor(
    message: string,
    /** 400 for an unparsable value, 406 for a well-formed one outside [min, max]. */
    readonly status: 400 | 406,
  ) {
    super(message);
  }
}

export function parseMicroversion(text: string): Microversion | null {
  const m = /^(\d+)\.(\d+)$/.exec(text.trim());
  if (!m) return null;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (!Number.isSafeInteger(major) || !Number.isSafeInteger(minor)) return null;
  return { major, minor };
}

export function compare(a: Microversion, b: Microversion): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

export function formatMicroversion(v: Microversion): string {
  return `${v.major}.${v.minor}`;
}

const MIN = parseMicroversion(MIN_MICROVERSION)!;
const MAX = parseMicroversion(MAX_MICROVERSION)!;

/** True when `v` is at least `min` (a "3.N" string). */
export function atLeast(v: Microversion, min: string): boolean {
  return compare(v, parseMicroversion(min)!) >= 0;
}

/**
 * Extracts the requested volume microversion from the request headers.
 * `OpenStack-API-Version` may carry several comma-separated "<service> <version>" entries; only
 * `volume` counts. The older `X-OpenStack-Volume-API-Version` header holds a bare version.
 * Returns null when the client asked for nothing (Cinder then uses 3.0).
 */
export function requestedVersion(headers: Record<string, string | string[] | undefined>): string | null {
  const joined = (h: string | string[] | undefined): string | undefined =>
    Array.isArray(h) ? h.join(',') : h;
  const modern = joined(headers['openstack-api-version']);
  if (modern !== undefined) {
    for (const entry of modern.split(',')) {
      const parts = entry.trim().split(/\s+/);
      if (parts.length === 2 && parts[0]!.toLowerCase() === 'volume') return parts[1]!;
    }
  }
  const legacy = joined(headers['x-openstack-volume-api-version']);
  if (legacy !== undefined && legacy.trim() !== '') return legacy.trim();
  return null;
}

/** Resolves the version a request is served at, or throws MicroversionError. */
export function negotiate(headers: Record<string, string | string[] | undefined>): Microversion {
  const asked = requestedVersion(headers);
  if (asked === null) return MIN;
  if (asked.toLowerCase() === 'latest') return MAX;
  const v = parseMicroversion(asked);
  if (!v) {
    throw new MicroversionError(
      `API Version String ${asked} is of invalid format. Must be of format 3.N.`,
      400,
    );
  }
  if (compare(v, MIN) < 0 || compare(v, MAX) > 0) {
    throw new MicroversionError(
      `Version ${asked} is not supported by the API. Minimum is ${MIN_MICROVERSION} and maximum is ${MAX_MICROVERSION}.`,
      406,
    );
  }
  return v;
}
