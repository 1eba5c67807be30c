// opencbr volume / server: the resource inventory, on the data directory.
import path from 'node:path';
import type { Command } from 'commander';
import { serverView, volumeView } from '../../api/opencbr/views.js';
import type { AppContext } from '../../context.js';
import { checkTags } from '../../domain/tags.js';
import { type GlobalOptions, resolveProject, withAdminContext } from '../admin-context.js';
import { type Column, printObject, printRows } from '../output.js';

const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').filter((s) => s.length > 0)];
const collectTag = (v: string, prev: string[]) => [...prev, v];

/** `key=value` options as tags (checked by the tag service with CBR's rules). */
function parseTags(raw: string[]): Array<{ key: string; value: string }> {
  return checkTags(
    '--tag',
    raw.map((t) => {
      const i = t.indexOf('=');
      return i < 0 ? { key: t, value: '' } : { key: t.slice(0, i), value: t.slice(i + 1) };
    }),
  );
}

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
    .option(
      '--tag <key=value>',
      'a tag (repeat for more); auto_bind vaults take a volume by tag',
      collectTag,
      [],
    )
    .action(
      async (o: {
        name: string;
        path: string;
        project: string;
        az?: string;
        description?: string;
        tag: string[];
      }) => {
        const g = globals();
        const tags = parseTags(o.tag);
        await withAdminContext(g, async (ctx) => {
          const p = await resolveProject(ctx, o.project);
          const v = await ctx.inventory.createVolume(p.id, {
            name: o.name,
            // Relative paths are relative to where the command runs.
            path: path.resolve(o.path),
            availabilityZone: o.az,
            description: o.description,
          });
          const t = await ctx.services.tags.tagResource(p.id, 'volume', v.id, tags);
          printObject({ ...volumeView(v), ...taggedView(t, g.json) }, g);
        });
      },
    );
  addListCommand(
    volume,
    'list volumes',
    globals,
    'volumes',
    async (ctx, projectId, nameLike) =>
      (await ctx.inventory.listVolumes(projectId, { nameLike })).map(volumeView),
    [
      { header: 'ID', value: (r) => r.id },
      { header: 'Name', value: (r) => r.name },
      { header: 'Path', value: (r) => r.path },
      { header: 'Size (bytes)', value: (r) => r.size },
      { header: 'Status', value: (r) => r.status },
      { header: 'Server', value: (r) => r.server_id },
    ],
  );
  addRemoveCommand(
    volume,
    'forget a volume (the file or device itself is untouched)',
    'volume id',
    globals,
    (ctx, projectId, id) => ctx.inventory.deleteVolume(projectId, id),
  );

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
    .option(
      '--tag <key=value>',
      'a tag (repeat for more); auto_bind vaults take a server by tag',
      collectTag,
      [],
    )
    .action(
      async (o: {
        name: string;
        volume: string[];
        project: string;
        az?: string;
        description?: string;
        tag: string[];
      }) => {
        const g = globals();
        const tags = parseTags(o.tag);
        await withAdminContext(g, async (ctx) => {
          const p = await resolveProject(ctx, o.project);
          const s = await ctx.inventory.createServer(p.id, {
            name: o.name,
            volumeIds: o.volume,
            availabilityZone: o.az,
            description: o.description,
          });
          const t = await ctx.services.tags.tagResource(p.id, 'server', s.id, tags);
          const view = serverView(s);
          printObject(
            {
              ...(g.json ? view : { ...view, volumes: view.volumes.map((v) => `${v.id} (${v.name})`) }),
              ...taggedView(t, g.json),
            },
            g,
          );
        });
      },
    );
  addListCommand(
    server,
    'list servers',
    globals,
    'servers',
    async (ctx, projectId, nameLike) =>
      (await ctx.inventory.listServers(projectId, { nameLike })).map(serverView),
    [
      { header: 'ID', value: (r) => r.id },
      { header: 'Name', value: (r) => r.name },
      { header: 'Volumes', value: (r) => r.volume_ids },
      { header: 'AZ', value: (r) => r.availability_zone },
    ],
  );
  addRemoveCommand(
    server,
    'forget a server (its volumes stay declared)',
    'server id',
    globals,
    (ctx, projectId, id) => ctx.inventory.deleteServer(projectId, id),
  );
}

function taggedView(
  t: { tags: Array<{ key: string; value: string }>; boundVaultId: string | null },
  json?: boolean,
) {
  return json
    ? { tags: t.tags, auto_bound_vault_id: t.boundVaultId }
    : {
        tags: t.tags.map((x) => `${x.key}=${x.value}`).join(', '),
        auto_bound_vault_id: t.boundVaultId ?? '',
      };
}

/** `<group> list [--project] [--name]`: the rows `load` returns, as a table or as JSON `{[jsonKey]: rows}`. */
function addListCommand<T>(
  group: Command,
  description: string,
  globals: () => GlobalOptions,
  jsonKey: string,
  load: (ctx: AppContext, projectId: string, nameLike: string | undefined) => Promise<T[]>,
  columns: Column<T>[],
): void {
  group
    .command('list')
    .description(description)
    .option('--project <project>', 'project name or id', 'admin')
    .option('--name <text>', 'only names containing this text')
    .action(async (o: { project: string; name?: string }) => {
      const g = globals();
      await withAdminContext(g, async (ctx) => {
        const p = await resolveProject(ctx, o.project);
        const rows = await load(ctx, p.id, o.name);
        printRows(rows, columns, { json: g.json, jsonValue: { [jsonKey]: rows } });
      });
    });
}

/** `<group> remove <id> [--project]`: forgets the resource, prints `{id, removed: true}`. */
function addRemoveCommand(
  group: Command,
  description: string,
  idHelp: string,
  globals: () => GlobalOptions,
  remove: (ctx: AppContext, projectId: string, id: string) => Promise<unknown>,
): void {
  group
    .command('remove')
    .description(description)
    .argument('<id>', idHelp)
    .option('--project <project>', 'project name or id', 'admin')
    .action(async (id: string, o: { project: string }) => {
      const g = globals();
      await withAdminContext(g, async (ctx) => {
        const p = await resolveProject(ctx, o.project);
        await remove(ctx, p.id, id);
        printObject({ id, removed: true }, g);
      });
    });
}
