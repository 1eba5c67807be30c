// CBR v3 policy wire shapes (TypeBox), as the spec's policy section and Policy model spell them.
import { Type } from '@fastify/type-provider-typebox';

const Str = Type.String();
const Count = (max: number) => Type.Integer({ minimum: 0, maximum: max });
const Limit = Type.Integer({ minimum: -1, maximum: 99999 });

export const OperationDefinition = Type.Object({
  max_backups: Type.Optional(Limit),
  retention_duration_days: Type.Optional(Limit),
  day_backups: Type.Optional(Count(100)),
  week_backups: Type.Optional(Count(100)),
  month_backups: Type.Optional(Count(100)),
  year_backups: Type.Optional(Count(100)),
  timezone: Type.Optional(Type.String({ maxLength: 16 })),
  full_backup_interval: Type.Optional(Type.Integer({ minimum: -1, maximum: 100 })),
  destination_region: Type.Optional(Type.String({ maxLength: 255 })),
  destination_project_id: Type.Optional(Type.String({ maxLength: 64 })),
  enable_acceleration: Type.Optional(Type.Boolean()),
  cross_account_urn: Type.Optional(Type.String({ maxLength: 255 })),
});

const Patterns = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 24 });
const TriggerRequest = Type.Object({ properties: Type.Object({ pattern: Patterns }) });
const OperationType = Type.Union([Type.Literal('backup'), Type.Literal('replication')]);
const Name = Type.String({ minLength: 1, maxLength: 64 });

export const CreatePolicyRequest = Type.Object({
  policy: Type.Object({
    name: Name,
    operation_type: OperationType,
    operation_definition: OperationDefinition,
    trigger: TriggerRequest,
    enabled: Type.Optional(Type.Boolean()),
  }),
});

export const UpdatePolicyRequest = Type.Object({
  policy: Type.Object({
    name: Type.Optional(Name),
    enabled: Type.Optional(Type.Boolean()),
    operation_definition: Type.Optional(OperationDefinition),
    trigger: Type.Optional(TriggerRequest),
  }),
});

export const PolicyListQuery = Type.Object({
  operation_type: Type.Optional(OperationType),
  vault_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

export const Policy = Type.Object({
  id: Str,
  name: Str,
  enabled: Type.Boolean(),
  operation_type: Str,
  operation_definition: OperationDefinition,
  trigger: Type.Object({
    id: Str,
    name: Str,
    type: Str,
    properties: Type.Object({ pattern: Type.Array(Str), start_time: Str }),
  }),
  associated_vaults: Type.Array(Type.Object({ vault_id: Str })),
  policy_type: Str,
});
export const PolicyResponse = Type.Object({ policy: Policy });
export const PolicyListResponse = Type.Object({ policies: Type.Array(Policy), count: Type.Integer() });

export const AssociateRequest = Type.Object({
  policy_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  add_policy_ids: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 10 }),
  ),
  destination_vault_id: Type.Optional(Type.String({ maxLength: 64 })),
});
export const AssociateResponse = Type.Object({
  associate_policy: Type.Object({ vault_id: Str, policy_id: Str }),
});
export const DissociateRequest = Type.Object({ policy_id: Type.String({ minLength: 1, maxLength: 64 }) });
export const DissociateResponse = Type.Object({
  dissociate_policy: Type.Object({ vault_id: Str, policy_id: Str }),
});
