#!/usr/bin/env node
// Runs the compiled node:test files under dist/test (Node 20's --test takes no globs).
// Usage: node scripts/run-tests.mjs [substring ...]  — only files whose path contains a substring.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = 'dist/test';
const filters = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
};
walk(root);
const selected = filters.length ? files.filter((f) => filters.some((s) => f.includes(s))) : files;
if (selected.length === 0) {
  console.error(`no test files matched under ${root}`);
  process.exit(1);
}
const concurrency = process.env.OPENCBR_TEST_CONCURRENCY ?? '2';
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...selected], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
