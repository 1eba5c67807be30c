import { isIP } from 'node:net';
import path from 'node:path';

/** host:port pair as given in OPENCBR_LISTEN / OPENCBR_CINDER_LISTEN. */
export interface ListenAddress {
  host: string;
  port: number;
}

export interface Config {
  listen: ListenAddress;
  /** Separate listener for the Cinder API when set (the Cinder API is also served on `listen` under /volume). */
  cinderListen: ListenAddress | null;
  dataDir: string;
  /** SQLite catalog file inside dataDir (used when catalogUrl is null). */
  catalogPath: string;
  /** PostgreSQL catalog (OPENCBR_CATALOG_URL, postgres://…); null = the SQLite file. */
  catalogUrl: string | null;
  /** Filesystem object store directory inside dataDir (used when s3 is null). */
  objectsDir: string;
  /** S3 object store (OPENCBR_OBJECT_STORE=s3://BUCKET[/prefix]); null = the filesystem store. */
  s3: S3Config | null;
  masterKeyFile: string;
  /** Absolute directories under which volumes may be declared. Empty = none allowed. */
  volumeRoots: string[];
  adminPassword: string | null;
  /** Keystone token lifetime. */
  tokenTtlSeconds: number;
  /** Region id advertised in the token catalog. */
  region: string;
  /** Largest accepted request body (AK/SK gateways allow 12 MB). */
  bodyLimit: number;
  /** Concurrent jobs run by this process. */
  jobConcurrency: number;
  /**
   * How long the engine's leases (and a vault's gc lock) of a process that died keep blocking gc
   * (OPENCBR_ENGINE_LEASE_TTL_MS; default the engine's 10 minutes). Shorter reclaims sooner after a crash;
   * it must stay well above the longest stall of a live operation (its lease is renewed every TTL/4).
   */
  engineLeaseTtlMs: number | null;
  /** On an orderly stop, how long running jobs may finish before they are handed back to the queue. */
  jobStopGraceMs: number;
  /**
   * Who may read GET /metrics: with `token` (OPENCBR_METRICS_TOKEN) a matching `Authorization: Bearer` header;
   * with `allow` (OPENCBR_METRICS_ALLOW, comma-separated client addresses, `*` for any) only those addresses.
   * Both may be set (both must pass). Neither: loopback clients only.
   */
  metrics: { token: string | null; allow: string[] | null };
}

export interface S3Config {
  bucket: string;
  /** Key prefix inside the bucket ('' = the whole bucket). */
  prefix: string;
  /** OPENCBR_S3_ENDPOINT (e.g. http://127.0.0.1:7480 for Ceph RGW); null = AWS. */
  endpoint: string | null;
  region: string;
  /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; null = the SDK's default credential chain. */
  credentials: { accessKeyId: string; secretAccessKey: string } | null;
}

export class ConfigError extends Error {}

export function parseListen(value: string, name: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  if (!m) throw new ConfigError(`${name} must be host:port, got ${JSON.stringify(value)}`);
  const port = Number(m[3]);
  if (port > 65535) throw new ConfigError(`${name}: port out of range: ${port}`);
  // `:8080` means every interface, as in most servers.
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${name} must be a positive integer, got ${raw}`);
  return n;
}

function catalogUrl(raw: string | undefined): string | null {
  if (raw === undefined || raw.trim() === '') return null;
  if (!/^postgres(ql)?:\/\/./i.test(raw.trim())) {
    throw new ConfigError(
      'OPENCBR_CATALOG_URL must be a postgres:// or postgresql:// URL (unset: SQLite in the data directory)',
    );
  }
  return raw.trim();
}

function metricsAllow(raw: string | undefined): string[] | null {
  if (raw === undefined || raw.trim() === '') return null;
  const list = raw
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a.length > 0);
  for (const a of list) {
    if (a !== '*' && isIP(a) === 0)
      throw new ConfigError(`OPENCBR_METRICS_ALLOW: not an IP address (nor *): ${JSON.stringify(a)}`);
  }
  return list;
}

function s3Config(env: NodeJS.ProcessEnv): S3Config | null {
  const raw = env.OPENCBR_OBJECT_STORE?.trim();
  if (!raw) return null;
  // Bucket names: 3-63 lowercase letters, digits, dots and hyphens; the prefix follows the object key rules.
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/([A-Za-z0-9._\/-]*))?$/.exec(raw);
  if (!m) {
    throw new ConfigError(
      'OPENCBR_OBJECT_STORE must be s3://BUCKET or s3://BUCKET/prefix (unset: the filesystem in the data directory)',
    );
  }
  const endpoint = env.OPENCBR_S3_ENDPOINT?.trim() || null;
  if (endpoint && !/^https?:\/\/./.test(endpoint))
    throw new ConfigError(`OPENCBR_S3_ENDPOINT must be an http:// or https:// URL, got ${endpoint}`);
  const id = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if (!id !== !secret)
    throw new ConfigError('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together');
  return {
    bucket: m[1]!,
    prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, ''),
    endpoint,
    region: env.OPENCBR_S3_REGION?.trim() || 'us-east-1',
    credentials: id && secret ? { accessKeyId: id, secretAccessKey: secret } : null,
  };
}

/** Reads the configuration from environment variables; relative paths resolve against cwd. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const dataDir = path.resolve(cwd, env.OPENCBR_DATA || './data');
  const roots = (env.OPENCBR_VOLUME_ROOTS ?? '')
    .split(':')
    .map((r) => r.trim())
    .filter((r) => r.length > 0)
    .map((r) => path.resolve(cwd, r));
  return {
    listen: parseListen(env.OPENCBR_LISTEN || '127.0.0.1:8080', 'OPENCBR_LISTEN'),
    cinderListen: env.OPENCBR_CINDER_LISTEN
      ? parseListen(env.OPENCBR_CINDER_LISTEN, 'OPENCBR_CINDER_LISTEN')
      : null,
    dataDir,
    catalogPath: path.join(dataDir, 'catalog.sqlite'),
    catalogUrl: catalogUrl(env.OPENCBR_CATALOG_URL),
    objectsDir: path.join(dataDir, 'objects'),
    s3: s3Config(env),
    masterKeyFile: path.resolve(cwd, env.OPENCBR_MASTER_KEY_FILE || path.join(dataDir, 'master.key')),
    volumeRoots: roots,
    adminPassword: env.OPENCBR_ADMIN_PASSWORD || null,
    tokenTtlSeconds: positiveInt(env, 'OPENCBR_TOKEN_TTL', 24 * 3600),
    region: env.OPENCBR_REGION || 'RegionOne',
    bodyLimit: positiveInt(env, 'OPENCBR_BODY_LIMIT', 12 * 1024 * 1024),
    jobConcurrency: positiveInt(env, 'OPENCBR_JOB_CONCURRENCY', 2),
    engineLeaseTtlMs: env.OPENCBR_ENGINE_LEASE_TTL_MS
      ? positiveInt(env, 'OPENCBR_ENGINE_LEASE_TTL_MS', 0)
      : null,
    jobStopGraceMs: positiveInt(env, 'OPENCBR_JOB_STOP_GRACE_MS', 5000),
    metrics: { token: env.OPENCBR_METRICS_TOKEN || null, allow: metricsAllow(env.OPENCBR_METRICS_ALLOW) },
  };
}
