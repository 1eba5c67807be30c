// HSS error body {"error_code": "HSS.XXXX", "error_msg": "..."} and its codes: 0001 invalid parameter,
// 0002 unparsable request, 0010 access denied (no/invalid credentials), 0011 resource not found,
// 0013 insufficient permission (another project), 0041 internal/query error.
import { type AppError, toAppError } from '../../domain/errors.js';

export interface HssErrorBody {
  error_code: string;
  error_msg: string;
}

export function hssCode(err: AppError): string {
  if (err.code === 'bad_json' || err.code === 'unsupported_media_type') return 'HSS.0002';
  if (err.status === 401) return 'HSS.0010';
  if (err.status === 403) return 'HSS.0013';
  if (err.status === 404 || err.code.endsWith('_not_found')) return 'HSS.0011';
  if (err.status >= 500) return 'HSS.0041';
  return 'HSS.0001';
}

/**
 * Status and body of an error. HSS documents "resource not found" as 400 HSS.0011; unknown routes stay 404.
 * Authentication keeps 401/403 (the tenancy contract every protocol of opencbr shares).
 */
export function renderHssError(error: unknown): { status: number; body: HssErrorBody } {
  const err = toAppError(error);
  let status = err.status >= 400 && err.status < 600 ? err.status : 500;
  if (err.code !== 'route_not_found' && err.code.endsWith('_not_found')) status = 400;
  return { status, body: { error_code: hssCode(err), error_msg: err.message } };
}
