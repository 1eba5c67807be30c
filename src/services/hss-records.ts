// What HSS adds to CBR: protected hosts, ransomware protection policies and the backup policies of
// protection vaults. The HSS API and its policy runner reach them through this service, never the catalog.
import { HssStore } from '../catalog/hss-store.js';
import type { AppContext } from '../context.js';

export type { BackupPolicyRow, ProtectedHost, ProtectionPolicyRow } from '../catalog/hss-store.js';

/** Every HSS question the API and the runner ask, as an interface rather than the catalog class itself. */
export type HssRecords = Pick<HssStore, keyof HssStore>;

declare module '../context.js' {
  interface AppServices {
    hssRecords: HssRecords;
  }
}

/** Service factory for openContext. */
export function hssServiceFactory(ctx: AppContext): void {
  ctx.services.hssRecords = new HssStore(ctx.db);
}
