import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  PutObjectRetentionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  NoSpaceError,
  ObjectExistsError,
  ObjectNotFoundError,
  type ObjectStoreError,
  PermanentStoreError,
  TransientStoreError,
} from './errors.js';
import { retryTransient } from './retry.js';
import { type ByteRange, type ObjectInfo, type ObjectStore, type PutOptions, isValidKey } from './types.js';

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket (no leading or trailing `/`); lets several deployments share one bucket. */
  prefix?: string;
  /** e.g. http://127.0.0.1:7480 for Ceph RGW; absent = AWS. */
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Per-request timeout; a request running longer fails as transient (retried by RetryingObjectStore). */
  requestTimeoutMs?: number;
  /** A client built by the caller (tests add fault-injecting middleware); the options above are then ignored. */
  client?: S3Client;
}

const MD5_COMMANDS = new Set([
  'DeleteObjectsCommand',
  'PutObjectRetentionCommand',
  'PutObjectLockConfigurationCommand',
]);

/** S3 allows at most 1000 keys per DeleteObjects request. */
const DELETE_BATCH = 1000;

/**
 * ObjectStore on an S3-compatible service (verified against Ceph RGW). Retries are left to RetryingObjectStore
 * (the SDK's own are off), so each error surfaces here once, classified.
 */
export class S3ObjectStore implements ObjectStore {
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly base: string;

  constructor(opts: S3StoreOptions) {
    this.bucket = opts.bucket;
    this.base = opts.prefix ? `${opts.prefix.replace(/^\/+|\/+$/g, '')}/` : '';
    this.client = opts.client ?? makeS3Client(opts);
  }

  get bucketName(): string {
    return this.bucket;
  }

  /** The bucket key of a store key (validated). */
  fullKey(key: string): string {
    return this.key(key);
  }

  private key(key: string): string {
    if (!isValidKey(key)) throw new PermanentStoreError(`invalid object key: ${JSON.stringify(key)}`);
    return this.base + key;
  }

  async put(key: string, data: Uint8Array, options?: PutOptions): Promise<void> {
    const k = this.key(key);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: k,
          Body: data,
          ContentLength: data.length,
          // The server checks the bytes it received against this, so a corrupted upload fails instead of landing.
          ContentMD5: createHash('md5').update(data).digest('base64'),
          ...(options?.ifAbsent ? { IfNoneMatch: '*' } : {}),
        }),
      );
    } catch (e) {
      throw classify(e, key);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    const k = this.key(key);
    if (range && range.length <= 0) {
      await this.head(key);
      return Buffer.alloc(0);
    }
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: k,
          ...(range ? { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : {}),
        }),
      );
      if (!out.Body) return Buffer.alloc(0);
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (e) {
      // A range starting at or past the end: the contract cuts it short to empty, if the object exists.
      if (range && status(e) === 416) {
        await this.head(key);
        return Buffer.alloc(0);
      }
      throw classify(e, key);
    }
  }

  async head(key: string): Promise<ObjectInfo> {
    const k = this.key(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: k }));
      return { key, size: out.ContentLength ?? 0, lastModified: out.LastModified ?? new Date(0) };
    } catch (e) {
      throw classify(e, key);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const dir = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    if (prefix !== '' && !isValidKey(dir) && !isValidKey(`${prefix}x`))
      throw new PermanentStoreError(`invalid prefix: ${JSON.stringify(prefix)}`);
    let token: string | undefined;
    do {
      const from = token;
      // A page is retried here: RetryingObjectStore cannot resume an iteration half way.
      const page: ListObjectsV2CommandOutput = await retryTransient(async () => {
        try {
          return await this.client.send(
            new ListObjectsV2Command({
              Bucket: this.bucket,
              Prefix: this.base + prefix,
              ContinuationToken: from,
            }),
          );
        } catch (e) {
          throw classify(e, prefix);
        }
      });
      for (const o of page.Contents ?? []) {
        if (!o.Key?.startsWith(this.base)) continue;
        const key = o.Key.slice(this.base.length);
        // Objects another tool put under our prefix with keys outside the contract are not ours.
        if (!isValidKey(key)) continue;
        yield { key, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    const k = this.key(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: k }));
    } catch (e) {
      const err = classify(e, key);
      if (!(err instanceof ObjectNotFoundError)) throw err;
    }
  }

  async deleteMany(keys: string[]): Promise<void> {
    const full = keys.map((k) => this.key(k));
    for (let i = 0; i < full.length; i += DELETE_BATCH) {
      const batch = full.slice(i, i + DELETE_BATCH);
      let out: { Errors?: Array<{ Key?: string; Code?: string; Message?: string }> };
      try {
        out = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
      } catch (e) {
        throw classify(e, batch[0] ?? '');
      }
      const failed = (out.Errors ?? []).filter((x) => x.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        const f = failed[0]!;
        const msg = `delete of ${failed.length} object(s) failed, first ${f.Key}: ${f.Code} ${f.Message ?? ''}`;
        throw f.Code === 'InternalError' || f.Code === 'SlowDown'
          ? new TransientStoreError(msg)
          : new PermanentStoreError(msg);
      }
    }
  }
}

/** What the Object Lock probe found; `enforced` false names the reason. */
export interface ObjectLockProbe {
  enforced: boolean;
  reason: string;
}

/**
 * Checks that the bucket really enforces S3 Object Lock before opencbr relies on it (Swift's s3api accepts the
 * calls but overwrites the object instead): puts a probe object under COMPLIANCE retention for a few seconds,
 * then both deleting that version and cutting its retention must be refused. The probe object expires on its own.
 */
export async function probeObjectLock(store: S3ObjectStore, retainMs = 3000): Promise<ObjectLockProbe> {
  const { client } = store;
  const bucket = store.bucketName;
  const key = store.fullKey(`opencbr-lock-probe/${Date.now().toString(36)}-${process.pid}`);
  const body = Buffer.from('opencbr object lock probe');
  const until = new Date(Date.now() + retainMs);
  let versionId: string | undefined;
  try {
    const out = await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentMD5: createHash('md5').update(body).digest('base64'),
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: until,
      }),
    );
    versionId = out.VersionId;
  } catch (e) {
    return { enforced: false, reason: `a put with COMPLIANCE retention was refused: ${describe(e)}` };
  }
  if (!versionId) return { enforced: false, reason: 'the bucket is not versioned (no VersionId)' };
  try {
    await client.send(
      new PutObjectRetentionCommand({
        Bucket: bucket,
        Key: key,
        VersionId: versionId,
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() - 60_000) },
      }),
    );
    return { enforced: false, reason: 'cutting a COMPLIANCE retention was accepted' };
  } catch {
    // Refused, as it must be.
  }
  try {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    return { enforced: false, reason: 'deleting a version under COMPLIANCE retention was accepted' };
  } catch {
    // Refused, as it must be.
  }
  return { enforced: true, reason: 'delete and retention cut of a locked version were refused' };
}

function describe(e: unknown): string {
  const err = e as { name?: string; message?: string };
  return `${err?.name ?? 'error'}: ${err?.message ?? String(e)}`;
}

/** The S3 client settings every opencbr store needs on S3-compatible servers (Ceph RGW, and AWS itself). */
export function makeS3Client(opts: Omit<S3StoreOptions, 'bucket' | 'client'>): S3Client {
  const client = new S3Client({
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    region: opts.region ?? 'us-east-1',
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    // Non-AWS servers are addressed by path: there is no wildcard DNS for virtual-hosted buckets on loopback.
    forcePathStyle: true,
    // RetryingObjectStore retries with backoff and jitter, and handles a conditional put whose first try landed.
    maxAttempts: 1,
    // The SDK's default CRC32 trailers use aws-chunked encoding, which Ceph 16 rejects (MissingContentLength).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { requestTimeout: opts.requestTimeoutMs ?? 120_000, connectionTimeout: 10_000 },
  });
  // DeleteObjects and Object Lock calls must carry Content-MD5 (AWS and Swift require it; RGW accepts it); the SDK
  // sends a CRC instead.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const req = args.request as { headers?: Record<string, string>; body?: unknown };
      if (
        MD5_COMMANDS.has(context.commandName ?? '') &&
        req.headers &&
        !req.headers['content-md5'] &&
        (typeof req.body === 'string' || req.body instanceof Uint8Array)
      ) {
        req.headers['content-md5'] = createHash('md5').update(req.body).digest('base64');
      }
      return next(args);
    },
    { step: 'build', name: 'opencbrContentMd5', priority: 'low' },
  );
  return client;
}

function status(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

const TRANSIENT_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
  'ConditionalRequestConflict',
  'TimeoutError',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

/** Maps an SDK or network error to the store's error classes, once, here. */
function classify(e: unknown, key: string): ObjectStoreError {
  const err = e as { name?: string; code?: string; Code?: string; message?: string };
  const name = err?.Code ?? err?.name ?? '';
  const code = err?.code ?? '';
  const st = status(e);
  const msg = `S3 ${key}: ${name || code || 'error'}${st ? ` (HTTP ${st})` : ''}: ${err?.message ?? String(e)}`;
  if (name === 'NoSuchKey' || name === 'NotFound' || st === 404) {
    if (name === 'NoSuchBucket') return new PermanentStoreError(msg, { cause: e });
    return new ObjectNotFoundError(key);
  }
  if (name === 'PreconditionFailed' || st === 412) return new ObjectExistsError(key);
  if (name === 'QuotaExceeded' || name === 'InsufficientCapacity' || st === 507)
    return new NoSpaceError(msg, { cause: e });
  if (TRANSIENT_CODES.has(name) || TRANSIENT_CODES.has(code) || st === 429 || st === 409 || (st ?? 0) >= 500)
    return new TransientStoreError(msg, { cause: e });
  // No HTTP status at all: the request never got an answer (socket hang up, abort): it may work next time.
  if (st === undefined && !(e instanceof PermanentStoreError))
    return new TransientStoreError(msg, { cause: e });
  return new PermanentStoreError(msg, { cause: e });
}
