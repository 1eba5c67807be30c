// Cinder fault bodies: {"<faultName>": {"code": <status>, "message": "..."}}, fault name by HTTP status
// (cinder/api/openstack/wsgi.py Fault). Every error leaving the Cinder plugin goes through renderFault().
import { randomUUID } from 'node:crypto';
import { type AppError, toAppError } from '../../domain/errors.js';

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

export function faultName(status: number): string {
  return FAULT_NAMES[status] ?? 'computeFault';
}

export interface CinderFault {
  status: number;
  body: Record<string, { code: number; message: string }>;
}

/** Messages Cinder itself uses for a few stable codes, when the thrower gave none of its own. */
function cinderMessage(err: AppError): string {
  switch (err.code) {
    case 'unauthenticated':
      return 'The request you have made requires authentication.';
    case 'forbidden':
      return err.message === 'Not authenticated.' ? 'Policy does not allow this operation.' : err.message;
    case 'route_not_found':
      return 'The resource could not be found.';
    case 'method_not_allowed':
      return 'The method specified is not allowed for this resource.';
    case 'internal':
      return 'The server has either erred or is incapable of performing the requested operation.';
    default:
      return err.message;
  }
}

export function renderFault(err: unknown): CinderFault {
  const app = toAppError(err);
  const status = app.status >= 400 && app.status < 600 ? app.status : 500;
  return { status, body: { [faultName(status)]: { code: status, message: cinderMessage(app) } } };
}

export function requestId(): string {
  return `req-${randomUUID()}`;
}

// Raised by the Cinder use cases in src/services as well as here.
export {
  backupNotFound,
  badRequest,
  invalidBackup,
  invalidVolume,
  volumeNotFound,
} from '../../services/cinder-errors.js';
