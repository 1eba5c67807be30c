// Vaults: create/get/list/update/delete, binding resources (servers and volumes of the inventory), usage.

import { BUSY } from '../domain/backup-status.js';
import type {
  Backup,
  ConsistentLevel,
  ObjectType,
  ProtectType,
  ResourceKind,
  Vault,
  VaultResource,
} from '../domain/cbr-model.js';
import { bytesToGb, bytesToMb, disksSizeGb, newVault } from '../domain/cbr-rules.js';
import { AppError, isAppError } from '../domain/errors.js';
import {
  MarkerNotFoundError,
  ResourceAlreadyBoundError,
  type VaultListFilter,
} from '../domain/ports/cbr-repositories.js';
import { RESOURCE_TYPES } from '../domain/resource-types.js';
import { checkBindRules, checkTags } from '../domain/tags.js';
import { thresholdCrossed } from '../domain/vault-capacity.js';
import { assertDeletableUnderLock } from '../domain/vault-lock.js';
import { type CbrDeps, cbrError, newId } from './cbr-deps.js';
import type { OperationLogService } from './oplogs.js';
import { requireBackupPolicy } from './policies.js';

export interface ResourceRef {
  id: string;
  /** Resource kind if the caller states it; checked against the inventory. */
  kind?: ResourceKind | 'unsupported';
  excludeVolumes?: string[];
  /** Request field for error messages (`resources[0]`). */
  field?: string;
}

export interface VaultCreateInput {
  name: string;
  description?: string | null;
  objectType: string;
  protectType: ProtectType;
  consistentLevel: ConsistentLevel;
  sizeGb: number;
  chargingMode?: 'post_paid' | 'pre_paid';
  enterpriseProjectId?: string;
  backupPolicyId?: string | null;
  autoBind?: boolean;
  autoExpand?: boolean;
  smnNotify?: boolean;
  threshold?: number;
  locked?: boolean;
  availabilityZone?: string | null;
  resources?: ResourceRef[];
  /** Checked here (src/domain/tags.ts), as raw as the request gave them. */
  tags?: unknown;
  bindRules?: unknown;
}

export interface VaultUpdateInput {
  name?: string;
  sizeGb?: number;
  consistentLevel?: ConsistentLevel;
  autoBind?: boolean;
  autoExpand?: boolean;
  smnNotify?: boolean;
  threshold?: number;
  locked?: boolean;
  bindRules?: unknown;
}

export const VAULT_DELETE_JOB = 'vault_delete';

export interface VaultDeleteJobPayload {
  vaultId: string;
  projectId: string;
  operationLogId: string;
}

export class VaultService {
  constructor(
    private readonly deps: CbrDeps,
    private readonly oplogs: OperationLogService,
  ) {}

  async create(auth: { projectId: string; userId?: string | null }, input: VaultCreateInput): Promise<Vault> {
    if (input.objectType !== 'server' && input.objectType !== 'disk') {
      throw cbrError(
        'validation',
        'BackupService.6116',
        `Invalid parameter vault.billing.object_type: opencbr vaults hold server or disk backups, not ${input.objectType}`,
        'vault.billing.object_type',
      );
    }
    if (input.chargingMode === 'pre_paid') {
      throw cbrError(
        'validation',
        'BackupService.6109',
        'Invalid parameter vault.billing.charging_mode: only post_paid is available',
        'vault.billing.charging_mode',
      );
    }
    const objectType = input.objectType as ObjectType;
    if (input.backupPolicyId)
      await requireBackupPolicy(this.deps.repos, auth.projectId, input.backupPolicyId);
    const now = this.deps.timestamp();
    const vault: Vault = newVault({
      id: newId(),
      projectId: auth.projectId,
      userId: auth.userId ?? null,
      name: input.name,
      description: input.description ?? null,
      objectType,
      protectType: input.protectType,
      consistentLevel: input.consistentLevel,
      sizeGb: input.sizeGb,
      enterpriseProjectId: input.enterpriseProjectId ?? '0',
      backupPolicyId: input.backupPolicyId ?? null,
      autoBind: input.autoBind ?? false,
      autoExpand: input.autoExpand ?? false,
      smnNotify: input.smnNotify ?? true,
      threshold: input.threshold ?? 80,
      locked: input.locked ?? false,
      availabilityZone: input.availabilityZone ?? null,
      createdAt: now,
      tags: input.tags === undefined ? [] : checkTags('vault.tags', input.tags),
      bindRules:
        input.bindRules === undefined ? [] : checkBindRules('vault.bind_rules.tags', input.bindRules),
    });
    vault.resources = await this.resolveResources(
      auth.projectId,
      objectType,
      input.resources ?? [],
      'vault.resources',
    );
    try {
      await this.deps.uow.run((r) => r.vaults.insertVault(vault));
    } catch (err) {
      throw this.boundError(err);
    }
    return this.get(auth.projectId, vault.id);
  }

  async get(projectId: string, id: string): Promise<Vault> {
    const v = await this.deps.repos.vaults.getVault(projectId, id);
    if (!v)
      throw new AppError('vault_not_found', `The vault does not exist: vault_id ${id}.`, {
        field: 'vault_id',
      });
    return v;
  }

  async list(f: VaultListFilter): Promise<{ items: Vault[]; count: number }> {
    try {
      return await this.deps.repos.vaults.listVaults(f);
    } catch (err) {
      if (err instanceof MarkerNotFoundError) {
        throw new AppError(
          'validation',
          `Invalid parameter marker: ${err.marker} is not a vault of this project`,
          {
            field: 'marker',
          },
        );
      }
      throw err;
    }
  }

  async update(projectId: string, id: string, input: VaultUpdateInput): Promise<Vault> {
    const v = await this.get(projectId, id);
    if (input.sizeGb !== undefined && input.sizeGb * 1024 < bytesToMb(v.usedBytes)) {
      throw new AppError(
        'vault_capacity_exceeded',
        `Invalid parameter vault.billing.size: ${input.sizeGb} GB is less than the ${bytesToMb(v.usedBytes)} MB in use`,
        { field: 'vault.billing.size', cbr: 'BackupService.6101' },
      );
    }
    if (v.locked && input.locked === false) {
      throw cbrError(
        'validation',
        'BackupService.6110',
        'Invalid parameter vault.locked: a locked vault cannot be unlocked',
        'vault.locked',
      );
    }
    const { bindRules, ...fields } = input;
    const rules = bindRules === undefined ? undefined : checkBindRules('vault.bind_rules.tags', bindRules);
    await this.deps.uow.run((r) =>
      r.vaults.updateVault(id, { ...fields, bindRules: rules, updatedAt: this.deps.timestamp() }),
    );
    return this.get(projectId, id);
  }

  /** BatchUpdateVault: the notification settings of every vault of the project, in one transaction. */
  async batchUpdate(
    projectId: string,
    input: { smnNotify?: boolean; threshold?: number },
  ): Promise<string[]> {
    if (input.smnNotify === undefined && input.threshold === undefined) {
      throw new AppError('validation', 'Invalid parameter vault: give smn_notify, threshold or both', {
        field: 'vault',
      });
    }
    const at = this.deps.timestamp();
    return this.deps.uow.run(async (r) => {
      const { items } = await r.vaults.listVaults({ projectId, limit: Number.MAX_SAFE_INTEGER, offset: 0 });
      for (const v of items) {
        await r.vaults.updateVault(v.id, {
          smnNotify: input.smnNotify,
          threshold: input.threshold,
          updatedAt: at,
        });
      }
      return items.map((v) => v.id);
    });
  }

  /**
   * Deletes the vault and every backup in it. A vault holding backups becomes `deleting`, its backups too, and
   * a durable `vault_delete` job (with its operation log) reclaims their data and then removes the records;
   * an empty vault has nothing to reclaim and goes at once.
   */
  async delete(projectId: string, id: string): Promise<{ operationLogId: string | null }> {
    const v = await this.get(projectId, id);
    if (v.status === 'deleting') {
      throw cbrError(
        'validation',
        'BackupService.6111',
        'The vault cannot be deleted: it is being deleted already.',
        'vault_id',
      );
    }
    const backups = await this.deps.repos.backups.backupsOfVault(v.id);
    const now = this.deps.timestamp();
    for (const b of backups) if (b.parentId === null) assertDeletableUnderLock(v, b, now);
    const busy = backups.find((b) => BUSY.includes(b.status));
    if (busy) {
      throw cbrError(
        'validation',
        'BackupService.6111',
        `The vault cannot be deleted: backup ${busy.id} is ${busy.status}.`,
        'vault_id',
      );
    }
    return this.deps.uow.run(async (r) => {
      if (backups.length === 0) {
        await r.vaults.deleteVault(v.id);
        return { operationLogId: null };
      }
      const at = this.deps.timestamp();
      await r.vaults.updateVault(v.id, { status: 'deleting', updatedAt: at });
      await r.backups.transitionVaultBackups(v.id, ['available', 'error'], 'deleting', at);
      // Anything that started meanwhile keeps the vault: the transaction is undone.
      const started = (await r.backups.backupsOfVault(v.id)).find(
        (b) => BUSY.includes(b.status) && b.status !== 'deleting',
      );
      if (started) {
        throw cbrError(
          'validation',
          'BackupService.6111',
          `The vault cannot be deleted: backup ${started.id} is ${started.status}.`,
          'vault_id',
        );
      }
      const o = await this.oplogs.openVaultDelete(v, r.oplogs);
      await r.jobs.enqueue<VaultDeleteJobPayload>(
        VAULT_DELETE_JOB,
        { vaultId: v.id, projectId, operationLogId: o.id },
        { projectId, operationLogId: o.id, maxAttempts: 3 },
      );
      return { operationLogId: o.id };
    });
  }

  async addResources(projectId: string, vaultId: string, refs: ResourceRef[]): Promise<string[]> {
    const v = await this.get(projectId, vaultId);
    if (v.status === 'deleting') {
      throw cbrError(
        'validation',
        'BackupService.6113',
        `Resources cannot be added in vault status ${v.status}.`,
        'vault_id',
      );
    }
    const resources = await this.resolveResources(projectId, v.objectType, refs, 'resources');
    try {
      await this.deps.uow.run((r) =>
        r.vaults.addResources(v.id, projectId, resources, this.deps.timestamp()),
      );
    } catch (err) {
      throw this.boundError(err);
    }
    return resources.map((r) => r.id);
  }

  async removeResources(projectId: string, vaultId: string, ids: string[]): Promise<string[]> {
    const v = await this.get(projectId, vaultId);
    this.requireMembers(v, ids);
    await this.deps.uow.run((r) => r.vaults.removeResources(v.id, ids));
    return ids;
  }

  /** SetVaultResource: suspends or resumes the automatic backups of resources of the vault. */
  async setResourcesSuspended(
    projectId: string,
    vaultId: string,
    ids: string[],
    suspended: boolean,
  ): Promise<string[]> {
    const v = await this.get(projectId, vaultId);
    this.requireMembers(v, ids);
    const unique = [...new Set(ids)];
    await this.deps.uow.run((r) => r.vaults.setResourcesSuspended(v.id, unique, suspended));
    return unique;
  }

  /** Every id names a resource of the vault (BackupService.6135 names the first that does not). */
  private requireMembers(v: Vault, ids: string[]): void {
    for (const [i, id] of ids.entries()) {
      if (!v.resources.some((r) => r.id === id)) {
        throw cbrError(
          'validation',
          'BackupService.6135',
          `Invalid parameter resource_ids[${i}]: resource ${id} is not in vault ${v.id}`,
          `resource_ids[${i}]`,
        );
      }
    }
  }

  /** Total capacity (GB) and usage (MB) of the project's vaults. */
  async summary(projectId: string): Promise<{ sizeGb: number; usedMb: number }> {
    const u = await this.deps.repos.vaults.projectUsage(projectId);
    return { sizeGb: u.sizeGb, usedMb: bytesToMb(u.usedBytes) };
  }

  /**
   * The project's default vault for a kind of resource (Cinder/HSS backups that name no vault):
   * the oldest vault of that object type, created on first use.
   */
  async defaultVault(projectId: string, objectType: ObjectType): Promise<Vault> {
    const { items } = await this.deps.repos.vaults.listVaults({
      projectId,
      objectType,
      limit: 1000,
      offset: 0,
    });
    const oldest = items.sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))[0];
    if (oldest) return oldest;
    return this.create(
      { projectId },
      {
        name: `default-${objectType}-vault`,
        objectType,
        protectType: 'backup',
        consistentLevel: 'crash_consistent',
        sizeGb: 10485760,
      },
    );
  }

  /** Recomputes the vault's used bytes from the object store (real stored data). */
  /**
   * Sets billing.used from what the store holds; when a backup's commit takes used space across the vault's
   * `threshold`, one `vault_threshold` operation log records it (only the crossing, not every backup above).
   */
  async refreshUsage(vaultId: string, committed?: Backup): Promise<void> {
    const e = this.deps.engine();
    if (!e) return;
    const u = await (await e.vault(vaultId)).usage();
    const v = committed ? await this.deps.repos.vaults.getVault(committed.projectId, vaultId) : null;
    await this.deps.repos.vaults.setVaultUsedBytes(vaultId, u.storedBytes);
    if (v && committed && thresholdCrossed(v, v.usedBytes, u.storedBytes))
      await this.oplogs.recordThreshold({ ...v, usedBytes: u.storedBytes }, committed);
  }

  private boundError(err: unknown): unknown {
    if (err instanceof ResourceAlreadyBoundError) {
      return new AppError(
        'resource_in_vault',
        `The resource ${err.resourceId} has been associated with a vault.`,
        {
          field: 'resources',
        },
      );
    }
    return err;
  }

  private async resolveResources(
    projectId: string,
    objectType: ObjectType,
    refs: ResourceRef[],
    field: string,
  ): Promise<VaultResource[]> {
    const seen = new Set<string>();
    const out: VaultResource[] = [];
    for (const [i, ref] of refs.entries()) {
      const f = ref.field ?? `${field}[${i}]`;
      if (seen.has(ref.id)) {
        throw cbrError(
          'validation',
          'BackupService.6104',
          `Invalid parameter ${f}.id: duplicate resource ${ref.id}`,
          `${f}.id`,
        );
      }
      seen.add(ref.id);
      if (ref.kind === 'unsupported') {
        throw cbrError(
          'validation',
          'BackupService.6116',
          `Invalid parameter ${f}.type: unsupported resource type`,
          `${f}.type`,
        );
      }
      const wanted: ResourceKind = objectType === 'server' ? 'server' : 'volume';
      if (ref.kind && ref.kind !== wanted) {
        throw cbrError(
          'validation',
          'BackupService.6102',
          `Invalid parameter ${f}.type: a ${objectType} vault holds ${RESOURCE_TYPES[wanted]} resources`,
          `${f}.type`,
        );
      }
      const bound = await this.deps.repos.vaults.vaultOfResource(projectId, ref.id);
      if (bound) {
        throw new AppError(
          'resource_in_vault',
          `The resource ${ref.id} has been associated with vault ${bound}.`,
          {
            field: `${f}.id`,
          },
        );
      }
      try {
        if (wanted === 'server') {
          const s = await this.deps.inventory.getServer(projectId, ref.id);
          const exclude = ref.excludeVolumes ?? [];
          for (const [j, x] of exclude.entries()) {
            if (!s.volumes.some((v) => v.id === x)) {
              throw new AppError(
                'volume_not_found',
                `Invalid parameter ${f}.extra_info.exclude_volumes[${j}]: disk ${x} is not attached to server ${s.id}`,
                {
                  field: `${f}.extra_info.exclude_volumes[${j}]`,
                  status: 400,
                },
              );
            }
          }
          const disks = s.volumes.filter((v) => !exclude.includes(v.id)).map((v) => v.size);
          out.push({
            id: s.id,
            kind: 'server',
            name: s.name,
            sizeGb: disksSizeGb(disks),
            protectStatus: 'available',
            excludeVolumes: exclude,
            backupCount: 0,
            backupBytes: 0,
          });
        } else {
          const v = await this.deps.inventory.getVolume(projectId, ref.id);
          out.push({
            id: v.id,
            kind: 'volume',
            name: v.name,
            sizeGb: bytesToGb(v.size),
            protectStatus: 'available',
            excludeVolumes: [],
            backupCount: 0,
            backupBytes: 0,
          });
        }
      } catch (err) {
        if (
          isAppError(err) &&
          (err.code === 'server_not_found' || err.code === 'volume_not_found') &&
          !err.field
        ) {
          throw new AppError('resource_not_found', `The resource does not exist: ${f}.id ${ref.id}.`, {
            field: `${f}.id`,
          });
        }
        throw err;
      }
    }
    return out;
  }
}
