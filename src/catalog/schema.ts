// The catalog's full table set, composed from each area's table interfaces so Kysely types every query.
// To add tables: define `interface XTables` in your own file and add it to the extends list (one-line edit).
import type { CbrTables } from './cbr-schema.js';
import type { CinderHssTables } from './cinder-tables.js';
import type { IdentityTables } from './identity-tables.js';
import type { InventoryTables } from './inventory-tables.js';
import type { JobTables } from './jobs-tables.js';
import type { MemberTables } from './member-tables.js';
import type { PolicyTables } from './policy-tables.js';
import type { TagTables } from './tag-tables.js';

export interface Database
  extends IdentityTables,
    InventoryTables,
    JobTables,
    CbrTables,
    CinderHssTables,
    PolicyTables,
    TagTables,
    MemberTables {}
