// Platform test harness: a real context (SQLite catalog in a temp dir), the full app for inject(),
// and an AK/SK signer written from the Huawei SDK signing description (a test fixture).
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type AppContext, type OpenContextOptions, openContext } from '../../src/context.js';
import { testCatalogEnv } from '../support/catalog.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of responses under test
export type J = any;

export const ADMIN_PASSWORD = 'Admin-pass-1';

export interface Platform {
  dir: string;
  volumeRoot: string;
  config: Config;
  ctx: AppContext;
  app: FastifyInstance;
  close(): Promise<void>;
}

export function tempDir(prefix = 'opencbr-platform-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startPlatform(
  opts: { dir?: string; env?: Record<string, string>; context?: OpenContextOptions } = {},
): Promise<Platform> {
  const dir = opts.dir ?? tempDir();
  const volumeRoot = path.join(dir, 'volumes');
  fs.mkdirSync(volumeRoot, { recursive: true });
  const config = loadConfig(
    {
      OPENCBR_DATA: path.join(dir, 'data'),
      ...(await testCatalogEnv(dir)),
      OPENCBR_VOLUME_ROOTS: volumeRoot,
      OPENCBR_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ...opts.env,
    },
    dir,
  );
  const ctx = await openContext(config, { log: pino({ level: 'silent' }), ...opts.context });
  await ctx.identity.bootstrap(config.adminPassword);
  const app = await buildApp(ctx);
  return {
    dir,
    volumeRoot,
    config,
    ctx,
    app,
    async close() {
      await app.close();
      await ctx.close();
    },
  };
}

export function passwordAuth(
  user: { id?: string; name?: string; domain?: { id?: string; name?: string } },
  password: string,
  scope?: unknown,
) {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { ...user, password } } },
      ...(scope === undefined ? {} : { scope }),
    },
  };
}

/** Issues a project-scoped token over HTTP; returns token and body. */
export async function login(
  app: FastifyInstance,
  user: string,
  password: string,
  project: string,
): Promise<{ token: string; body: J }> {
  const r = await app.inject({
    method: 'POST',
    url: '/v3/auth/tokens',
    payload: passwordAuth({ name: user, domain: { name: 'Default' } }, password, {
      project: { name: project, domain: { name: 'Default' } },
    }),
  });
  if (r.statusCode !== 201) throw new Error(`login failed: ${r.statusCode} ${r.body}`);
  return { token: String(r.headers['x-subject-token']), body: r.json() };
}

// ---- AK/SK signer (test fixture), following the SDK-HMAC-SHA256 description step by step ----

function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface SignInput {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  ak: string;
  sk: string;
}

/** Returns the headers to send (input headers + X-Sdk-Date if absent + Authorization). */
export function signRequest(input: SignInput, date = new Date()): Record<string, string> {
  const headers: Record<string, string> = { ...input.headers };
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'x-sdk-date')) {
    headers['X-Sdk-Date'] = date
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
  }
  const [pathPart, query = ''] = input.url.split('?') as [string, string?];
  // As Huawei's SDK signers do: decode the whole path, then split (a `%2F` is signed as '/').
  let uri = decodeURIComponent(pathPart)
    .split('/')
    .map((seg) => uriEscape(seg))
    .join('/');
  if (!uri.endsWith('/')) uri += '/';
  const pairs = query
    .split('&')
    .filter((p) => p.length > 0)
    .map((p) => {
      const [k, v = ''] = p.split('=') as [string, string?];
      return [uriEscape(decodeURIComponent(k)), uriEscape(decodeURIComponent(v))] as [string, string];
    })
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
  const canonicalQuery = pairs.map(([k, v]) => `${k}=${v}`).join('&');
  const names = Object.keys(headers)
    .map((h) => h.toLowerCase())
    .filter((h) => !h.includes('_'))
    .sort();
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  const canonicalHeaders = names.map((n) => `${n}:${(lower[n] ?? '').trim()}\n`).join('');
  // A client that sends X-Sdk-Content-Sha256 (e.g. UNSIGNED-PAYLOAD) signs its value instead of the body's hash.
  const payload =
    lower['x-sdk-content-sha256'] ??
    createHash('sha256')
      .update(input.body ?? '')
      .digest('hex');
  const canonical = [
    input.method.toUpperCase(),
    uri,
    canonicalQuery,
    canonicalHeaders,
    names.join(';'),
    payload,
  ].join('\n');
  const sdkDate = lower['x-sdk-date'] as string;
  const toSign = `SDK-HMAC-SHA256\n${sdkDate}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const signature = createHmac('sha256', input.sk).update(toSign).digest('hex');
  headers.Authorization = `SDK-HMAC-SHA256 Access=${input.ak}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}
