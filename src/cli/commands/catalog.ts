// opencbr catalog rebuild: after the catalog file is lost or damaged, re-creates projects, vaults, checkpoints
// and backups from the object store and the master key (the server must be stopped). A damaged file is moved
// aside first, never deleted; a healthy one only gains what it lacks.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { CatalogDamagedError, openCatalogDb } from '../../catalog/db.js';
import { SqlIdentityStore } from '../../catalog/identity.js';
import { loadConfig } from '../../config.js';
import { openContext } from '../../context.js';
import { newHexId } from '../../domain/identity.js';
import type { InventoryStore, Server, Volume } from '../../domain/inventory.js';
import {
  type InventoryRestorer,
  type ProjectRestorer,
  rebuildCatalog,
} from '../../services/catalog-rebuild.js';
import type { ProjectInfo } from '../../services/catalog-records.js';
import type { EnginePort } from '../../services/engine-port.js';
import type { GlobalOptions } from '../admin-context.js';
import { printObject, printRows } from '../output.js';

export function registerCatalogCommands(program: Command, globals: () => GlobalOptions): void {
  const catalog = program.command('catalog').description('the catalog (SQLite) of the data directory');
  catalog
    .command('rebuild')
    .description(
      're-create vaults, checkpoints and backups (and their projects) from the object store and the master key; ' +
        'stop the server first',
    )
    .action(async () => {
      const g = globals();
      const env = { ...process.env };
      if (g.data) env.OPENCBR_DATA = g.data;
      const config = loadConfig(env);
      const moved = await setAsideIfDamaged(config.catalogPath);
      if (moved) process.stderr.write(`the damaged catalog was moved to ${moved}\n`);
      const ctx = await openContext(config, { log: pino({ level: 'warn' }), engine: true });
      try {
        const ids = new SqlIdentityStore(ctx.db);
        const report = await rebuildCatalog({
          repos: ctx.services.cbrRepositories,
          engine: ctx.engine as unknown as EnginePort,
          projects: projectRestorer(ids),
          inventory: inventoryRestorer(ctx.catalog.inventory, config.volumeRoots),
          refreshUsage: (id) => ctx.services.vaults.refreshUsage(id),
        });
        // Identity is not in the object store: the admin user is made anew (in the recovered admin project).
        const boot = await ctx.identity.bootstrap(config.adminPassword);
        // Their users are gone with the old catalog: the admin user administers every re-created project.
        const admin = await ctx.identity.getUser({ name: 'admin' });
        for (const id of report.projectIds) await ctx.identity.assignRole(admin.id, id, 'admin');
        if (boot.generatedPassword) {
          process.stderr.write(
            `created user admin (project admin, domain Default) with password: ${boot.generatedPassword}\n`,
          );
        }
        for (const d of report.damaged) process.stderr.write(`damaged: ${d.key}: ${d.reason}\n`);
        for (const s of report.skipped) process.stderr.write(`skipped backup ${s.backupId}: ${s.reason}\n`);
        if (g.json) printObject(report as unknown as Record<string, unknown>, g);
        else {
          printRows(
            [
              ['projects re-created', report.projects],
              ['vaults re-created', report.vaults],
              ['checkpoints re-created', report.checkpoints],
              ['backups re-created', report.backups],
              ['  of which from manifest labels only', report.fromLabels],
              ['volumes and servers declared again', report.inventory],
              ['backups already in the catalog', report.present],
              ['damaged manifests or records', report.damaged.length],
            ],
            [
              { header: 'Catalog rebuild', value: (r) => r[0] },
              { header: 'Count', value: (r) => r[1] },
            ],
            {},
          );
        }
      } finally {
        await ctx.close();
      }
    });
}

/** Moves a damaged catalog (and its WAL files) aside; returns where, or null when it is absent or healthy. */
async function setAsideIfDamaged(file: string): Promise<string | null> {
  if (!fs.existsSync(file)) return null;
  try {
    const db = await openCatalogDb(file);
    await db.destroy();
    return null;
  } catch (err) {
    if (!(err instanceof CatalogDamagedError)) throw err;
  }
  const aside = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  for (const ext of ['', '-wal', '-shm'])
    if (fs.existsSync(file + ext)) fs.renameSync(file + ext, aside + ext);
  return aside;
}

/**
 * Declares recorded volumes again under their ids when the file or device is still at its path, inside the
 * volume roots, and not declared since; a server when all its volumes are back.
 */
function inventoryRestorer(store: InventoryStore, roots: string[]): InventoryRestorer {
  const inRoots = (p: string) =>
    roots.some((r) => p === r || p.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
  return {
    async ensure(volumes: Volume[], server: Server | null): Promise<number> {
      let n = 0;
      for (const v of volumes) {
        if (await store.getVolume(v.projectId, v.id)) continue;
        if (await store.getVolumeByPath(v.path)) continue;
        let real: string;
        try {
          real = fs.realpathSync(v.path);
        } catch {
          continue; // gone: the operator declares its replacement
        }
        if (real !== v.path || !inRoots(real)) continue;
        await store.insertVolume({ ...v, serverId: null, position: null });
        n++;
      }
      if (server && !(await store.getServer(server.projectId, server.id))) {
        const back = await Promise.all(server.volumes.map((v) => store.getVolume(server.projectId, v.id)));
        if (back.every((v) => v && v.serverId === null)) {
          const { volumes, ...row } = server;
          await store.insertServer(
            row,
            volumes.map((v) => v.id),
          );
          n++;
        }
      }
      return n;
    },
  };
}

/** Re-creates a recorded project under its id (and its domain, by name) when the catalog lacks it. */
function projectRestorer(ids: SqlIdentityStore): ProjectRestorer {
  return {
    async ensure(p: ProjectInfo): Promise<boolean> {
      if (await ids.getProject({ id: p.id })) return false;
      const at = new Date().toISOString();
      let domain = await ids.getDomain({ name: p.domainName });
      if (!domain) {
        const id = p.domainId && !(await ids.getDomain({ id: p.domainId })) ? p.domainId : newHexId();
        domain = { id, name: p.domainName, enabled: 1, description: '', created_at: at };
        await ids.insertDomain(domain);
      }
      // A project of that name made since (by a first start) keeps it; the recovered one gets its id appended.
      const taken = await ids.getProject({ name: p.name, domainId: domain.id });
      await ids.insertProject({
        id: p.id,
        name: taken ? `${p.name}-${p.id.slice(0, 8)}` : p.name,
        domain_id: domain.id,
        enabled: 1,
        description: 'Re-created by opencbr catalog rebuild',
        created_at: at,
      });
      return true;
    },
  };
}
