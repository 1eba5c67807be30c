// opencbr volume / server: the resource inventory, on the data directory.
import path from 'node:path';
import type { Command } from 'commander';
import { serverView, volumeView } from '../../api/opencbr/views.js';
import { type GlobalOptions, resolveProject, withAdminContext } from '../admin-context.js';
import { printObject, printRows } from '../output.js';

const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').filter((s) => s.length > 0)];

export function registerInventoryCommands(program: Command, globals: () => GlobalOptions): void {
  const volume = program
    .command('volume')
    .description('declare volumes: raw image files or block devices under OPENCBR_VOLUME_ROOTS');
  volume
    .command('add')
    .description('declare a volume')
    .requiredOption('--name <name>', 'volume name')
    .requiredOption('--path <path>', 'absolute path of the image file or block device')
    .option('--project <project>', 'project name or id', 'admin')
    .option('--az <zone>', 'availability zone')
    .option('--description <text>', 'description')
    .action(async (o: { name: string; path: string; project: string; az?: string; description?: string }) => {
      const g = globals();
      await withAdminContext(g, async (ctx) => {
        const p = await resolveProject(ctx, o.project);
        const v = await ctx.inventory.createVolume(p.id, {
          name: o.name,
          // Relative paths are relative to where the command runs.
          path: path.resolve(o.path),
          availabilityZone: o.az,
          description: o.description,
        });
        printObject(volumeView(v), g);
      });
    });
  volume
    .command('list')
    .description('list volumes')
    .option('--project <project>', 'project name or id', 'admin')
    .option('--name <text>', 'only names containing this text')
    .action(async (o: { project: string; name?: string }) => {
      const g = globals();
      await withAdminContext(g, async (ctx) => {
        const p = await resolveProject(ctx, o.project);
        const rows = (await ctx.inventory.listVolumes(p.id, { nameLike: o.name })).map(volumeView);
        printRows(
          rows,
          [
            { header: 'ID', value: (r) => r.id },
            { header: 'Name', value: (r) => r.name },
            { header: 'Path', value: (r) => r.path },
            { header: 'Size (bytes)', value: (r) => r.size },
            { header: 'Status', value: (r) => r.status },
            { header: 'Server', value: (r) => r.server_id },
          ],
          { json: g.json, jsonValue: { volumes: rows } },
        );
      });
    });
  volume
    .command('remove')
    .description('forget a volume (the file or device itself is untouched)')
    .argument('<id>', 'volume id')
    .option('--project <project>', 'project name or id', 'admin')
    .action(async (id: string, o: { project: string }) => {
      const g = globals();
      await withAdminContext(g, async (ctx) => {
        const p = await resolveProject(ctx, o.project);
        await ctx.inventory.deleteVolume(p.id, id);
        printObject({ id, removed: true }, g);
      });
    });

  const server = program
    .command('server')
    .description('declare servers: ordered volumes, the first is the system disk');
  server
    .command('add')
    .description('declare a server')
    .requiredOption('--name <name>', 'server name')
    .requiredOption(
      '--volume <id...>',
      'volume ids in order (repeat or comma-separate); the first is the system disk',
      collect,
      [],
    )
    .option('--project <project>', 'project name or id', 'admin')
    .option('--az <zone>', 'availability zone')
    .option('--description <text>', 'description')
    .action(
      async (o: { name: string; volume: string[]; project: string; az?: string; description?: string }) => {
        const g = globals();
        await withAdminContext(g, async (ctx) => {
          const p = await resolveProject(ctx, o.project);
          const s = await ctx.inventory.createServer(p.id, {
            name: o.name,
            volumeIds: o.volume,
            availabilityZone: o.az,
            description: o.description,
          });
          const view = serverView(s);
          printObject(
            g.json ? view : { ...view, volumes: view.volumes.map((v) => `${v.id} (${v.name})`) },
            g,
          );
        });
      },
    );
  server
    .command('list')
    .description('list servers')
    .option('--project <project>', 'project name or id', 'admin')
    .option('--name <text>', 'only names containing this text')
    .action(async (o: { project: string; name?: string }) => {
      const g = globals();
      await withAdminContext(g, async (ctx) => {
        const p = await resolveProject(ctx, o.project);
        const rows = (await ctx.inventory.listServers(p.id, { nameLike: o.name })).map(serverView);
        printRows(
          rows,
          [
            { header: 'ID', value: (r) => r.id },
            { header: 'Name', value: (r) => r.name },
            { header: 'Volumes', value: (r) => r.volume_ids },
            { header: 'AZ', value: (r) => r.availability_zone },
          ],
          { json: g.json, jsonValue: { servers: rows } },
        );
      });
    });
  server
    .command('remove')
    .description('forget a server (its volumes stay declared)')
    .argument('<id>', 'server id')
    .option('--project <project>', 'project name or id', 'admin')
    .action(async (id: string, o: { project: string }) => {
      const g = globals();
      await withAdminContext(g, async (ctx) => {
        const p = await resolveProject(ctx, o.project);
        await ctx.inventory.deleteServer(p.id, id);
        printObject({ id, removed: true }, g);
      });
    });
}
