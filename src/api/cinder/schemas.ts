// Wire shapes of the Cinder v3 backups API (and the read side of volumes), exactly as Cinder spells them.
// Request schemas validate (additionalProperties: false, as cinder/api/schemas/backups.py); response
// schemas document (OpenAPI) and serialize.
import { type Static, Type } from '@fastify/type-provider-typebox';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
/** OpenStack "boolean" parameter: a JSON boolean or one of the accepted strings (checked by parseBool). */
const OsBool = Type.Union([Type.Boolean(), Type.String({ maxLength: 16 })]);
const Uuid = Type.String({ minLength: 1, maxLength: 36 });
const Name = Nullable(Type.String({ maxLength: 255 }));
const Metadata = Type.Record(Type.String({ maxLength: 255 }), Type.String({ maxLength: 255 }));

export const Link = Type.Object({ href: Type.String(), rel: Type.String() });
export type Link = Static<typeof Link>;

// ---- path / query -------------------------------------------------------------------------------

export const ProjectParams = Type.Object({ project_id: Type.String({ minLength: 1, maxLength: 64 }) });
export const BackupParams = Type.Object({
  project_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  backup_id: Type.String({ minLength: 1, maxLength: 255 }),
});
export const VolumeParams = Type.Object({
  project_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  volume_id: Type.String({ minLength: 1, maxLength: 255 }),
});
/**
 * List query strings are parsed by hand (paging.ts): Cinder's rules (unknown filters, `name~`) are not JSON
 * Schema. The paging parameters are named so that the OpenAPI document lists them; any other is a filter.
 */
const QueryValue = Type.Union([Type.String(), Type.Array(Type.String())]);
export const ListQuery = Type.Object(
  {
    limit: Type.Optional(QueryValue),
    marker: Type.Optional(QueryValue),
    offset: Type.Optional(QueryValue),
    sort: Type.Optional(QueryValue),
    sort_key: Type.Optional(QueryValue),
    sort_dir: Type.Optional(QueryValue),
    with_count: Type.Optional(QueryValue),
    all_tenants: Type.Optional(QueryValue),
  },
  { additionalProperties: QueryValue },
);

// ---- requests -----------------------------------------------------------------------------------

export const CreateBackupBody = Type.Object(
  {
    backup: Type.Object(
      {
        volume_id: Uuid,
        container: Type.Optional(Name),
        description: Type.Optional(Name),
        incremental: Type.Optional(OsBool),
        force: Type.Optional(OsBool),
        name: Type.Optional(Name),
        snapshot_id: Type.Optional(Type.Union([Uuid, Type.Null()])),
        /** ≥3.43 */
        metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
        /** ≥3.51 */
        availability_zone: Type.Optional(Name),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type CreateBackupBody = Static<typeof CreateBackupBody>;

export const UpdateBackupBody = Type.Object(
  {
    backup: Type.Object(
      {
        name: Type.Optional(Name),
        description: Type.Optional(Name),
        /** ≥3.43 */
        metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type UpdateBackupBody = Static<typeof UpdateBackupBody>;

export const RestoreBody = Type.Object(
  {
    restore: Type.Object(
      {
        volume_id: Type.Optional(Type.Union([Uuid, Type.Null()])),
        name: Type.Optional(Name),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type RestoreBody = Static<typeof RestoreBody>;

export const ImportRecordBody = Type.Object(
  {
    'backup-record': Type.Object(
      {
        backup_service: Type.String({ maxLength: 255 }),
        backup_url: Type.String({ minLength: 1, maxLength: 1048576 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type ImportRecordBody = Static<typeof ImportRecordBody>;

/** POST …/backups/{id}/action: exactly one action key. */
export const ActionBody = Type.Union([
  Type.Object(
    { 'os-force_delete': Type.Union([Type.Object({}), Type.Null()]) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      'os-reset_status': Type.Object(
        { status: Type.String({ minLength: 1, maxLength: 255 }) },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
]);
export type ActionBody = Static<typeof ActionBody>;

// ---- responses ----------------------------------------------------------------------------------

export const BackupSummary = Type.Object({
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  links: Type.Array(Link),
  /** create/update at ≥3.43 */
  metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
});
export type BackupSummary = Static<typeof BackupSummary>;

const NullStr = Type.Union([Type.String(), Type.Null()]);

/** Seed 001's fields plus the ones each microversion adds (optional keys are version-gated). */
export const BackupDetail = Type.Object({
  id: Type.String(),
  name: NullStr,
  description: NullStr,
  status: Type.String(),
  size: Type.Integer(),
  object_count: Type.Union([Type.Integer(), Type.Null()]),
  availability_zone: NullStr,
  container: NullStr,
  created_at: Type.String(),
  updated_at: NullStr,
  data_timestamp: Type.String(),
  fail_reason: NullStr,
  volume_id: Type.String(),
  snapshot_id: NullStr,
  is_incremental: Type.Boolean(),
  has_dependent_backups: Type.Boolean(),
  links: Type.Array(Link),
  'os-backup-project-attr:project_id': Type.Optional(Type.String()),
  'os-backup-project-attr:tenant_id': Type.Optional(Type.String()),
  metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
  user_id: Type.Optional(NullStr),
  encryption_key_id: Type.Optional(NullStr),
});
export type BackupDetail = Static<typeof BackupDetail>;

export const BackupList = Type.Object({
  backups: Type.Array(Type.Union([BackupDetail, BackupSummary])),
  backups_links: Type.Optional(Type.Array(Link)),
  count: Type.Optional(Type.Integer()),
});

export const BackupEnvelope = Type.Object({ backup: BackupDetail });
export const BackupSummaryEnvelope = Type.Object({ backup: BackupSummary });

export const RestoreResponse = Type.Object({
  restore: Type.Object({ backup_id: Type.String(), volume_id: Type.String(), volume_name: NullStr }),
});
export type RestoreResponse = Static<typeof RestoreResponse>;

export const BackupRecord = Type.Object({
  'backup-record': Type.Object({ backup_service: Type.String(), backup_url: Type.String() }),
});
export type BackupRecord = Static<typeof BackupRecord>;

export const VolumeSummary = Type.Object({ id: Type.String(), name: NullStr, links: Type.Array(Link) });

export const VolumeAttachment = Type.Object({
  id: Type.String(),
  attachment_id: Type.String(),
  volume_id: Type.String(),
  server_id: Type.String(),
  host_name: NullStr,
  device: Type.String(),
  attached_at: Type.String(),
});

export const VolumeDetail = Type.Object({
  id: Type.String(),
  name: NullStr,
  description: NullStr,
  status: Type.String(),
  size: Type.Integer(),
  availability_zone: NullStr,
  created_at: Type.String(),
  updated_at: NullStr,
  attachments: Type.Array(VolumeAttachment),
  bootable: Type.String(),
  encrypted: Type.Boolean(),
  multiattach: Type.Boolean(),
  metadata: Type.Record(Type.String(), Type.String()),
  volume_type: NullStr,
  snapshot_id: NullStr,
  source_volid: NullStr,
  consistencygroup_id: NullStr,
  replication_status: NullStr,
  user_id: NullStr,
  links: Type.Array(Link),
  'os-vol-tenant-attr:tenant_id': Type.String(),
  /** ≥3.47 */
  backup_id: Type.Optional(NullStr),
  /** ≥3.48 */
  shared_targets: Type.Optional(Type.Boolean()),
  service_uuid: Type.Optional(NullStr),
  /** ≥3.63 */
  volume_type_id: Type.Optional(NullStr),
  /** ≥3.65 */
  consumes_quota: Type.Optional(Type.Boolean()),
  /** ≥3.69 */
  cluster_name: Type.Optional(NullStr),
  provider_id: Type.Optional(NullStr),
  group_id: Type.Optional(NullStr),
});
export type VolumeDetail = Static<typeof VolumeDetail>;

export const VolumeList = Type.Object({
  volumes: Type.Array(Type.Union([VolumeDetail, VolumeSummary])),
  volumes_links: Type.Optional(Type.Array(Link)),
  count: Type.Optional(Type.Integer()),
});

export const Fault = Type.Record(
  Type.String(),
  Type.Object({ code: Type.Integer(), message: Type.String() }),
);

export const VersionItem = Type.Object({
  id: Type.String(),
  status: Type.String(),
  version: Type.String(),
  min_version: Type.String(),
  updated: Type.String(),
  links: Type.Array(
    Type.Object({ rel: Type.String(), href: Type.String(), type: Type.Optional(Type.String()) }),
  ),
  'media-types': Type.Array(Type.Object({ base: Type.String(), type: Type.String() })),
});
export const VersionsDoc = Type.Object({ versions: Type.Array(VersionItem) });
