// Every catalog migration, in order. Names sort lexically = apply order, so a number range per area keeps
// areas from colliding: PLATFORM 0001–0009, CBR 0010–0019, CINDER-HSS 0020–0029, AK/SK signing 0030–0039, policies 0040–0044,
// observability 0045–0049, tags 0050–0054, sharing 0055–0059
// (add one import and one entry each).
import type { Migration } from 'kysely';
import * as m0001 from './0001_identity.js';
import * as m0002 from './0002_inventory.js';
import * as m0003 from './0003_jobs.js';
import * as m0010 from './0010_cbr.js';
import * as m0012 from './0012_backup_user.js';
import * as m0013 from './0013_vault_resource_suspend.js';
import * as m0020 from './0020_cinder_hss.js';
import * as m0021 from './0021_hss_policy_runs.js';
import * as m0022 from './0022_cinder_generated_name.js';
import * as m0030 from './0030_signature_replay.js';
import * as m0040 from './0040_policies.js';
import * as m0042 from './0042_hss_policies_into_cbr.js';
import * as m0045 from './0045_oplog_request_id.js';
import * as m0050 from './0050_tags.js';
import * as m0055 from './0055_backup_members.js';

export const migrations: Record<string, Migration> = {
  '0001_identity': m0001,
  '0002_inventory': m0002,
  '0003_jobs': m0003,
  '0010_cbr': m0010,
  '0012_backup_user': m0012,
  '0013_vault_resource_suspend': m0013,
  '0020_cinder_hss': m0020,
  '0021_hss_policy_runs': m0021,
  '0022_cinder_generated_name': m0022,
  '0030_signature_replay': m0030,
  '0040_policies': m0040,
  '0042_hss_policies_into_cbr': m0042,
  '0045_oplog_request_id': m0045,
  '0050_tags': m0050,
  '0055_backup_members': m0055,
};
