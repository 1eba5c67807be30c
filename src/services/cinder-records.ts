// Cinder's own backup attributes (metadata, container, imported records) beside CBR's backup rows, and the
// busy state of volumes. The Cinder API reaches them through this service, never through the catalog.
import { CinderStore } from '../catalog/cinder-store.js';
import type { AppContext } from '../context.js';

export {
  CINDER_SORT_KEYS,
  type CinderBackupExtra,
  CinderMarkerNotFound,
  type CinderSortKey,
} from '../catalog/cinder-store.js';

/** What the Cinder API does with its records; removal stays with the catalog's own lifecycle. */
export type CinderRecords = Pick<
  CinderStore,
  'put' | 'get' | 'getMany' | 'listBackups' | 'dependentCounts' | 'vaultProject' | 'busyVolumes'
>;

declare module '../context.js' {
  interface AppServices {
    cinderRecords: CinderRecords;
  }
}

/** Service factory for openContext. */
export function cinderServiceFactory(ctx: AppContext): void {
  ctx.services.cinderRecords = new CinderStore(ctx.db);
}
