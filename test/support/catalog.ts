// The catalog a test app runs on: the embedded SQLite file by default; with OPENCBR_TEST_CATALOG_URL set
// (`npm run test:pg`), a fresh PostgreSQL database per test data directory on that server.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server the suites run against, if any. */
export const testCatalogUrl: string | undefined = process.env.OPENCBR_TEST_CATALOG_URL || undefined;

const byDir = new Map<string, Promise<string>>();

/** Creates an empty database on the test server and returns its URL. */
export async function freshPostgresDatabase(baseUrl: string): Promise<string> {
  const name = `t_${randomBytes(8).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * The environment that points an app whose data lives in `dir` at the test catalog: nothing on SQLite;
 * on PostgreSQL one database per `dir`, the same one again when a test reopens the same directory.
 */
export async function testCatalogEnv(dir: string): Promise<Record<string, string>> {
  if (!testCatalogUrl) return {};
  let url = byDir.get(dir);
  if (!url) {
    url = freshPostgresDatabase(testCatalogUrl);
    byDir.set(dir, url);
  }
  return { OPENCBR_CATALOG_URL: await url };
}
