// Cinder's own backup attributes (metadata, container, imported records) beside CBR's backup rows, and the
// busy state of volumes. The Cinder API reaches them through this service, never through the catalog.
import type { AppContext } from '../context.js';
import type { CinderRepository } from '../domain/ports/cinder.js';

export {
  CINDER_SORT_KEYS,
  type CinderBackupExtra,
  CinderMarkerNotFound,
  type CinderSortKey,
} from '../domain/ports/cinder.js';

/** What the Cinder API does with its records: the repository port itself. */
export type CinderRecords = CinderRepository;

declare module '../context.js' {
  interface AppServices {
    cinderRecords: CinderRecords;
  }
}

/** Service factory for openContext. */
export function cinderServiceFactory(ctx: AppContext): void {
  ctx.services.cinderRecords = ctx.catalog.cinder;
}
