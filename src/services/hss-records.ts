// What HSS adds to CBR: protected hosts and ransomware protection policies (a protection vault's backup policy is
// a CBR policy). The HSS API reaches them through this service, never the catalog.
import type { AppContext } from '../context.js';
import type { HssRepository } from '../domain/ports/hss.js';

export type { ProtectedHost, ProtectionPolicyRow } from '../domain/ports/hss.js';

/** Every HSS question the API asks: the repository port itself. */
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
