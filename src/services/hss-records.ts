// What HSS adds to CBR: protected hosts, ransomware protection policies and the backup policies of
// protection vaults. The HSS API and its policy runner reach them through this service, never the catalog.
import type { AppContext } from '../context.js';
import type { HssRepository } from '../domain/ports/hss.js';

export type { BackupPolicyRow, ProtectedHost, ProtectionPolicyRow } from '../domain/ports/hss.js';

/** Every HSS question the API and the runner ask: the repository port itself. */
export type HssRecords = HssRepository;

declare module '../context.js' {
  interface AppServices {
    hssRecords: HssRecords;
  }
}

/** Service factory for openContext. */
export function hssServiceFactory(ctx: AppContext): void {
  ctx.services.hssRecords = ctx.catalog.hss;
}
