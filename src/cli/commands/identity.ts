// opencbr project / user / credential: identity administration on the data directory.
import type { Command } from 'commander';
import type { Credential, Project, User } from '../../domain/identity-service.js';
import { HEX_ID_RE, generatePassword } from '../../domain/identity.js';
import { type GlobalOptions, domainRef, resolveProject, withAdminContext } from '../admin-context.js';
import { printObject, printRows } from '../output.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function passwordFrom(opts: { password?: string; passwordStdin?: boolean }): Promise<string | null> {
  if (opts.passwordStdin) return readStdin();
  return opts.password ?? null;
}

const projectView = (p: Project) => ({
  id: p.id,
  name: p.name,
  domain_id: p.domainId,
  enabled: p.enabled,
  description: p.description,
  created_at: p.createdAt,
});

const credentialView = (c: Credential) => ({
  access: c.access,
  user_id: c.userId,
  project_id: c.projectId,
  status: c.status,
  description: c.description,
  created_at: c.createdAt,
  last_used_at: c.lastUsedAt,
});

export function registerIdentityCommands(program: Command, globals: () => GlobalOptions): void {
  const project = program.command('project').description('manage projects (tenants)');
  project
    .command('create')
    .description('create a project')
    .argument('<name>', 'project name (unique in its domain)')
    .option('--domain <domain>', 'domain name or id', 'Default')
    .option('--description <text>', 'description', '')
    .action(async (name: string, o: { domain: string; description: string }) => {
      const g = globals();
      await withAdminContext(g, async (ctx) => {
        const p = await ctx.identity.createProject({
          name,
          domain: domainRef(o.domain),
          description: o.description,
        });
        printObject(projectView(p), g);
      });
    });
  project
    .command('list')
    .description('list projects')
    .action(async () => {
      const g = globals();
      await withAdminContext(g, async (ctx) => {
        const rows = (await ctx.identity.listProjects()).map(projectView);
        printRows(
          rows,
          [
            { header: 'ID', value: (r) => r.id },
            { header: 'Name', value: (r) => r.name },
            { header: 'Domain', value: (r) => r.domain_id },
            { header: 'Description', value: (r) => r.description },
          ],
          { json: g.json, jsonValue: { projects: rows } },
        );
      });
    });

  const user = program.command('user').description('manage users');
  user
    .command('create')
    .description('create a user, optionally with a role on a project (password generated when not given)')
    .argument('<name>', 'user name (unique in its domain)')
    .option('--password <password>', 'password (8+ characters)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--project <project>', 'project name or id to grant a role on')
    .option('--role <role>', 'role on the project: admin, member or reader', 'member')
    .option('--domain <domain>', 'domain name or id', 'Default')
    .action(
      async (
        name: string,
        o: { password?: string; passwordStdin?: boolean; project?: string; role: string; domain: string },
      ) => {
        const g = globals();
        const given = await passwordFrom(o);
        const password = given ?? generatePassword();
        await withAdminContext(g, async (ctx) => {
          const projectRef = o.project ? await resolveProject(ctx, o.project, o.domain) : undefined;
          const u: User = await ctx.identity.createUser({
            name,
            domain: domainRef(o.domain),
            password,
            project: projectRef ? { id: projectRef.id } : undefined,
            roles: [o.role],
          });
          printObject(
            {
              id: u.id,
              name: u.name,
              domain_id: u.domainId,
              default_project_id: u.defaultProjectId,
              ...(given === null ? { password } : {}),
            },
            g,
          );
        });
      },
    );
  user
    .command('list')
    .description('list users')
    .action(async () => {
      const g = globals();
      await withAdminContext(g, async (ctx) => {
        const users = await ctx.identity.listUsers();
        const rows = users.map((u) => ({
          id: u.id,
          name: u.name,
          domain_id: u.domainId,
          enabled: u.enabled,
          default_project_id: u.defaultProjectId,
          created_at: u.createdAt,
        }));
        printRows(
          rows,
          [
            { header: 'ID', value: (r) => r.id },
            { header: 'Name', value: (r) => r.name },
            { header: 'Domain', value: (r) => r.domain_id },
            { header: 'Default project', value: (r) => r.default_project_id },
          ],
          { json: g.json, jsonValue: { users: rows } },
        );
      });
    });
  user
    .command('set-password')
    .description("change a user's password (revokes the user's tokens)")
    .argument('<name>', 'user name or id')
    .option('--password <password>', 'new password (8+ characters)')
    .option('--password-stdin', 'read the new password from standard input')
    .option('--domain <domain>', 'domain name or id', 'Default')
    .action(async (name: string, o: { password?: string; passwordStdin?: boolean; domain: string }) => {
      const g = globals();
      const given = await passwordFrom(o);
      const password = given ?? generatePassword();
      await withAdminContext(g, async (ctx) => {
        const ref = HEX_ID_RE.test(name) ? { id: name } : { name, domain: domainRef(o.domain) };
        await ctx.identity.setPassword(ref, password);
        printObject({ user: name, password_changed: true, ...(given === null ? { password } : {}) }, g);
      });
    });
  user
    .command('grant')
    .description('give a user a role on a project')
    .argument('<name>', 'user name or id')
    .requiredOption('--project <project>', 'project name or id')
    .option('--role <role>', 'admin, member or reader', 'member')
    .option('--domain <domain>', 'domain name or id', 'Default')
    .action(async (name: string, o: { project: string; role: string; domain: string }) => {
      const g = globals();
      await withAdminContext(g, async (ctx) => {
        const ref = HEX_ID_RE.test(name) ? { id: name } : { name, domain: domainRef(o.domain) };
        const u = await ctx.identity.getUser(ref);
        const p = await resolveProject(ctx, o.project, o.domain);
        await ctx.identity.assignRole(u.id, p.id, o.role);
        printObject({ user_id: u.id, project_id: p.id, role: o.role }, g);
      });
    });

  const credential = program.command('credential').description('manage AK/SK access keys');
  credential
    .command('create')
    .description('create an access key (AK) and secret key (SK) for a user; the SK is shown once')
    .requiredOption('--user <user>', 'user name or id')
    .option('--project <project>', 'restrict the key to one project (name or id)')
    .option('--domain <domain>', 'domain name or id', 'Default')
    .option('--description <text>', 'description', '')
    .action(async (o: { user: string; project?: string; domain: string; description: string }) => {
      const g = globals();
      await withAdminContext(g, async (ctx) => {
        const userRef = /^[0-9a-f]{32}$/.test(o.user)
          ? { id: o.user }
          : { name: o.user, domain: domainRef(o.domain) };
        const p = o.project ? await resolveProject(ctx, o.project, o.domain) : undefined;
        const c = await ctx.identity.createCredential({
          user: userRef,
          project: p ? { id: p.id } : undefined,
          description: o.description,
        });
        printObject({ ...credentialView(c), secret: c.secret }, g);
      });
    });
  credential
    .command('list')
    .description('list access keys (secrets are never shown again)')
    .option('--user <user>', 'only this user (name or id)')
    .option('--domain <domain>', 'domain name or id', 'Default')
    .action(async (o: { user?: string; domain: string }) => {
      const g = globals();
      await withAdminContext(g, async (ctx) => {
        const user = o.user
          ? /^[0-9a-f]{32}$/.test(o.user)
            ? { id: o.user }
            : { name: o.user, domain: domainRef(o.domain) }
          : undefined;
        const rows = (await ctx.identity.listCredentials(user ? { user } : {})).map(credentialView);
        printRows(
          rows,
          [
            { header: 'Access key', value: (r) => r.access },
            { header: 'User', value: (r) => r.user_id },
            { header: 'Project', value: (r) => r.project_id },
            { header: 'Status', value: (r) => r.status },
            { header: 'Last used', value: (r) => r.last_used_at },
          ],
          { json: g.json, jsonValue: { credentials: rows } },
        );
      });
    });
  credential
    .command('delete')
    .description('delete an access key')
    .argument('<access>', 'the access key (AK)')
    .action(async (access: string) => {
      const g = globals();
      await withAdminContext(g, async (ctx) => {
        await ctx.identity.deleteCredential(access);
        printObject({ access, deleted: true }, g);
      });
    });
}
