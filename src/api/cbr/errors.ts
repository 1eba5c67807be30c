// The CBR error body `{"error_code": "BackupService.XXXX", "error_msg": …}`: every error under the CBR
// plugin (validation, malformed JSON, oversized bodies, unknown ids, auth) is rendered here.
// Codes and statuses come from the one table in src/domain/errors.ts (`cbr` column).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AppError, toAppError } from '../../domain/errors.js';

export interface CbrErrorBody {
  error_code: string;
  error_msg: string;
}

export function renderCbrError(err: AppError): CbrErrorBody {
  return { error_code: err.cbrCode, error_msg: err.message };
}

export function cbrErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const err = toAppError(error);
  if (err.status >= 500) request.log.error({ err: error }, 'CBR request failed');
  void reply.code(err.status).type('application/json').send(renderCbrError(err));
}
