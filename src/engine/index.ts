/**
 * The backup engine's public API (docs/format.md describes what it writes). Knows nothing of HTTP.
 *
 *   const engine = await openEngine({ store: new FsObjectStore(dir), masterKey: { keyFile } });
 *   const vault = await engine.vault(vaultId);
 *   await vault.backup({ backupId, source: '/dev/vdb' });
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RetryingObjectStore } from '../objects/index.js';
import { SqliteChunkIndex } from './chunk-index.js';
import { InvalidRequestError } from './errors.js';
import { loadMasterKey, openVaultKeys } from './keys.js';
import { Leases } from './leases.js';
import type { Engine, EngineOptions, VaultEngine } from './types.js';
import { VaultContext } from './vault-context.js';
import { Vault } from './vault.js';
import { WorkerPool } from './worker-pool.js';

export * from './errors.js';
export { FORMAT_VERSION, CHUNK_SIZE } from './format.js';
export type { ChunkIndex, ChunkLocation } from './chunk-index.js';
export type { MasterKeySource } from './keys.js';
export type * from './types.js';

const VAULT_ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

export function defaultStateDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'opencbr', 'engine');
}

export async function openEngine(opts: EngineOptions): Promise<Engine> {
  const master = await loadMasterKey(opts.masterKey);
  const store = new RetryingObjectStore(opts.store);
  const stateDir = opts.stateDir ?? defaultStateDir();
  const workers = opts.workers ?? 2;
  const pool = new WorkerPool(workers, Math.max(4, workers * 3), stateDir);
  const ttl = opts.leaseTtlMs ?? 10 * 60_000;
  const vaults = new Map<string, Promise<{ vault: Vault; ctx: VaultContext }>>();
  let closed = false;

  return {
    async vault(vaultId: string): Promise<VaultEngine> {
      if (closed) throw new InvalidRequestError('engine is closed');
      if (!VAULT_ID_RE.test(vaultId))
        throw new InvalidRequestError(`invalid vault id ${JSON.stringify(vaultId)}`);
      let p = vaults.get(vaultId);
      if (!p) {
        p = (async () => {
          const prefix = `vaults/${vaultId}/`;
          const keys = await openVaultKeys(store, master, vaultId, prefix);
          const index = SqliteChunkIndex.open(stateDir, keys.vaultUid);
          const ctx = new VaultContext(
            store,
            vaultId,
            prefix,
            keys,
            index,
            pool,
            new Leases(store, prefix, ttl),
            opts.restoreVerifiesDigests ?? false,
          );
          return { vault: new Vault(ctx), ctx };
        })();
        vaults.set(vaultId, p);
        p.catch(() => vaults.delete(vaultId));
      }
      return (await p).vault;
    },
    async probeStore(): Promise<void> {
      if (closed) throw new InvalidRequestError('engine is closed');
      for await (const _ of store.list('vaults/')) break;
    },
    async listVaults(): Promise<string[]> {
      const ids = new Set<string>();
      for await (const o of store.list('vaults/')) {
        const m = /^vaults\/([^/]+)\/keys\/vault-key$/.exec(o.key);
        if (m) ids.add(m[1]!);
      }
      return [...ids].sort();
    },
    async close(): Promise<void> {
      closed = true;
      for (const p of vaults.values()) {
        const v = await p.catch(() => null);
        await v?.ctx.index.close();
      }
      await pool.close();
    },
  };
}
