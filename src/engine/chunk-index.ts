import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { PackEntry } from './format.js';

/** A chunk's blob (pack, offset, stored length) and, when the blob is a group, the chunk's slice of its frame. */
export interface ChunkLocation {
  packId: string;
  offset: number;
  length: number;
  rawLength: number;
  flags: number;
  inner: number;
  /** The group blob's member digest (its AAD), or null for a single-chunk blob. */
  group: Buffer | null;
}

/**
 * Where each stored chunk lives: chunk id -> (pack, offset, length). A cache of the pack headers, so it can
 * always be rebuilt from the object store. Async so a PostgreSQL implementation can share it between nodes.
 * A chunk may have copies in several packs (two backups racing); lookups return one not in `exclude`.
 */
export interface ChunkIndex {
  lookupMany(ids: Buffer[], exclude?: ReadonlySet<string>): Promise<Array<ChunkLocation | undefined>>;
  /** `damaged`: the entries were salvaged from a header that failed authentication (GC keeps such a pack). */
  addPack(packId: string, size: number, entries: PackEntry[], damaged?: boolean): Promise<void>;
  /** Packs indexed from a salvaged header. */
  damagedPacks(): Promise<Set<string>>;
  removePacks(packIds: string[]): Promise<void>;
  knownPacks(): Promise<Set<string>>;
  /** GC marking: forget marks, add referenced chunk ids (concatenated 32-byte ids), list packs with no marked chunk. */
  markReset(): Promise<void>;
  markAdd(ids: Buffer): Promise<void>;
  unmarkedPacks(): Promise<string[]>;
  /** Bytes of blobs holding a marked chunk, per pack (packs with none are absent). */
  liveBytesByPack(): Promise<Map<string, number>>;
  /** Every entry of the blobs of one pack that hold a marked chunk, by offset then frame order (for repacking). */
  liveEntries(packId: string): Promise<PackEntry[]>;
  /** Of `packIds`, those holding a marked chunk that has no copy in a pack outside `excluded`. */
  packsWithSoleCopies(packIds: string[], excluded: string[]): Promise<Set<string>>;
  close(): Promise<void>;
}

/** Bumped when the tables change (format 2 added group slices, 3 the damaged-header mark). */
const SCHEMA_VERSION = 3;

type LocationRow = Omit<ChunkLocation, 'group'> & { grp: Buffer | null };

function toLocation(r: LocationRow): ChunkLocation {
  const { grp, ...rest } = r;
  return { ...rest, group: grp };
}

/** The embedded ChunkIndex: one SQLite file per vault in the engine's state directory. */
export class SqliteChunkIndex implements ChunkIndex {
  private readonly db: Database.Database;
  private readonly stLookup: Database.Statement;
  private readonly stPackSeq: Database.Statement;
  private readonly stInsPack: Database.Statement;
  private readonly stInsChunk: Database.Statement;
  private readonly stMark: Database.Statement;
  private readonly stInsGroup: Database.Statement;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 30000');
    // A cache of the pack headers: an older layout is dropped and rebuilt from the store by the next sync.
    this.db.transaction(() => {
      if ((this.db.pragma('user_version', { simple: true }) as number) < SCHEMA_VERSION) {
        this.db.exec('DROP TABLE IF EXISTS chunks; DROP TABLE IF EXISTS groups; DROP TABLE IF EXISTS packs;');
        this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }
    })();
    // A chunk's row names its blob by (pack, off): one pack may hold the same chunk in two blobs (repack of two
    // copies), and every member of a group blob needs its row to rebuild the group's digest when repacking.
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS packs (
        seq INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, size INTEGER NOT NULL, damaged INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS chunks (
        id BLOB NOT NULL, pack INTEGER NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL,
        raw INTEGER NOT NULL, flags INTEGER NOT NULL, inner INTEGER NOT NULL,
        PRIMARY KEY (id, pack, off)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS groups (
        pack INTEGER NOT NULL, off INTEGER NOT NULL, digest BLOB NOT NULL, PRIMARY KEY (pack, off)) WITHOUT ROWID;
      CREATE TEMP TABLE IF NOT EXISTS mark (id BLOB PRIMARY KEY) WITHOUT ROWID;
    `);
    this.stLookup = this.db.prepare(
      `SELECT p.name AS packId, c.off AS offset, c.len AS length, c.raw AS rawLength, c.flags AS flags,
         c.inner AS inner, g.digest AS grp
       FROM chunks c JOIN packs p ON p.seq = c.pack LEFT JOIN groups g ON g.pack = c.pack AND g.off = c.off
       WHERE c.id = ?`,
    );
    this.stInsGroup = this.db.prepare('INSERT OR IGNORE INTO groups (pack, off, digest) VALUES (?, ?, ?)');
    this.stPackSeq = this.db.prepare('SELECT seq FROM packs WHERE name = ?').pluck();
    this.stInsPack = this.db.prepare('INSERT OR IGNORE INTO packs (name, size, damaged) VALUES (?, ?, ?)');
    this.stInsChunk = this.db.prepare(
      'INSERT OR IGNORE INTO chunks (id, pack, off, len, raw, flags, inner) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.stMark = this.db.prepare('INSERT OR IGNORE INTO mark (id) VALUES (?)');
  }

  static open(stateDir: string, vaultUid: string): SqliteChunkIndex {
    mkdirSync(stateDir, { recursive: true });
    return new SqliteChunkIndex(join(stateDir, `index-${vaultUid}.sqlite`));
  }

  async lookupMany(ids: Buffer[], exclude?: ReadonlySet<string>): Promise<Array<ChunkLocation | undefined>> {
    return ids.map((id) => {
      const rows = this.stLookup.all(id) as LocationRow[];
      const row = !exclude || exclude.size === 0 ? rows[0] : rows.find((r) => !exclude.has(r.packId));
      return row && toLocation(row);
    });
  }

  async addPack(packId: string, size: number, entries: PackEntry[], damaged = false): Promise<void> {
    this.db.transaction(() => {
      this.stInsPack.run(packId, size, damaged ? 1 : 0);
      const seq = this.stPackSeq.get(packId) as number;
      for (const e of entries) {
        this.stInsChunk.run(e.id, seq, e.offset, e.length, e.rawLength, e.flags, e.inner);
        if (e.group) this.stInsGroup.run(seq, e.offset, e.group);
      }
    })();
  }

  async removePacks(packIds: string[]): Promise<void> {
    if (packIds.length === 0) return;
    this.db.transaction(() => {
      this.db.exec('CREATE TEMP TABLE IF NOT EXISTS gone (seq INTEGER PRIMARY KEY); DELETE FROM gone;');
      const ins = this.db.prepare('INSERT OR IGNORE INTO gone SELECT seq FROM packs WHERE name = ?');
      for (const p of packIds) ins.run(p);
      this.db.exec(
        'DELETE FROM chunks WHERE pack IN (SELECT seq FROM gone); DELETE FROM groups WHERE pack IN (SELECT seq FROM gone); DELETE FROM packs WHERE seq IN (SELECT seq FROM gone); DELETE FROM gone;',
      );
    })();
  }

  async knownPacks(): Promise<Set<string>> {
    return new Set(this.db.prepare('SELECT name FROM packs').pluck().all() as string[]);
  }

  async damagedPacks(): Promise<Set<string>> {
    return new Set(this.db.prepare('SELECT name FROM packs WHERE damaged = 1').pluck().all() as string[]);
  }

  async markReset(): Promise<void> {
    this.db.exec('DELETE FROM mark');
  }

  async markAdd(ids: Buffer): Promise<void> {
    this.db.transaction(() => {
      for (let p = 0; p < ids.length; p += 32) this.stMark.run(ids.subarray(p, p + 32));
    })();
  }

  async unmarkedPacks(): Promise<string[]> {
    return this.db
      .prepare(
        'SELECT name FROM packs WHERE seq NOT IN (SELECT DISTINCT c.pack FROM mark m JOIN chunks c ON c.id = m.id)',
      )
      .pluck()
      .all() as string[];
  }

  async liveBytesByPack(): Promise<Map<string, number>> {
    const rows = this.db
      .prepare(
        `SELECT p.name AS name, SUM(b.len) AS live
         FROM (SELECT DISTINCT c.pack, c.off, c.len FROM mark m JOIN chunks c ON c.id = m.id) b
         JOIN packs p ON p.seq = b.pack GROUP BY b.pack`,
      )
      .all() as Array<{ name: string; live: number }>;
    return new Map(rows.map((r) => [r.name, r.live]));
  }

  async liveEntries(packId: string): Promise<PackEntry[]> {
    const seq = this.stPackSeq.get(packId) as number | undefined;
    if (seq === undefined) return [];
    // The pack's seq is a parameter, not a join column, so SQLite runs the live-blob subquery once, not per row.
    const rows = this.db
      .prepare(
        `SELECT c.id AS id, c.off AS offset, c.len AS length, c.raw AS rawLength, c.flags AS flags, c.inner AS inner,
           g.digest AS grp
         FROM chunks c LEFT JOIN groups g ON g.pack = c.pack AND g.off = c.off
         WHERE c.pack = ? AND c.off IN (SELECT c2.off FROM chunks c2 JOIN mark m ON m.id = c2.id WHERE c2.pack = ?)
         ORDER BY c.off, c.inner`,
      )
      .all(seq, seq) as Array<LocationRow & { id: Buffer }>;
    return rows.map((r) => {
      const { packId: _, ...loc } = toLocation({ ...r, packId });
      return { ...loc, id: r.id };
    });
  }

  async packsWithSoleCopies(packIds: string[], excluded: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    this.db.transaction(() => {
      this.db.exec('CREATE TEMP TABLE IF NOT EXISTS excl (seq INTEGER PRIMARY KEY); DELETE FROM excl;');
      const ins = this.db.prepare('INSERT OR IGNORE INTO excl SELECT seq FROM packs WHERE name = ?');
      for (const p of excluded) ins.run(p);
      const q = this.db
        .prepare(
          `SELECT 1 FROM packs p JOIN chunks c ON c.pack = p.seq JOIN mark m ON m.id = c.id
           WHERE p.name = ? AND NOT EXISTS (
             SELECT 1 FROM chunks c2 WHERE c2.id = c.id AND c2.pack <> c.pack AND c2.pack NOT IN (SELECT seq FROM excl))
           LIMIT 1`,
        )
        .pluck();
      for (const p of packIds) if (q.get(p) !== undefined) out.add(p);
      this.db.exec('DELETE FROM excl');
    })();
    return out;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
