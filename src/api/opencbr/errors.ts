// The CBR error body, used by the opencbr inventory API (same shape as CBR v3).
import type { FastifyReply } from 'fastify';
import { type AppError, toAppError } from '../../domain/errors.js';

export interface CbrErrorBody {
  error_code: string;
  error_msg: string;
}

export function cbrErrorBody(err: AppError): CbrErrorBody {
  return { error_code: err.cbrCode, error_msg: err.message };
}

/** Renders anything thrown as a CBR error response. */
export function sendCbrError(reply: FastifyReply, error: unknown): FastifyReply {
  const err = toAppError(error);
  if (err.status >= 500) reply.log.error({ err: error }, 'request failed');
  return reply.code(err.status).type('application/json').send(cbrErrorBody(err));
}
