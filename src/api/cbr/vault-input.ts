// CreateVault's wire body as the vault service's input: one mapping for CreateVault and CreatePostPaidVault.
import type { Static } from '@fastify/type-provider-typebox';
import type { ResourceKind } from '../../domain/cbr-model.js';
import { resourceKindOf } from '../../domain/resource-types.js';
import type { VaultCreateInput } from '../../services/vaults.js';
import type * as S from './schemas.js';

/** The kind a wire resource type names; the services refuse `unsupported` naming the field. */
export function kindOfType(type: string): ResourceKind | 'unsupported' {
  return resourceKindOf(type) ?? 'unsupported';
}

export function vaultCreateInput(v: Static<typeof S.CreateVaultRequest>['vault']): VaultCreateInput {
  return {
    name: v.name,
    description: v.description ?? null,
    objectType: v.billing.object_type,
    protectType: v.billing.protect_type,
    consistentLevel: v.billing.consistent_level,
    sizeGb: v.billing.size,
    chargingMode: v.billing.charging_mode,
    enterpriseProjectId: v.enterprise_project_id,
    backupPolicyId: (v.backup_policy_id as string | null | undefined) ?? null,
    autoBind: v.auto_bind,
    tags: v.tags,
    bindRules: v.bind_rules?.tags,
    autoExpand: v.auto_expand,
    smnNotify: v.smn_notify,
    threshold: v.threshold,
    locked: v.locked,
    availabilityZone: v.availability_zone ?? null,
    resources: (v.resources ?? []).map((r, i) => ({
      id: r.id,
      kind: kindOfType(r.type),
      excludeVolumes: r.extra_info?.exclude_volumes,
      field: `vault.resources[${i}]`,
    })),
  };
}
