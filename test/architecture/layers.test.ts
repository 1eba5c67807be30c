// The import rules of src/, one allow-list per folder: api/<protocol> → services/domain; services → domain, the
// job queue and the engine port; domain → domain; catalog and objects → domain; engine → objects; cli and the
// root files compose everything. A route that builds a catalog store itself bypasses what the services decide
// (which records exist, who may change them), and a protocol that imports another's folder ties two wire
// formats together, so each rule is checked here on every import of every file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../support/repo.js';

const src = path.join(repoRoot, 'src');

/** Where a file sits: `api/<protocol>`, `api` (its helpers beside the protocol folders) or a top folder. */
function areaOf(rel: string): string {
  const parts = rel.split('/');
  if (parts[0] === 'api') return parts.length > 2 ? `api/${parts[1]}` : 'api';
  return parts.length > 1 ? parts[0]! : rel;
}

interface Rule {
  /** Areas (`services`) or files (`jobs/queue.ts`) under src/ it may import; its own area always. */
  ours: readonly string[];
  /** Packages and node: builtins it may import; absent: any. */
  packages?: readonly string[];
  /** Packages it must not import (no SQL, no file I/O). */
  forbidden?: readonly string[];
}

const NO_IO = ['node:fs', 'node:fs/promises', 'node:child_process', 'kysely', 'better-sqlite3'];

/**
 * The protocol folders may use these src/ files beside their own: src/api/auth.ts (the tenancy guard every
 * protocol shares), src/api/query.ts (raw query-string reading), src/app.ts (createFastify for the Cinder
 * listener, unroutedError for not-found answers), src/context.ts (the AppContext type each plugin is given)
 * and src/config.ts (the listen address type of the Cinder listener).
 */
const PROTOCOL: Rule = {
  ours: ['api/auth.ts', 'api/query.ts', 'services', 'domain', 'app.ts', 'context.ts', 'config.ts'],
  forbidden: NO_IO,
};

const RULES: Record<string, Rule> = {
  api: { ours: ['services', 'domain', 'context.ts'], forbidden: NO_IO },
  // Service factories are handed the context they add their services to.
  services: { ours: ['domain', 'jobs/queue.ts', 'jobs/index.ts', 'context.ts'] },
  domain: { ours: [], packages: ['node:crypto', 'node:path', 'node:util', 'node:buffer', 'rrule'] },
  catalog: { ours: ['domain'] },
  objects: { ours: ['domain'] },
  engine: { ours: ['objects'] },
  // The durable queue keeps its jobs in the catalog through the domain's JobRepository port.
  jobs: { ours: ['domain'] },
};

/**
 * The composition side: wires everything together, so it may import anything. src/api/error-routing.ts is
 * app.ts's table of which protocol's error body answers a URL no route took, so it knows every protocol.
 */
const COMPOSITION = new Set(['cli', 'app.ts', 'context.ts', 'config.ts', 'api/error-routing.ts']);

/** Single imports allowed beyond a folder's rule, each for a reason that stays true. */
const ALLOWED: ReadonlyArray<[from: string, to: string, why: string]> = [
  [
    'services/engine-port.ts',
    'engine/format.ts',
    "the port re-exports the engine's chunk size, a format fact",
  ],
  [
    'engine/volume-paths.ts',
    'domain/inventory.ts',
    "the filesystem adapter of the inventory's PathProbe port",
  ],
];

/**
 * Imports that break a rule until work in progress lands; the lead removes each entry at that merge (an entry
 * that no import needs any more fails the second test, so none outlives its reason).
 */
const EXCEPTIONS: ReadonlyArray<[from: string, to: string, why: string]> = [];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out.sort();
}

/** Every module a file imports: static imports, re-exports, side-effect and dynamic imports. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  const patterns = [/\bfrom\s+'([^']+)'/g, /\bimport\s+'([^']+)'/g, /\bimport\(\s*'([^']+)'\s*\)/g];
  for (const re of patterns) for (const m of text.matchAll(re)) out.push(m[1]!);
  return out;
}

/** `../catalog/cbr-store.js` from src/services/index.ts → `catalog/cbr-store.ts`; null for a package. */
function ownTarget(file: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const abs = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
  return path.relative(src, abs).split(path.sep).join('/');
}

function allows(entries: readonly string[], target: string): boolean {
  const area = areaOf(target);
  return entries.some((e) => e === target || e === area);
}

interface Import {
  from: string;
  to: string;
}

function allImports(): { own: Import[]; packages: Import[] } {
  const own: Import[] = [];
  const packages: Import[] = [];
  for (const file of sourceFiles(src)) {
    const from = path.relative(src, file).split(path.sep).join('/');
    for (const spec of importsOf(file)) {
      const to = ownTarget(file, spec);
      if (to === null) packages.push({ from, to: spec });
      else own.push({ from, to });
    }
  }
  return { own, packages };
}

const listed = (list: ReadonlyArray<[string, string, string]>, i: Import) =>
  list.some(([f, t]) => f === i.from && t === i.to);

function ruleOf(from: string): Rule | null {
  const area = areaOf(from);
  if (COMPOSITION.has(area) || COMPOSITION.has(from)) return null;
  if (area.startsWith('api/')) return PROTOCOL;
  const rule = RULES[area];
  assert.ok(rule, `src/${from} is in no folder with import rules (add one to RULES)`);
  return rule;
}

describe('layers', () => {
  it('every import of src/ is one its folder may make', () => {
    const { own, packages } = allImports();
    assert.ok(own.length > 100, 'the scan finds the imports');
    const found: string[] = [];
    for (const i of own) {
      const rule = ruleOf(i.from);
      if (!rule || areaOf(i.to) === areaOf(i.from)) continue;
      if (allows(rule.ours, i.to) || listed(ALLOWED, i) || listed(EXCEPTIONS, i)) continue;
      const may = [areaOf(i.from), ...rule.ours].join(', ');
      found.push(`src/${i.from} → src/${i.to}   (${areaOf(i.from)} may import: ${may})`);
    }
    for (const i of packages) {
      const rule = ruleOf(i.from);
      if (!rule) continue;
      const name = i.to.startsWith('node:')
        ? i.to
        : i.to
            .split('/')
            .slice(0, i.to.startsWith('@') ? 2 : 1)
            .join('/');
      if (rule.forbidden?.includes(name) || (rule.packages && !rule.packages.includes(name))) {
        found.push(`src/${i.from} → ${i.to}   (${areaOf(i.from)} may not use ${name})`);
      }
    }
    assert.equal(found.length, 0, `imports that break the layering:\n  ${found.join('\n  ')}\n`);
  });

  it('no exception or allowance outlives the import it was written for', () => {
    const { own } = allImports();
    const stale = [...ALLOWED, ...EXCEPTIONS]
      .filter(([f, t]) => !own.some((i) => i.from === f && i.to === t))
      .map(([f, t, why]) => `src/${f} → src/${t} (${why})`);
    assert.equal(
      stale.length,
      0,
      `entries no import needs any more (remove them):\n  ${stale.join('\n  ')}\n`,
    );
  });
});
