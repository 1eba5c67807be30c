// opencbr backup verify <id>: starts a verification on the running server, shows its progress, then prints
// every bad region (disk, byte offset, length, reason); exits 1 when any region is bad or the job failed.
import type { Command } from 'commander';
import type { GlobalOptions } from '../admin-context.js';
import { printObject, printRows } from '../output.js';
import { CbrClient, type ConnOptions, ProgressDisplay, connOptions, sleep } from './cbr.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the server, rendered as is.
type J = any;

const DONE = ['success', 'failed', 'skipped', 'timeout'];

export function registerBackupVerify(backup: Command, globals: () => GlobalOptions): void {
  connOptions(
    backup
      .command('verify')
      .description(
        'read a backup back and check every chunk (each disk of a server backup); prints the bad regions',
      )
      .argument('<id>', 'backup id')
      .option('--no-wait', 'return the operation log id at once'),
  ).action(async (id: string, o: ConnOptions & { wait: boolean }) => {
    const g = globals();
    const c = await CbrClient.login(o);
    const { operation_log_id: logId } = await c.opencbr('POST', `/backups/${id}/verify`);
    if (!o.wait) {
      printObject({ backup_id: id, operation_log_id: logId }, g);
      return;
    }
    const display = new ProgressDisplay();
    let log: J;
    for (;;) {
      ({ operation_log: log } = await c.opencbr('GET', `/operation-logs/${logId}`));
      if (!g.json) {
        display.draw([
          {
            label: `verify ${log.extra_info.verify.backup_name}`,
            pct: log.extra_info.common.progress,
            status: log.status,
          },
        ]);
      }
      if (DONE.includes(log.status)) break;
      await sleep(500);
    }
    const v = log.extra_info.verify;
    const regions = (v.disks as J[]).flatMap((d) => [
      ...(d.bad_regions as J[]).map((r) => ({ disk: d, ...r })),
      ...(d.error ? [{ disk: d, offset: null, length: null, reason: d.error }] : []),
    ]);
    if (g.json) printObject(log, g);
    else {
      process.stdout.write(`${v.summary ?? log.error_info.message ?? log.status}\n`);
      if (regions.length > 0) {
        printRows(
          regions,
          [
            { header: 'Disk backup', value: (r: J) => r.disk.backup_id },
            { header: 'Disk', value: (r: J) => r.disk.resource_name },
            { header: 'Offset', value: (r: J) => r.offset },
            { header: 'Length', value: (r: J) => r.length },
            { header: 'Reason', value: (r: J) => r.reason },
          ],
          {},
        );
      }
      for (const d of v.disks as J[])
        for (const x of d.damaged_objects as J[])
          process.stderr.write(`damaged (still readable): ${x.key}: ${x.reason}\n`);
    }
    if (log.status !== 'success' || regions.length > 0) process.exitCode = 1;
  });
}
