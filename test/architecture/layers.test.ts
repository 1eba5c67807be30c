// Layering of the protocol APIs: api → services/domain → catalog. A route that builds a catalog store itself
// bypasses what the services decide (which records exist, who may change them), so the rule is checked here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot as repo } from '../support/repo.js';

const catalog = path.join(repo, 'src/catalog');

/** Catalog modules a source file imports (static and re-exports), as paths under src/catalog. */
function catalogImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/\bfrom\s+'([^']+)'/g)) {
    const target = path.resolve(path.dirname(file), m[1]!);
    if (target.startsWith(`${catalog}${path.sep}`)) out.push(path.relative(catalog, target));
  }
  return out;
}

test('no protocol API reaches the catalog except through src/services', () => {
  const found: string[] = [];
  const api = path.join(repo, 'src/api');
  const areas = fs.readdirSync(api, { withFileTypes: true }).filter((e) => e.isDirectory());
  assert.ok(areas.length >= 5, 'cbr, cinder, hss, iam, opencbr');
  for (const { name: area } of areas) {
    const dir = path.join(repo, 'src/api', area);
    for (const name of fs
      .readdirSync(dir)
      .filter((n) => n.endsWith('.ts'))
      .sort()) {
      for (const target of catalogImports(path.join(dir, name))) found.push(`${area}/${name} → ${target}`);
    }
  }
  assert.deepEqual(found, []);
});
