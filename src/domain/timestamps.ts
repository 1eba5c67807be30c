// Every timestamp form opencbr stores or shows, in one place. The catalog keeps one canonical form (UTC,
// microseconds, Z: `2020-02-05T10:38:34.209782Z`, fixed width so string order is time order); each protocol
// shows its own form of it, converted here so no two protocols convert the same way twice.

let lastMicros = 0;
/** Now as a canonical timestamp, strictly increasing within the process (rows made in one call keep their order). */
export function nowTimestamp(): string {
  let micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  if (micros <= lastMicros) micros = lastMicros + 1;
  lastMicros = micros;
  return microsToTimestamp(micros);
}

export function microsToTimestamp(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString(); // 2020-02-05T10:38:34.209Z
  const frac = String(micros % 1_000_000).padStart(6, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}

/** A Date (an injected clock's) as a canonical timestamp. */
export function toTimestamp(d: Date): string {
  return `${d.toISOString().slice(0, 23)}000Z`;
}

/** The canonical timestamp `days` whole days before `now` (the `last_days` style filters). */
export function daysBefore(now: Date, days: number): string {
  return toTimestamp(new Date(now.getTime() - days * 86_400_000));
}

/** Parses `YYYY-MM-DDTHH:MM:SSZ` (the ListBackups/ListOpLogs time filter format) into a canonical timestamp. */
export function parseFilterTime(s: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(s);
  if (!m) return null;
  const d = new Date(`${s.slice(0, 19)}Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 19) !== s.slice(0, 19)) return null;
  return secondStart(s);
}

/** The first and last canonical instants of the second a time names (`…T01:00:32…`): inclusive filter bounds. */
export function secondStart(ts: string): string {
  return `${ts.slice(0, 19)}.000000Z`;
}

export function secondEnd(ts: string): string {
  return `${ts.slice(0, 19)}.999999Z`;
}

/** Microseconds, no zone: `2020-02-05T10:38:34.209782` (CBR backups, Cinder). Other forms pass unchanged. */
export function zonelessMicros(ts: string): string;
export function zonelessMicros(ts: string | null): string | null;
export function zonelessMicros(ts: string | null): string | null {
  if (ts === null) return null;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?:Z|[+-]00:?00)?$/.exec(ts);
  if (!m) return ts;
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}`;
}

/** Whole seconds with Z: `2020-02-23T01:00:32Z` (CBR operation logs). */
export function secondsZ(ts: string): string;
export function secondsZ(ts: string | null): string | null;
export function secondsZ(ts: string | null): string | null {
  return ts === null ? null : `${ts.slice(0, 19)}Z`;
}

/** `YYYY-MM-DD HH:MM:SS` in UTC (HSS time strings); empty for no time. */
export function spacedSeconds(ts: string | null): string {
  if (!ts) return '';
  return ts.slice(0, 19).replace('T', ' ');
}

/** Epoch milliseconds (HSS integer times); 0 for no or an unreadable time. */
export function epochMs(ts: string | null): number {
  if (!ts) return 0;
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? 0 : ms;
}

/** The expiry of something made at `ts` and kept `days` days; null when `days` is not positive (kept forever). */
export function expiryOf(ts: string, days: number): string | null {
  return days > 0 ? toTimestamp(new Date(Date.parse(ts) + days * 86_400_000)) : null;
}
