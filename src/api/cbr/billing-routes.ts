// CBR's billing calls. opencbr charges nothing: CreatePostPaidVault creates the (post-paid) vault it names and
// answers in CBR's order shape, with the vault's id where an order id would be (there is no order to look up);
// ChangeVaultChargeMode, ChangeOrder and UpdateOrder are refused with BackupService.6109, never a 404.
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, preValidationHookHandler } from 'fastify';
import type { AppContext } from '../../context.js';
import { AppError } from '../../domain/errors.js';
import * as S from './schemas.js';
import { vaultCreateInput } from './vault-input.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const ProjectParams = Type.Object({ project_id: Id });
const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody };
const OrderResult = Type.Object({
  orders: Type.Array(
    Type.Object({
      orderId: Type.String(),
      subscribeResult: Type.Integer(),
      cloudServiceId: Type.String(),
      resourceId: Type.String(),
    }),
  ),
  retCode: Type.Integer(),
  errText: Type.String(),
  error_code: Type.String(),
});
/** CreateVault's body; `parameters` (the console's combined order) has nothing to combine here. */
const CreatePostPaidVaultRequest = Type.Object({
  vault: Type.Intersect([
    S.CreateVaultRequest.properties.vault,
    Type.Object({ parameters: Type.Optional(Type.Object({}, { additionalProperties: true })) }),
  ]),
});

export function registerBillingRoutes(
  fastify: FastifyInstance,
  ctx: AppContext,
  preValidation: preValidationHookHandler,
): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['cbr'];

  app.post(
    '/v3/:project_id/vaults/order',
    {
      preValidation,
      schema: {
        tags,
        summary: 'CreatePostPaidVault',
        params: ProjectParams,
        body: CreatePostPaidVaultRequest,
        response: { 200: OrderResult, ...errors },
      },
    },
    async (req) => {
      const { parameters: _combinedOrder, ...vault } = req.body.vault;
      if (vault.billing.charging_mode === 'pre_paid') {
        throw new AppError('billing_unsupported', undefined, { field: 'vault.billing.charging_mode' });
      }
      const created = await ctx.services.vaults.create(
        { projectId: req.params.project_id, userId: req.auth?.userId ?? null },
        vaultCreateInput(vault),
      );
      return {
        orders: [
          { orderId: created.id, subscribeResult: 1, cloudServiceId: created.id, resourceId: created.id },
        ],
        retCode: 0,
        errText: '',
        error_code: '',
      };
    },
  );

  const refused = (method: 'POST' | 'PUT', url: string, summary: string) =>
    app.route({
      method,
      url,
      preValidation,
      schema: { tags, summary, response: errors },
      handler: async () => {
        throw new AppError('billing_unsupported');
      },
    });
  refused('POST', '/v3/:project_id/vaults/change-charge-mode', 'ChangeVaultChargeMode');
  refused('POST', '/v3/:project_id/orders/change', 'ChangeOrder');
  refused('PUT', '/v3/:project_id/orders/:order_id', 'UpdateOrder');
}
