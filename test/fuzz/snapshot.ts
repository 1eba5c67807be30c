// What a request could have stored: every catalog row and every file of the object store, so that a fuzz
// run can assert that hostile requests changed nothing.
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';

export interface StoredState {
  /** table → rows, JSON per row, in rowid order. */
  tables: Record<string, string[]>;
  /** object store path → size. */
  files: Record<string, number>;
}

/**
 * Columns that change on reads by design, ignored when comparing: `credentials.last_used_at` (an AK/SK
 * signature check records the key's last use).
 */
export const READ_SIDE_COLUMNS: Record<string, readonly string[]> = {
  credentials: ['last_used_at'],
};

function listFiles(root: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(root, p)] = fs.statSync(p).size;
    }
  };
  walk(root);
  return out;
}

export function storedState(catalogPath: string, objectRoot: string): StoredState {
  const db = new SqliteDatabase(catalogPath, { readonly: true, fileMustExist: true });
  try {
    const tables: Record<string, string[]> = {};
    const names = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as Array<{ name: string }>;
    for (const { name } of names) {
      const ignored = READ_SIDE_COLUMNS[name] ?? [];
      const rows = db.prepare(`SELECT * FROM "${name}"`).all() as Array<Record<string, unknown>>;
      tables[name] = rows
        .map((r) => {
          const kept = Object.fromEntries(Object.entries(r).filter(([k]) => !ignored.includes(k)));
          return JSON.stringify(kept, (_k, v) => (Buffer.isBuffer(v) ? v.toString('base64') : v));
        })
        .sort();
    }
    return { tables, files: listFiles(objectRoot) };
  } finally {
    db.close();
  }
}

/** Human-readable differences between two states (empty: nothing changed). */
export function stateDiff(before: StoredState, after: StoredState): string[] {
  const out: string[] = [];
  const tables = new Set([...Object.keys(before.tables), ...Object.keys(after.tables)]);
  for (const t of tables) {
    const b = new Set(before.tables[t] ?? []);
    const a = new Set(after.tables[t] ?? []);
    for (const r of b) if (!a.has(r)) out.push(`${t}: row gone or changed: ${r.slice(0, 300)}`);
    for (const r of a) if (!b.has(r)) out.push(`${t}: row new or changed: ${r.slice(0, 300)}`);
  }
  const files = new Set([...Object.keys(before.files), ...Object.keys(after.files)]);
  for (const f of files) {
    if (before.files[f] !== after.files[f]) out.push(`object ${f}: ${before.files[f]} → ${after.files[f]}`);
  }
  return out;
}
