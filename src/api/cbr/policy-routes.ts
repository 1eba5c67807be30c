// CBR v3 policies: CreatePolicy, ListPolicies, ShowPolicy, UpdatePolicy, DeletePolicy, AssociateVaultPolicy and
// DisassociateVaultPolicy, mapped to the policy service.
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, preValidationHookHandler } from 'fastify';
import type { AppContext } from '../../context.js';
import { AppError } from '../../domain/errors.js';
import type { PolicyDefinition } from '../../domain/policy.js';
import { spacedSeconds } from '../../domain/timestamps.js';
import type { PolicyView } from '../../services/policies.js';
import * as P from './policy-schemas.js';
import { ErrorBody } from './schemas.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const ProjectParams = Type.Object({ project_id: Id });
const PolicyParams = Type.Object({ project_id: Id, policy_id: Id });
const VaultParams = Type.Object({ project_id: Id, vault_id: Id });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const REPLICATION_FIELDS = ['destination_region', 'destination_project_id', 'enable_acceleration'] as const;

function policyToWire(v: PolicyView) {
  const p = v.policy;
  return {
    id: p.id,
    name: p.name,
    enabled: p.enabled,
    operation_type: p.operationType,
    operation_definition: p.definition,
    trigger: {
      id: p.triggerId,
      name: 'default',
      type: 'time',
      properties: { pattern: p.patterns, start_time: spacedSeconds(p.createdAt) },
    },
    associated_vaults: v.vaultIds.map((vault_id) => ({ vault_id })),
    policy_type: 'custom_policy',
  };
}

/** The definition a backup policy keeps: replication's fields are refused rather than stored and ignored. */
function backupDefinition(d: PolicyDefinition & Record<string, unknown>): PolicyDefinition {
  for (const f of [...REPLICATION_FIELDS, 'cross_account_urn']) {
    if (d[f] !== undefined)
      throw new AppError(
        'validation',
        `Invalid parameter policy.operation_definition.${f}: only for replication`,
        {
          field: `policy.operation_definition.${f}`,
        },
      );
  }
  return d;
}

export function registerPolicyRoutes(
  fastify: FastifyInstance,
  ctx: AppContext,
  preValidation: preValidationHookHandler,
): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const svc = () => ctx.services.policies;
  const tags = ['cbr'];
  const policies = '/v3/:project_id/policies';

  app.post(
    policies,
    {
      preValidation,
      schema: {
        tags,
        summary: 'CreatePolicy',
        params: ProjectParams,
        body: P.CreatePolicyRequest,
        response: { 200: P.PolicyResponse, ...errors },
      },
    },
    async (req) => {
      const p = req.body.policy;
      const made = await svc().create(req.params.project_id, {
        name: p.name,
        operationType: p.operation_type,
        enabled: p.enabled,
        definition:
          p.operation_type === 'backup' ? backupDefinition(p.operation_definition) : p.operation_definition,
        patterns: p.trigger.properties.pattern,
      });
      return { policy: policyToWire(made) };
    },
  );

  app.get(
    policies,
    {
      preValidation,
      schema: {
        tags,
        summary: 'ListPolicies',
        params: ProjectParams,
        querystring: P.PolicyListQuery,
        response: { 200: P.PolicyListResponse, ...errors },
      },
    },
    async (req) => {
      const list = await svc().list(req.params.project_id, {
        operationType: req.query.operation_type,
        vaultId: req.query.vault_id,
      });
      return { policies: list.map(policyToWire), count: list.length };
    },
  );

  app.get(
    `${policies}/:policy_id`,
    {
      preValidation,
      schema: {
        tags,
        summary: 'ShowPolicy',
        params: PolicyParams,
        response: { 200: P.PolicyResponse, ...errors },
      },
    },
    async (req) => ({ policy: policyToWire(await svc().get(req.params.project_id, req.params.policy_id)) }),
  );

  app.put(
    `${policies}/:policy_id`,
    {
      preValidation,
      schema: {
        tags,
        summary: 'UpdatePolicy',
        params: PolicyParams,
        body: P.UpdatePolicyRequest,
        response: { 200: P.PolicyResponse, ...errors },
      },
    },
    async (req) => {
      const p = req.body.policy;
      const updated = await svc().update(req.params.project_id, req.params.policy_id, {
        name: p.name,
        enabled: p.enabled,
        definition: p.operation_definition ? backupDefinition(p.operation_definition) : undefined,
        patterns: p.trigger?.properties.pattern,
      });
      return { policy: policyToWire(updated) };
    },
  );

  app.delete(
    `${policies}/:policy_id`,
    { preValidation, schema: { tags, summary: 'DeletePolicy', params: PolicyParams, response: errors } },
    async (req, reply) => {
      await svc().delete(req.params.project_id, req.params.policy_id);
      return (reply as FastifyReply).code(204).send();
    },
  );

  app.post(
    '/v3/:project_id/vaults/:vault_id/associatepolicy',
    {
      preValidation,
      schema: {
        tags,
        summary: 'AssociateVaultPolicy',
        params: VaultParams,
        body: P.AssociateRequest,
        response: { 200: P.AssociateResponse, ...errors },
      },
    },
    async (req) => {
      const b = req.body;
      if ((b.policy_id === undefined) === (b.add_policy_ids === undefined))
        throw new AppError(
          'validation',
          'Invalid parameter policy_id: give exactly one of policy_id and add_policy_ids',
          {
            field: 'policy_id',
          },
        );
      if (b.destination_vault_id !== undefined)
        throw new AppError(
          'validation',
          'Invalid parameter destination_vault_id: only for replication policies',
          {
            field: 'destination_vault_id',
          },
        );
      const { policyId } = await svc().associate(
        req.params.project_id,
        req.params.vault_id,
        b.policy_id !== undefined ? [b.policy_id] : b.add_policy_ids!,
      );
      return { associate_policy: { vault_id: req.params.vault_id, policy_id: policyId } };
    },
  );

  app.post(
    '/v3/:project_id/vaults/:vault_id/dissociatepolicy',
    {
      preValidation,
      schema: {
        tags,
        summary: 'DisassociateVaultPolicy',
        params: VaultParams,
        body: P.DissociateRequest,
        response: { 200: P.DissociateResponse, ...errors },
      },
    },
    async (req) => {
      await svc().dissociate(req.params.project_id, req.params.vault_id, req.body.policy_id);
      return { dissociate_policy: { vault_id: req.params.vault_id, policy_id: req.body.policy_id } };
    },
  );
}
