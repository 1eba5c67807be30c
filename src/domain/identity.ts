// Identity rules: id formats, password hashing, token ids, Keystone timestamps. No I/O.
import { createHash, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { toTimestamp } from './timestamps.js';

export const ADMIN_ROLE = 'admin';
export const MEMBER_ROLE = 'member';
export const READER_ROLE = 'reader';
export const DEFAULT_DOMAIN_NAME = 'Default';

/** What a request is authenticated as (request.auth). */
export interface AuthInfo {
  userId: string;
  userName: string;
  domainId: string;
  /** The project the token is scoped to / the AK/SK request names in X-Project-Id. */
  projectId: string;
  roles: string[];
  method: 'token' | 'aksk';
}

/** 32 lowercase hex chars: project, domain, user and role ids (as Keystone/Huawei IAM). */
export function newHexId(): string {
  return randomBytes(16).toString('hex');
}

/** UUID v4 for resources (volumes, servers, vaults, backups, jobs…). */
export function newUuid(): string {
  return randomUUID();
}

export const HEX_ID_RE = /^[0-9a-f]{32}$/;

// scrypt cost: N=2^15, r=8, p=1 ≈ 32 MiB and ~50–100 ms per hash: slow for an attacker, fine for logins.
const SCRYPT = { N: 1 << 15, r: 8, p: 1, keyLen: 32, maxmem: 64 * 1024 * 1024 };

function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number, len: number) {
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password, salt, len, { N: n, r, p, maxmem: SCRYPT.maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$salt$hash`, salt and hash base64. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLen);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltB64, hashB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hashB64, 'base64');
  const key = await scryptAsync(
    password,
    Buffer.from(saltB64, 'base64'),
    Number(n),
    Number(r),
    Number(p),
    expected.length,
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A random password for the generated admin account. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** Opaque bearer token: 48 random bytes, url-safe base64 (64 chars), prefixed for recognisability. */
export function newTokenString(): string {
  return `ocbr${randomBytes(48).toString('base64url')}`;
}

/** Tokens are stored only as this digest. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Keystone audit id: 16 random bytes, url-safe base64 without padding (22 chars). */
export function newAuditId(): string {
  return randomBytes(16).toString('base64url');
}

/** AK: 20 upper-case alphanumerics like Huawei's; SK: 40 chars. */
export function newAccessKey(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const bytes = randomBytes(20);
  let s = '';
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}

export function newSecretKey(): string {
  return randomBytes(30).toString('base64url');
}

/** `2015-11-07T02:58:43.578000Z`: Keystone's microsecond form of an ISO timestamp. */
export function keystoneTime(iso: string): string {
  return toTimestamp(new Date(iso));
}
