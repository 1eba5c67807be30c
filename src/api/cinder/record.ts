// export_record / import_record: a backup record is everything needed to re-register a backup in a
// catalog that lost it (or a fresh one over the same object store): the backup's ids, the vault its
// data lives in, the engine backup id and the attributes Cinder shows. Encoded as base64 JSON, as
// Cinder's drivers encode theirs.
import type { Backup } from '../../domain/cbr-model.js';
import type { BackupRecordV1 } from '../../services/cinder-import.js';
import { badRequest } from './faults.js';

export const BACKUP_SERVICE = 'opencbr.engine';
const FORMAT: BackupRecordV1['format'] = 'opencbr-backup-record';

export function encodeRecord(
  b: Backup,
  vaultName: string,
  extra: { container: string | null; snapshotId: string | null; metadata: Record<string, string> } | null,
): string {
  if (!b.engineBackupId) throw badRequest(`Invalid backup: backup ${b.id} holds no data to export.`);
  const rec: BackupRecordV1 = {
    format: FORMAT,
    version: 1,
    backup: {
      id: b.id,
      vault_id: b.vaultId,
      vault_name: vaultName,
      engine_backup_id: b.engineBackupId,
      base_backup_id: b.baseBackupId,
      name: b.name,
      description: b.description,
      volume_id: b.resourceId,
      volume_name: b.resourceName,
      volume_bytes: b.volumeBytes,
      resource_size_gb: b.resourceSizeGb,
      availability_zone: b.resourceAz,
      incremental: b.incremental,
      stored_bytes: b.storedBytes,
      created_at: b.createdAt,
      protected_at: b.protectedAt,
      container: extra?.container ?? null,
      snapshot_id: extra?.snapshotId ?? null,
      metadata: extra?.metadata ?? {},
    },
  };
  return Buffer.from(JSON.stringify(rec), 'utf8').toString('base64');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function fail(why: string): never {
  throw badRequest(`Invalid input received: Can't parse backup record: ${why}`, 'backup-record.backup_url');
}

/** Decodes and checks a record; every field is validated, since it comes from the client. */
export function decodeRecord(service: string, url: string): BackupRecordV1 {
  if (service !== BACKUP_SERVICE) {
    throw badRequest(
      `Invalid input received: Backup service ${service} is not supported (this service exports and imports ${BACKUP_SERVICE}).`,
      'backup-record.backup_service',
    );
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(url)) fail('not base64');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(url, 'base64').toString('utf8'));
  } catch {
    fail('not JSON');
  }
  const rec = parsed as Partial<BackupRecordV1> | null;
  if (!rec || typeof rec !== 'object' || rec.format !== FORMAT || rec.version !== 1) fail('unknown format');
  const b = rec.backup as Record<string, unknown> | undefined;
  if (!b || typeof b !== 'object') fail('no backup');
  for (const k of ['id', 'vault_id', 'engine_backup_id', 'volume_id']) {
    if (typeof b[k] !== 'string' || !UUID.test(b[k] as string)) fail(`${k} is not a UUID`);
  }
  if (b.base_backup_id !== null && (typeof b.base_backup_id !== 'string' || !UUID.test(b.base_backup_id))) {
    fail('base_backup_id is not a UUID');
  }
  for (const k of ['name', 'vault_name', 'volume_name']) {
    if (typeof b[k] !== 'string' || (b[k] as string).length > 255) fail(`${k} is not a string`);
  }
  for (const k of ['description', 'availability_zone', 'container', 'snapshot_id']) {
    if (b[k] !== null && (typeof b[k] !== 'string' || (b[k] as string).length > 255)) fail(`${k} is invalid`);
  }
  for (const k of ['volume_bytes', 'resource_size_gb', 'stored_bytes']) {
    if (typeof b[k] !== 'number' || !Number.isSafeInteger(b[k]) || (b[k] as number) < 0)
      fail(`${k} is invalid`);
  }
  if (typeof b.incremental !== 'boolean') fail('incremental is invalid');
  if (typeof b.created_at !== 'string' || !TS.test(b.created_at)) fail('created_at is invalid');
  if (b.protected_at !== null && (typeof b.protected_at !== 'string' || !TS.test(b.protected_at))) {
    fail('protected_at is invalid');
  }
  const md = b.metadata;
  if (!md || typeof md !== 'object' || Array.isArray(md)) fail('metadata is invalid');
  for (const [k, v] of Object.entries(md as object)) {
    if (typeof v !== 'string' || k.length > 255 || v.length > 255) fail('metadata is invalid');
  }
  return rec as BackupRecordV1;
}
