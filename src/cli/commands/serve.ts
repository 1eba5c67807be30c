// opencbr serve: run the service in the foreground until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { pino } from 'pino';
import { loadConfig } from '../../config.js';
import type { GlobalOptions } from '../admin-context.js';

export function registerServeCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('serve')
    .description('start the HTTP service (OPENCBR_LISTEN, default 127.0.0.1:8080) and the job workers')
    .option('--listen <host:port>', 'override OPENCBR_LISTEN')
    .action(async (o: { listen?: string }) => {
      const g = globals();
      const env = { ...process.env };
      if (g.data) env.OPENCBR_DATA = g.data;
      if (o.listen) env.OPENCBR_LISTEN = o.listen;
      const config = loadConfig(env);
      const log = pino({ level: process.env.OPENCBR_LOG_LEVEL ?? 'info' }, pino.destination(2));
      // Loaded here so that admin commands do not pay for the HTTP stack at startup.
      const { describeEndpoints, startServer } = await import('../server.js');
      const server = await startServer(config, log);
      process.stdout.write(describeEndpoints(server));
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'stopping');
        await server.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}
