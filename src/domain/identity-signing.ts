// Huawei AK/SK request signing, `SDK-HMAC-SHA256` (see docs: canonical request, string to sign). Pure.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SDK_ALGORITHM = 'SDK-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** Allowed clock skew between X-Sdk-Date and the server. */
export const SDK_DATE_WINDOW_MS = 15 * 60 * 1000;

export interface ParsedAuthorization {
  access: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`; null when not this algorithm or malformed. */
export function parseSdkAuthorization(value: string): ParsedAuthorization | null {
  if (!value.startsWith(`${SDK_ALGORITHM} `)) return null;
  const fields = new Map<string, string>();
  for (const part of value.slice(SDK_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const access = fields.get('Access');
  const signed = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!access || !signed || !signature || !/^[0-9a-f]{64}$/.test(signature)) return null;
  const signedHeaders = signed.split(';').map((h) => h.trim().toLowerCase());
  if (signedHeaders.some((h) => h.length === 0)) return null;
  return { access, signedHeaders, signature };
}

/** Percent-encodes with the unreserved set A–Z a–z 0–9 - _ . ~ kept, uppercase hex for the rest (UTF-8). */
export function sdkEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Canonical URI: decode the whole path, split on '/', re-encode each segment, join, ensure a trailing '/'.
 * Huawei's SDK signers decode before splitting, so a `%2F` inside a path parameter is signed as a '/'.
 */
export function canonicalUri(rawPath: string): string {
  const joined = safeDecode(rawPath)
    .split('/')
    .map((seg) => sdkEscape(seg))
    .join('/');
  return joined.endsWith('/') ? joined : `${joined}/`;
}

/** Canonical query: pairs sorted by name then value, each side encoded; `name=` for empty values. */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([sdkEscape(safeDecode(k.replace(/\+/g, ' '))), sdkEscape(safeDecode(v.replace(/\+/g, ' ')))]);
  }
  // Byte order of the encoded (ASCII) strings: sort by name, then by value.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

export interface SignableRequest {
  method: string;
  /** Path as received, without query. */
  rawPath: string;
  /** Query string as received, without '?'. */
  rawQuery: string;
  /** Header lookup, case-insensitive (returns undefined when absent). */
  header: (name: string) => string | undefined;
  /** Raw body bytes (empty when none). */
  body: Buffer | string | undefined;
}

/** Lowercase hex SHA-256 of the body bytes (an empty body hashes as the empty string). */
export function bodySha256(body: Buffer | string | undefined): string {
  return createHash('sha256')
    .update(body ?? '')
    .digest('hex');
}

/** `X-Sdk-Content-Sha256` value by which a client says the payload is not part of the signature. */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export type PayloadHash =
  | { ok: true; hash: string }
  | { ok: false; reason: 'unsigned-payload' | 'content-sha-mismatch' };

/**
 * The payload hash of the canonical request, always taken from the body received: `X-Sdk-Content-Sha256` is not
 * a signed value, so trusting it would let any body through under a signature made for another. When present it
 * must match the body. `UNSIGNED-PAYLOAD` is accepted only without a body (nothing then escapes the signature):
 * opencbr has no upload route that could justify an unauthenticated body.
 */
export function payloadHash(req: SignableRequest): PayloadHash {
  const computed = bodySha256(req.body);
  const claimed = req.header('x-sdk-content-sha256')?.trim();
  if (claimed === undefined) return { ok: true, hash: computed };
  if (claimed === UNSIGNED_PAYLOAD) {
    return computed === EMPTY_BODY_SHA256
      ? { ok: true, hash: UNSIGNED_PAYLOAD }
      : { ok: false, reason: 'unsigned-payload' };
  }
  return claimed.toLowerCase() === computed
    ? { ok: true, hash: computed }
    : { ok: false, reason: 'content-sha-mismatch' };
}

/**
 * Builds the canonical request; returns null when a signed header is missing. The payload hash defaults to the
 * body's own (verifySdkSignature passes payloadHash's answer).
 */
export function canonicalRequest(
  req: SignableRequest,
  signedHeaders: string[],
  payload: string = bodySha256(req.body),
): string | null {
  const lines: string[] = [];
  for (const name of signedHeaders) {
    const v = req.header(name);
    if (v === undefined) return null;
    lines.push(`${name}:${v.trim()}\n`);
  }
  return [
    req.method.toUpperCase(),
    canonicalUri(req.rawPath),
    canonicalQuery(req.rawQuery),
    lines.join(''),
    signedHeaders.join(';'),
    payload,
  ].join('\n');
}

export function stringToSign(canonical: string, sdkDate: string): string {
  return `${SDK_ALGORITHM}\n${sdkDate}\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
}

export function sign(secret: string, toSign: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(toSign, 'utf8').digest('hex');
}

export function signaturesEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** Parses `YYYYMMDDTHHMMSSZ`; null if malformed. */
export function parseSdkDate(value: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return null;
  const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  const d = new Date(t);
  if (Number.isNaN(t) || d.getUTCDate() !== +m[3]! || d.getUTCHours() !== +m[4]!) return null;
  return d;
}

export type SignatureCheck =
  | {
      ok: true;
      /** The signed X-Sdk-Date. */
      date: Date;
    }
  | {
      ok: false;
      reason:
        | 'missing-date'
        | 'bad-date'
        | 'stale-date'
        | 'missing-header'
        | 'unsigned-payload'
        | 'content-sha-mismatch'
        | 'mismatch';
    };

/** Verifies a request's signature against the secret, using the client's signed header list. */
export function verifySdkSignature(
  req: SignableRequest,
  auth: ParsedAuthorization,
  secret: string,
  now: Date,
): SignatureCheck {
  if (!auth.signedHeaders.includes('x-sdk-date')) return { ok: false, reason: 'missing-date' };
  const dateValue = req.header('x-sdk-date');
  if (dateValue === undefined) return { ok: false, reason: 'missing-date' };
  const date = parseSdkDate(dateValue.trim());
  if (!date) return { ok: false, reason: 'bad-date' };
  if (Math.abs(now.getTime() - date.getTime()) > SDK_DATE_WINDOW_MS)
    return { ok: false, reason: 'stale-date' };
  const payload = payloadHash(req);
  if (!payload.ok) return payload;
  const canonical = canonicalRequest(req, auth.signedHeaders, payload.hash);
  if (canonical === null) return { ok: false, reason: 'missing-header' };
  const expected = sign(secret, stringToSign(canonical, dateValue.trim()));
  return signaturesEqual(expected, auth.signature) ? { ok: true, date } : { ok: false, reason: 'mismatch' };
}

/**
 * Methods whose signature may be used once (POST, PUT, PATCH, DELETE, and any other that is not a read): a write
 * replayed within the date window would be done twice. Reads (GET, HEAD, OPTIONS) stay replayable within the
 * window; they change nothing.
 */
export function isWriteMethod(method: string): boolean {
  const m = method.toUpperCase();
  return m !== 'GET' && m !== 'HEAD' && m !== 'OPTIONS';
}
