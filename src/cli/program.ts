// The `opencbr` command line.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { AppError } from '../domain/errors.js';
import type { GlobalOptions } from './admin-context.js';
import { registerIdentityCommands } from './commands/identity.js';
import { registerInventoryCommands } from './commands/inventory.js';
import { registerServeCommand } from './commands/serve.js';
import { EXTENSIONS } from './extensions.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('opencbr')
    .description(
      'Self-hosted Cloud Backup and Recovery (CBR v3, Cinder v3 backups, HSS v5, Keystone-compatible identity).\n' +
        'Configuration: OPENCBR_LISTEN, OPENCBR_DATA, OPENCBR_VOLUME_ROOTS, OPENCBR_ADMIN_PASSWORD, ' +
        'OPENCBR_MASTER_KEY_FILE, OPENCBR_CINDER_LISTEN (see README).',
    )
    .option('--json', 'print JSON instead of tables')
    .option('--data <dir>', 'data directory (overrides OPENCBR_DATA)')
    .showHelpAfterError()
    .enablePositionalOptions(false);
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  registerServeCommand(program, globals);
  registerIdentityCommands(program, globals);
  registerInventoryCommands(program, globals);
  for (const register of EXTENSIONS) register(program, globals);
  return program;
}

/** Runs the CLI; returns the exit code (errors are printed, not thrown). */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode;
    }
    if (err instanceof AppError) {
      process.stderr.write(`error: ${err.message}${err.field ? ` (${err.field})` : ''}\n`);
      return err.status === 404 ? 3 : 1;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration error: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
