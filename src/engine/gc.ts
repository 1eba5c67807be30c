import { randomBytes } from 'node:crypto';
import { ObjectExistsError, ObjectNotFoundError } from '../objects/index.js';
import { EngineError, GcBusyError } from './errors.js';
import { groupDigest } from './format.js';
import { Lease } from './leases.js';
import { PackWriter } from './pack-writer.js';
import type { GcStats } from './types.js';
import type { Condemned, VaultContext } from './vault-context.js';

/** Packs whose live chunks fill less than this fraction are rewritten (repacked) so the dead rest can go. */
const REPACK_BELOW = 0.5;
/** Upper bound of pack bytes read for repacking in one gc run (keeps a run's duration bounded). */
const REPACK_MAX_BYTES = 4 * 1024 * 1024 * 1024;

/**
 * Garbage collection, following the rule in docs/format.md: condemn unreferenced packs and segments, then delete
 * them only once every lease that was live at condemnation has ended, after marking again.
 */
export async function runGc(ctx: VaultContext): Promise<GcStats> {
  const t0 = performance.now();
  const stats: GcStats = {
    deletedObjects: 0,
    deletedBytes: 0,
    pendingObjects: 0,
    liveLeases: 0,
    staleLeasesRemoved: 0,
    interruptedPutsRemoved: 0,
    referencedPacks: 0,
    repackedPacks: 0,
    repackedBytes: 0,
    durationMs: 0,
  };
  const unlock = await lockGc(ctx);
  try {
    const { live, stale } = await ctx.leases.list();
    stats.liveLeases = live.length;
    for (const l of stale) await ctx.store.delete(l.key);
    stats.staleLeasesRemoved = stale.length;
    // A put cut short by a crash left a temp file no listing shows; once a lease TTL old its writer is gone
    // (or would fail its put anyway), so it goes with the stale leases.
    stats.interruptedPutsRemoved = (await ctx.store.reclaimInterrupted?.(ctx.prefix, ctx.leases.ttlMs)) ?? 0;
    const liveKeys = new Set(live.map((l) => l.key));

    let condemned = await ctx.readCondemned();
    if (condemned && !condemned.leases) condemned = null; // GC died before recording leases: start over
    let marked: Marked | null = null;
    if (condemned) {
      const waiting = condemned.leases!.filter((k) => liveKeys.has(k));
      if (waiting.length > 0) {
        stats.pendingObjects = condemned.objects.length;
        return stats;
      }
      marked = await sweep(ctx, condemned, stats);
    }

    // Condemn what no manifest references now. The sweep's marking serves: the next sweep marks again
    // before it deletes anything, so what changes meanwhile is caught there.
    marked ??= await mark(ctx);
    stats.referencedPacks = marked.livePacks.size;
    const candidates: string[] = [];
    for (const [id] of marked.packs) {
      if (!marked.livePacks.has(id) && !marked.unreadable.has(id)) candidates.push(ctx.packKey(id));
    }
    for await (const o of ctx.store.list(`${ctx.prefix}segments/`)) {
      if (!marked.segments.has(o.key.slice(o.key.lastIndexOf('/') + 1))) candidates.push(o.key);
    }
    // Mostly-dead packs: copy their live blobs verbatim (a blob is bound to its chunk id, not to its pack)
    // into new packs, then condemn the old ones like garbage; the sweep deletes them once every live chunk
    // they hold has another copy.
    for (const id of await repack(ctx, marked, stats)) candidates.push(ctx.packKey(id));
    if (candidates.length === 0) return stats;
    const fresh: Condemned = { objects: candidates };
    await ctx.store.put(ctx.condemnedKey, Buffer.from(JSON.stringify(fresh)));
    const after = await ctx.leases.list();
    fresh.leases = after.live.map((l) => l.key);
    await ctx.store.put(ctx.condemnedKey, Buffer.from(JSON.stringify(fresh)));
    if (fresh.leases.length > 0) {
      stats.pendingObjects = candidates.length;
      stats.liveLeases = fresh.leases.length;
      return stats;
    }
    await sweep(ctx, fresh, stats);
    return stats;
  } finally {
    stats.durationMs = Math.round(performance.now() - t0);
    await unlock();
  }
}

interface Marked {
  packs: Map<string, { size: number; lastModified: Date }>;
  unreadable: Set<string>;
  livePacks: Set<string>;
  segments: Set<string>;
}

async function mark(ctx: VaultContext): Promise<Marked> {
  const { packs, unreadable } = await ctx.syncIndex();
  await ctx.index.markReset();
  const segments = new Set<string>();
  for await (const o of ctx.store.list(`${ctx.prefix}backups/`)) {
    let segIds: Buffer[];
    try {
      segIds = (await ctx.loadManifestByKey(o.key)).segmentIds;
    } catch (e) {
      if (e instanceof ObjectNotFoundError) continue; // deleted meanwhile
      // An unreadable manifest could reference anything: collecting now could destroy data.
      throw new EngineError(`gc stopped: manifest ${o.key} is unreadable (${(e as Error).message})`);
    }
    for (const sid of segIds) {
      const hex = sid.toString('hex');
      if (segments.has(hex)) continue;
      segments.add(hex);
      let ids: Buffer;
      try {
        ids = await ctx.loadSegment(hex);
      } catch (e) {
        throw new EngineError(`gc stopped: segment ${hex} is unreadable (${(e as Error).message})`);
      }
      await ctx.index.markAdd(ids);
    }
  }
  const dead = new Set(await ctx.index.unmarkedPacks());
  const livePacks = new Set([...packs.keys()].filter((id) => !dead.has(id)));
  return { packs, unreadable, livePacks, segments };
}

/** Deletes the condemned objects that are still unneeded; returns its marking, without the packs it deleted. */
async function sweep(ctx: VaultContext, condemned: Condemned, stats: GcStats): Promise<Marked> {
  const info = await ctx.store.head(ctx.condemnedKey).catch(() => null);
  const tc = info?.lastModified.getTime() ?? 0;
  const marked = await mark(ctx);
  const condemnedPacks = [...ctx.condemnedNames(condemned).packs];
  // A condemned pack must stay while it holds the only copy (outside condemned packs) of a referenced chunk.
  const needed = await ctx.index.packsWithSoleCopies(condemnedPacks, condemnedPacks);
  const gonePacks: string[] = [];
  for (const key of condemned.objects) {
    const name = key.slice(key.lastIndexOf('/') + 1);
    const isPack = key.startsWith(`${ctx.prefix}packs/`);
    if (isPack ? needed.has(name) || marked.unreadable.has(name) : marked.segments.has(name)) continue;
    let o: { size: number; lastModified: Date };
    try {
      o = await ctx.store.head(key);
    } catch (e) {
      if (e instanceof ObjectNotFoundError) continue;
      throw e;
    }
    if (o.lastModified.getTime() >= tc) continue; // re-put after condemnation by a backup that needs it
    await ctx.store.delete(key);
    stats.deletedObjects++;
    stats.deletedBytes += o.size;
    if (isPack) gonePacks.push(name);
  }
  await ctx.index.removePacks(gonePacks);
  await ctx.store.delete(ctx.condemnedKey);
  for (const id of gonePacks) {
    marked.packs.delete(id);
    marked.livePacks.delete(id);
  }
  return marked;
}

async function repack(ctx: VaultContext, marked: Marked, stats: GcStats): Promise<string[]> {
  const live = await ctx.index.liveBytesByPack();
  const victims = [...live]
    .map(([id, bytes]) => ({ id, bytes, size: marked.packs.get(id)?.size ?? 0 }))
    .filter((p) => p.size > 0 && p.bytes < p.size * REPACK_BELOW && !marked.unreadable.has(p.id))
    .sort((a, b) => b.size - b.bytes - (a.size - a.bytes));
  const done: string[] = [];
  let read = 0;
  const writer = new PackWriter(ctx, (packId, size, entries) => ctx.index.addPack(packId, size, entries));
  for (const v of victims) {
    if (read + v.size > REPACK_MAX_BYTES) break;
    const entries = await ctx.index.liveEntries(v.id);
    let data: Buffer;
    try {
      data = await ctx.store.get(ctx.packKey(v.id));
    } catch (e) {
      if (e instanceof ObjectNotFoundError) continue;
      throw e;
    }
    read += data.length;
    // A blob moves whole, with every member of a group (live or not): its AAD names them all.
    for (let k = 0; k < entries.length; ) {
      const e = entries[k]!;
      let end = k + 1;
      while (end < entries.length && entries[end]!.offset === e.offset) end++;
      if (e.offset + e.length > data.length) {
        throw new EngineError(`gc stopped: pack ${v.id} is shorter than its index says`);
      }
      const members = entries.slice(k, end);
      if (e.group && !groupDigest(members).equals(e.group)) {
        throw new EngineError(`gc stopped: the index lists the wrong members for a group in pack ${v.id}`);
      }
      writer.add(data.subarray(e.offset, e.offset + e.length), e.flags, members);
      await writer.backpressure();
      k = end;
    }
    done.push(v.id);
  }
  await writer.finish();
  stats.repackedPacks = done.length;
  stats.repackedBytes = writer.storedBytes;
  return done;
}

/**
 * Takes the vault's gc lock: a lease object put-if-absent, renewed every ttl/4. A holder that died (kill -9,
 * power loss) stops renewing it; once it is older than a TTL it is taken over. While it is fresh, GcBusyError:
 * callers retry after a TTL rather than fail what triggered the gc.
 */
async function lockGc(ctx: VaultContext): Promise<() => Promise<void>> {
  const body = Buffer.from(JSON.stringify({ pid: process.pid, token: randomBytes(8).toString('hex') }));
  for (let attempt = 0; ; attempt++) {
    const lock = new Lease(ctx.store, ctx.gcLockKey, body, ctx.leases.ttlMs);
    try {
      await lock.start({ ifAbsent: true });
      return () => lock.release();
    } catch (e) {
      if (!(e instanceof ObjectExistsError)) throw e;
    }
    const held = await ctx.store.head(ctx.gcLockKey).catch(() => null);
    if (held && Date.now() - held.lastModified.getTime() > ctx.leases.ttlMs) {
      // Look again just before removing it: a holder renewing it meanwhile is alive after all.
      const again = await ctx.store.head(ctx.gcLockKey).catch(() => null);
      if (again && again.lastModified.getTime() === held.lastModified.getTime()) {
        await ctx.store.delete(ctx.gcLockKey);
      }
      continue;
    }
    if (attempt >= 3) {
      const age = held ? Date.now() - held.lastModified.getTime() : 0;
      throw new GcBusyError(
        `another gc is running on vault ${ctx.vaultId} (its lock was renewed ${Math.max(0, age)} ms ago; a lock not renewed for ${ctx.leases.ttlMs} ms is taken over)`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
