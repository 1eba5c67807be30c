// opencbr vault / checkpoint / backup: CBR v3 over HTTP against a running server, with a token from the
// identity API (OPENCBR_URL, OPENCBR_USER, OPENCBR_PASSWORD, OPENCBR_PROJECT, OPENCBR_DOMAIN or flags;
// OPENCBR_TOKEN skips the login). Long operations poll the API and show progress until they finish.
import { type Command, Option } from 'commander';
import { BUSY } from '../../domain/backup-status.js';
import { resourceKindOf, resourceTypeOf } from '../../domain/resource-types.js';
import type { GlobalOptions } from '../admin-context.js';
import { printObject, printRows } from '../output.js';
import { registerBackupVerify } from './backup-verify.js';

export interface ConnOptions {
  url?: string;
  user?: string;
  password?: string;
  project?: string;
  domain?: string;
  token?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON from the server, rendered as is.
type J = any;

export class CbrClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A logged-in CBR client: `call(method, path)` where path is relative to /v3/{project_id}. */
export class CbrClient {
  constructor(
    readonly base: string,
    readonly token: string,
    readonly projectId: string,
  ) {}

  static async login(o: ConnOptions): Promise<CbrClient> {
    const base = (o.url ?? process.env.OPENCBR_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
    const project = o.project ?? process.env.OPENCBR_PROJECT ?? 'admin';
    const domain = o.domain ?? process.env.OPENCBR_DOMAIN ?? 'Default';
    const token = o.token ?? process.env.OPENCBR_TOKEN;
    if (token) {
      const r = await fetch(`${base}/v3/auth/tokens?nocatalog=1`, {
        headers: { 'x-auth-token': token, 'x-subject-token': token },
      });
      const j = (await r.json().catch(() => null)) as J;
      if (r.status !== 200 || !j?.token?.project?.id)
        throw new CbrClientError(r.status, 'auth', 'the token is not valid for a project');
      return new CbrClient(base, token, j.token.project.id);
    }
    const user = o.user ?? process.env.OPENCBR_USER ?? 'admin';
    const password = o.password ?? process.env.OPENCBR_PASSWORD;
    if (!password)
      throw new CbrClientError(
        0,
        'auth',
        'a password is needed: --password or OPENCBR_PASSWORD (or OPENCBR_TOKEN)',
      );
    const body = {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: user, domain: { name: domain }, password } },
        },
        scope: { project: { name: project, domain: { name: domain } } },
      },
    };
    const r = await fetch(`${base}/v3/auth/tokens?nocatalog=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).catch((err: Error) => {
      throw new CbrClientError(0, 'connect', `cannot reach ${base}: ${err.message}`);
    });
    const j = (await r.json().catch(() => null)) as J;
    const t = r.headers.get('x-subject-token');
    if (r.status !== 201 || !t) {
      throw new CbrClientError(r.status, 'auth', `login failed: ${j?.error?.message ?? r.statusText}`);
    }
    return new CbrClient(base, t, j.token.project.id);
  }

  async call(method: string, path: string, body?: unknown): Promise<J> {
    return this.send(method, `/v3/${this.projectId}${path}`, body);
  }

  /** opencbr's own API: `path` is relative to /opencbr/v1/{project_id}. */
  async opencbr(method: string, path: string, body?: unknown): Promise<J> {
    return this.send(method, `/opencbr/v1/${this.projectId}${path}`, body);
  }

  private async send(method: string, path: string, body?: unknown): Promise<J> {
    const r = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        'x-auth-token': this.token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    const j = text ? (JSON.parse(text) as J) : null;
    if (r.status >= 400)
      throw new CbrClientError(r.status, j?.error_code ?? String(r.status), j?.error_msg ?? r.statusText);
    return j;
  }
}

export function connOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', 'opencbr endpoint').env('OPENCBR_URL'))
    .addOption(new Option('--user <name>', 'user name').env('OPENCBR_USER'))
    .addOption(new Option('--password <password>', 'password').env('OPENCBR_PASSWORD'))
    .addOption(new Option('--project <name>', 'project name').env('OPENCBR_PROJECT'))
    .addOption(new Option('--domain <name>', 'domain name').env('OPENCBR_DOMAIN'))
    .addOption(new Option('--token <token>', 'an existing token instead of a password').env('OPENCBR_TOKEN'));
}

const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').filter((s) => s.length > 0)];
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One line per backup, redrawn in place on a terminal; plain lines otherwise. */
export class ProgressDisplay {
  private lines = 0;
  private last = '';
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}
  draw(rows: Array<{ label: string; pct: number; status: string }>): void {
    const text = rows
      .map((r) => {
        const n = Math.max(0, Math.min(30, Math.round((r.pct / 100) * 30)));
        return `${r.label.padEnd(28).slice(0, 28)} [${'#'.repeat(n)}${'.'.repeat(30 - n)}] ${String(r.pct).padStart(3)}% ${r.status}`;
      })
      .join('\n');
    if (text === this.last) return;
    this.last = text;
    if (this.out.isTTY) {
      if (this.lines > 0) this.out.write(`\x1b[${this.lines}A\x1b[0J`);
      this.out.write(`${text}\n`);
      this.lines = rows.length;
    } else {
      this.out.write(`${text}\n`);
    }
  }
}

/** A backup in one of these is still being made, restored from or deleted: the CLI waits for it. */
const TRANSIENT: readonly string[] = BUSY;

async function waitForBackups(c: CbrClient, query: string, quiet: boolean, intervalMs = 500): Promise<J[]> {
  const display = new ProgressDisplay();
  for (;;) {
    const { backups } = await c.call('GET', `/backups?${query}`);
    if (!quiet) {
      display.draw(
        (backups as J[]).map((b) => ({
          label: `${b.name} ${b.resource_name}`,
          pct: b.status === 'available' ? 100 : (b.extend_info?.progress ?? 0),
          status: b.status,
        })),
      );
    }
    if ((backups as J[]).every((b) => !TRANSIENT.includes(b.status))) return backups;
    await sleep(intervalMs);
  }
}

const backupColumns = [
  { header: 'ID', value: (b: J) => b.id },
  { header: 'Name', value: (b: J) => b.name },
  {
    header: 'Resource',
    value: (b: J) => `${b.resource_name} (${resourceKindOf(String(b.resource_type)) ?? 'volume'})`,
  },
  { header: 'Status', value: (b: J) => b.status },
  { header: 'Size GB', value: (b: J) => b.resource_size },
  { header: 'Incremental', value: (b: J) => b.extend_info?.incremental },
  { header: 'Created', value: (b: J) => b.created_at },
];

export function registerCbrCommands(program: Command, globals: () => GlobalOptions): void {
  const vault = program.command('vault').description('CBR vaults (over the HTTP API of a running server)');
  connOptions(
    vault
      .command('create')
      .description('create a vault, optionally binding servers or volumes')
      .requiredOption('--name <name>', 'vault name')
      .addOption(
        new Option('--type <type>', 'what it backs up').choices(['server', 'disk']).default('server'),
      )
      .option('--size <gb>', 'capacity in GB', '100')
      .option('--resource <id...>', 'server or volume ids to bind (repeat or comma-separate)', collect, []),
  ).action(
    async (o: ConnOptions & { name: string; type: 'server' | 'disk'; size: string; resource: string[] }) => {
      const c = await CbrClient.login(o);
      const size = Number(o.size);
      const type = resourceTypeOf(o.type === 'server' ? 'server' : 'volume');
      const { vault: v } = await c.call('POST', '/vaults', {
        vault: {
          name: o.name,
          billing: {
            consistent_level: 'crash_consistent',
            object_type: o.type,
            protect_type: 'backup',
            size,
          },
          resources: o.resource.map((id) => ({ id, type })),
        },
      });
      printObject(globals().json ? v : vaultRow(v), globals());
    },
  );
  connOptions(vault.command('list').description('list vaults')).action(async (o: ConnOptions) => {
    const c = await CbrClient.login(o);
    const { vaults } = await c.call('GET', '/vaults');
    printRows(
      (vaults as J[]).map(vaultRow),
      Object.keys(vaultRow({ billing: {}, resources: [] })).map((k) => ({
        header: k,
        value: (r: J) => r[k],
      })),
      {
        json: globals().json,
        jsonValue: { vaults },
      },
    );
  });
  connOptions(
    vault
      .command('add-resource')
      .description('bind servers or volumes to a vault')
      .argument('<vault>', 'vault id')
      .requiredOption('--resource <id...>', 'ids (repeat or comma-separate)', collect, []),
  ).action(async (id: string, o: ConnOptions & { resource: string[] }) => {
    const c = await CbrClient.login(o);
    const { vault: v } = await c.call('GET', `/vaults/${id}`);
    const type = resourceTypeOf(v.billing.object_type === 'server' ? 'server' : 'volume');
    const r = await c.call('POST', `/vaults/${id}/addresources`, {
      resources: o.resource.map((x) => ({ id: x, type })),
    });
    printObject(r, globals());
  });

  const checkpoint = program
    .command('checkpoint')
    .description('CBR restore points: back up the resources of a vault');
  connOptions(
    checkpoint
      .command('create')
      .description('back up a vault (or some of its resources) now and wait, showing progress')
      .requiredOption('--vault <id>', 'vault id')
      .option('--resource <id...>', 'only these resources of the vault', collect, [])
      .option('--name <name>', 'backup name')
      .option('--description <text>', 'description')
      .option('--full', 'a full backup even when an earlier one exists')
      .option('--no-wait', 'return at once'),
  ).action(
    async (
      o: ConnOptions & {
        vault: string;
        resource: string[];
        name?: string;
        description?: string;
        full?: boolean;
        wait: boolean;
      },
    ) => {
      const g = globals();
      const c = await CbrClient.login(o);
      const parameters: Record<string, unknown> = { incremental: !o.full };
      if (o.resource.length) parameters.resources = o.resource;
      if (o.name) parameters.name = o.name;
      if (o.description) parameters.description = o.description;
      const { checkpoint: cp } = await c.call('POST', '/checkpoints', {
        checkpoint: { vault_id: o.vault, parameters },
      });
      for (const s of cp.vault.skipped_resources as J[])
        process.stderr.write(`skipped ${s.id}: ${s.reason} (${s.code})\n`);
      if (!o.wait) {
        printObject(g.json ? cp : { checkpoint_id: cp.id, status: cp.status }, g);
        return;
      }
      const backups = await waitForBackups(c, `checkpoint_id=${cp.id}`, g.json === true);
      printRows(backups, backupColumns, { json: g.json, jsonValue: { checkpoint_id: cp.id, backups } });
      const failed = backups.filter((b) => b.status !== 'available');
      for (const b of failed)
        process.stderr.write(`backup ${b.id} failed: ${b.extend_info?.fail_reason ?? b.status}\n`);
      if (failed.length) process.exitCode = 1;
    },
  );

  const backup = program.command('backup').description('CBR backups: list, show, restore, verify, delete');
  registerBackupVerify(backup, globals);
  connOptions(
    backup
      .command('list')
      .description('list backups (newest first)')
      .option('--vault <id>', 'only this vault')
      .option('--resource <id>', 'only backups of this server or volume')
      .option('--checkpoint <id>', 'only this restore point')
      .option('--status <status...>', 'only these statuses', collect, [])
      .option('--limit <n>', 'at most n', '100'),
  ).action(
    async (
      o: ConnOptions & {
        vault?: string;
        resource?: string;
        checkpoint?: string;
        status: string[];
        limit: string;
      },
    ) => {
      const c = await CbrClient.login(o);
      const q = new URLSearchParams({ limit: o.limit });
      if (o.vault) q.set('vault_id', o.vault);
      if (o.resource) q.set('resource_id', o.resource);
      if (o.checkpoint) q.set('checkpoint_id', o.checkpoint);
      for (const s of o.status) q.append('status', s);
      const r = await c.call('GET', `/backups?${q}`);
      printRows(r.backups, backupColumns, { json: globals().json, jsonValue: r });
    },
  );
  connOptions(
    backup.command('show').description('show a backup and its disk backups').argument('<id>', 'backup id'),
  ).action(async (id: string, o: ConnOptions) => {
    const c = await CbrClient.login(o);
    const { backup: b } = await c.call('GET', `/backups/${id}`);
    const g = globals();
    if (g.json) {
      printObject(b, g);
      return;
    }
    const { children, extend_info, ...rest } = b;
    printObject({ ...rest, incremental: extend_info.incremental, fail_reason: extend_info.fail_reason }, g);
    if (children.length)
      printRows(
        children,
        backupColumns.filter((c) => c.header !== 'Name'),
        {},
      );
  });
  connOptions(
    backup
      .command('restore')
      .description('restore a backup byte for byte: a volume backup to a volume, a server backup to a server')
      .argument('<id>', 'backup id')
      .option('--volume <id>', 'target volume (disk backups; default: the volume it was taken from)')
      .option('--server <id>', 'target server (server backups; default: the server it was taken from)')
      .option(
        '--map <diskBackup=volume...>',
        'disk backup id = target volume id (server backups)',
        collect,
        [],
      )
      .option('--no-wait', 'return at once'),
  ).action(
    async (
      id: string,
      o: ConnOptions & { volume?: string; server?: string; map: string[]; wait: boolean },
    ) => {
      const c = await CbrClient.login(o);
      const restore: Record<string, unknown> = {};
      if (o.volume) restore.volume_id = o.volume;
      if (o.server) restore.server_id = o.server;
      if (o.map.length) {
        restore.mappings = o.map.map((m) => {
          const [backup_id, volume_id] = m.split('=');
          if (!backup_id || !volume_id)
            throw new CbrClientError(0, 'usage', `--map wants diskBackupId=volumeId, got ${m}`);
          return { backup_id, volume_id };
        });
      }
      const started = new Date(Date.now() - 2000).toISOString().slice(0, 19);
      await c.call('POST', `/backups/${id}/restore`, { restore });
      if (!o.wait) {
        printObject({ backup_id: id, restore: 'started' }, globals());
        return;
      }
      const display = new ProgressDisplay();
      for (;;) {
        const { backup: b } = await c.call('GET', `/backups/${id}`);
        const logs = await c.call('GET', `/operation-logs?operation_type=restore&start_time=${started}Z`);
        const log = (logs.operation_logs as J[]).find((l) => l.extra_info?.restore?.backup_id === id);
        if (!globals().json) {
          display.draw([
            {
              label: `restore ${b.name}`,
              pct: log?.extra_info?.common?.progress ?? 0,
              status: log?.status ?? b.status,
            },
          ]);
        }
        if (b.status !== 'restoring') break;
        await sleep(500);
      }
      const logs = await c.call('GET', `/operation-logs?operation_type=restore&start_time=${started}Z`);
      const log = (logs.operation_logs as J[]).find((l) => l.extra_info?.restore?.backup_id === id);
      printObject(
        globals().json
          ? (log ?? {})
          : { backup_id: id, restore: log?.status ?? 'unknown', error: log?.error_info?.message ?? null },
        globals(),
      );
      if (log?.status !== 'success') process.exitCode = 1;
    },
  );
  connOptions(
    backup
      .command('delete')
      .description('delete a backup (its data is reclaimed)')
      .argument('<id>', 'backup id')
      .option('--no-wait', 'return at once'),
  ).action(async (id: string, o: ConnOptions & { wait: boolean }) => {
    const c = await CbrClient.login(o);
    await c.call('DELETE', `/backups/${id}`);
    if (o.wait) {
      for (;;) {
        try {
          await c.call('GET', `/backups/${id}`);
        } catch (err) {
          if (err instanceof CbrClientError && err.status === 404) break;
          throw err;
        }
        await sleep(300);
      }
    }
    printObject({ backup_id: id, deleted: o.wait ? true : 'started' }, globals());
  });
}

function vaultRow(v: J) {
  return {
    id: v.id,
    name: v.name,
    type: v.billing.object_type,
    size_gb: v.billing.size,
    used_mb: v.billing.used,
    resources: (v.resources as J[]).map((r) => r.name ?? r.id).join(', '),
  };
}
