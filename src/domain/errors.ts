// One table of application errors (stable code → HTTP status, default message, CBR code).
// Every protocol renders an AppError in its own body: CBR/opencbr {"error_code","error_msg"},
// Keystone {"error":{code,title,message}}, Cinder {"badRequest":{code,message}}, …
// Callers match on `code`, never on messages. Owners of other areas add rows here (small edits).

export interface ErrorSpec {
  status: number;
  message: string;
  /** CBR `error_code` (BackupService.XXXX) used by the CBR and opencbr APIs. */
  cbr: string;
}

export const ERRORS = {
  // generic
  validation: { status: 400, message: 'Parameter verification failed.', cbr: 'BackupService.9900' },
  bad_json: { status: 400, message: 'The request body is not valid JSON.', cbr: 'BackupService.9900' },
  bad_url: { status: 400, message: 'The URL is not valid.', cbr: 'BackupService.9900' },
  uri_too_long: {
    status: 414,
    message: 'A path segment of the URL is too long.',
    cbr: 'BackupService.9900',
  },
  headers_too_large: {
    status: 431,
    message: 'The request headers are too large.',
    cbr: 'BackupService.9900',
  },
  malformed_request: { status: 400, message: 'The request is not valid HTTP.', cbr: 'BackupService.9900' },
  request_timeout: {
    status: 408,
    message: 'The request was not received in time.',
    cbr: 'BackupService.9900',
  },
  payload_too_large: { status: 413, message: 'The request body is too large.', cbr: 'BackupService.9900' },
  unsupported_media_type: {
    status: 415,
    message: 'Unsupported Content-Type.',
    cbr: 'BackupService.9900',
  },
  // No BackupService code of the CBR error table fits an unknown API (9900 is "Parameter verification
  // failed.", HTTP 400): a Huawei cloud answers it from its API gateway with APIGW.0101 ("The API does not
  // exist or has not been published in the environment."), so opencbr uses that code, with 404 for an
  // unknown path and 405 (+ Allow) for a known path called with a method it does not serve.
  route_not_found: { status: 404, message: 'The requested URL was not found.', cbr: 'APIGW.0101' },
  method_not_allowed: { status: 405, message: 'Method not allowed.', cbr: 'APIGW.0101' },
  conflict: {
    status: 409,
    message: 'The request conflicts with the current state.',
    cbr: 'BackupService.9900',
  },
  internal: { status: 500, message: 'Unknown error.', cbr: 'BackupService.9910' },
  unavailable: { status: 503, message: 'The service is not available.', cbr: 'BackupService.9910' },
  // The disk holding the catalog or the object store is full (ENOSPC, EDQUOT, SQLITE_FULL): nothing the
  // request did was kept, and it can succeed once space is freed. No CBR code says "storage full"; the
  // message does, with WebDAV's 507 Insufficient Storage rather than a bare 500.
  no_space: { status: 507, message: 'No space left in the backup store.', cbr: 'BackupService.9910' },

  // authentication / tenancy
  unauthenticated: {
    status: 401,
    message: 'The request you have made requires authentication.',
    cbr: 'APIGW.0301',
  },
  forbidden: { status: 403, message: 'Not authenticated.', cbr: 'BackupService.8600' },

  // identity
  token_not_found: { status: 404, message: 'Could not find token.', cbr: 'BackupService.9900' },
  project_not_found: { status: 404, message: 'Could not find project.', cbr: 'BackupService.9900' },
  user_not_found: { status: 404, message: 'Could not find user.', cbr: 'BackupService.9900' },
  domain_not_found: { status: 404, message: 'Could not find domain.', cbr: 'BackupService.9900' },
  credential_not_found: { status: 404, message: 'Could not find credential.', cbr: 'BackupService.9900' },
  identity_conflict: { status: 409, message: 'Duplicate entry.', cbr: 'BackupService.9900' },

  // inventory
  volume_not_found: { status: 404, message: 'The disk does not exist.', cbr: 'BackupService.7000' },
  server_not_found: { status: 404, message: 'The server does not exist.', cbr: 'BackupService.7100' },
  volume_path_refused: {
    status: 400,
    message: 'The volume path is not allowed.',
    cbr: 'BackupService.9900',
  },
  volume_in_use: { status: 400, message: 'The disk is attached to a server.', cbr: 'BackupService.7003' },
  volume_already_declared: {
    status: 400,
    message: 'The volume path is already declared.',
    cbr: 'BackupService.7006',
  },

  // CBR core (spec "useful mapping for the core")
  // CBR's order and charge-mode calls: opencbr charges nothing, so there is no order to create or change.
  billing_unsupported: {
    status: 400,
    message: 'opencbr has no billing: vaults are not charged and there are no orders.',
    cbr: 'BackupService.6109',
  },
  vault_not_found: { status: 404, message: 'The vault does not exist.', cbr: 'BackupService.6105' },
  vault_exists: { status: 400, message: 'The vault already exists.', cbr: 'BackupService.6106' },
  vault_capacity_exceeded: {
    status: 400,
    message: 'The used capacity of the vault exceeds the maximum capacity.',
    cbr: 'BackupService.6114',
  },
  backup_not_found: { status: 404, message: 'The backup does not exist.', cbr: 'BackupService.6200' },
  backup_not_deletable: { status: 400, message: 'The backup cannot be deleted.', cbr: 'BackupService.6201' },
  backup_in_use: {
    status: 400,
    message: 'The backup cannot be deleted because it is in use.',
    cbr: 'BackupService.6216',
  },
  checkpoint_not_found: {
    status: 404,
    message: 'The backup restore point does not exist.',
    cbr: 'BackupService.6217',
  },
  policy_not_found: { status: 404, message: 'The policy does not exist.', cbr: 'BackupService.6000' },
  policy_not_bound: {
    status: 404,
    message: 'The vault is not applied with the policy.',
    cbr: 'BackupService.6002',
  },
  oplog_not_found: { status: 404, message: 'The operation log does not exist.', cbr: 'BackupService.6500' },
  member_not_found: { status: 404, message: 'The share member does not exist.', cbr: 'BackupService.6705' },
  resource_not_found: { status: 404, message: 'The resource does not exist.', cbr: 'BackupService.6302' },
  resource_in_vault: {
    status: 400,
    message: 'The resource has been associated with a vault.',
    cbr: 'BackupService.6103',
  },
  tag_limit: {
    status: 400,
    message: 'The maximum number of tags has been reached for the resource.',
    cbr: 'BackupService.6600',
  },
  tag_not_found: { status: 404, message: 'The key does not exist.', cbr: 'BackupService.6601' },
  restore_wrong_state: {
    status: 400,
    message: 'Restoration is not allowed in the current backup status.',
    cbr: 'BackupService.2005',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export interface AppErrorOptions {
  /** The request field at fault, dotted (`volume.path`, `query.limit`). */
  field?: string;
  /** Overrides the table's HTTP status (rare; prefer a new row). */
  status?: number;
  /** Overrides the table's CBR code (rare; prefer a new row). */
  cbr?: string;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly cbrCode: string;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message?: string, opts: AppErrorOptions = {}) {
    const spec: ErrorSpec = ERRORS[code];
    super(message ?? spec.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = opts.status ?? spec.status;
    this.cbrCode = opts.cbr ?? spec.cbr;
    this.field = opts.field;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Shorthand for a 400 naming the field. */
export function invalidField(field: string, problem: string): AppError {
  return new AppError('validation', `Invalid parameter ${field}: ${problem}`, { field });
}

interface FrameworkValidationItem {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * Turns anything thrown in a request (framework errors included: schema validation, JSON parse, body
 * limit, content type) into an AppError, so each protocol renders one type. Duck-typed: no framework import.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as {
    code?: string;
    statusCode?: number;
    message?: string;
    validation?: FrameworkValidationItem[];
    validationContext?: string;
  };
  if (Array.isArray(e.validation) && e.validation.length > 0) {
    const v = e.validation[0]!;
    const where = e.validationContext ?? 'body';
    const parts = (v.instancePath ?? '')
      .split('/')
      .filter((p) => p.length > 0)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (v.keyword === 'required' && typeof v.params?.missingProperty === 'string') {
      parts.push(v.params.missingProperty);
    }
    if (v.keyword === 'additionalProperties' && typeof v.params?.additionalProperty === 'string') {
      parts.push(v.params.additionalProperty);
    }
    // `resources.0.id` → `resources[0].id`, as the services name list items.
    const field =
      parts.length > 0
        ? parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')
        : where;
    let problem = v.message ?? 'is invalid';
    if (v.keyword === 'required') problem = 'is required';
    else if (v.keyword === 'additionalProperties') problem = 'is not allowed';
    else if (v.keyword === 'enum' && Array.isArray(v.params?.allowedValues)) {
      problem = `must be one of ${(v.params.allowedValues as unknown[]).join(', ')}`;
    }
    return new AppError('validation', `Invalid parameter ${field}: ${problem}`, { field, cause: err });
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('bad_json', `The request body is not valid JSON: ${e.message ?? ''}`.trim(), {
        field: 'body',
        cause: err,
      });
    case 'FST_ERR_BAD_URL':
      return new AppError('bad_url', 'The URL is not valid: it holds a malformed percent-encoding.', {
        field: 'url',
        cause: err,
      });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError('uri_too_long', undefined, { field: 'url', cause: err });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', undefined, { field: 'body', cause: err });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('unsupported_media_type', e.message, { field: 'Content-Type', cause: err });
  }
  if (err instanceof SyntaxError) {
    return new AppError('bad_json', `The request body is not valid JSON: ${err.message}`, {
      field: 'body',
      cause: err,
    });
  }
  if (isFullDisk(err)) return new AppError('no_space', undefined, { cause: err });
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status === 404) return new AppError('route_not_found', undefined, { cause: err });
  if (status === 405) return new AppError('method_not_allowed', undefined, { cause: err });
  if (status === 413) return new AppError('payload_too_large', undefined, { cause: err });
  if (status === 415) return new AppError('unsupported_media_type', e.message, { cause: err });
  if (status >= 400 && status < 500) {
    return new AppError('validation', e.message || undefined, { status, cause: err });
  }
  return new AppError('internal', undefined, { cause: err });
}

/** A full disk as node (ENOSPC, EDQUOT), SQLite (SQLITE_FULL) or the engine and object store (NoSpaceError) report it. */
function isFullDisk(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown } | null;
  const c = e?.code;
  return (
    c === 'ENOSPC' || c === 'EDQUOT' || c === 'SQLITE_FULL' || c === 'NO_SPACE' || e?.name === 'NoSpaceError'
  );
}

/** HTTP reason phrases (Keystone's `title`). */
export function reasonPhrase(status: number): string {
  const phrases: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    413: 'Request Entity Too Large',
    408: 'Request Timeout',
    414: 'URI Too Long',
    431: 'Request Header Fields Too Large',
    415: 'Unsupported Media Type',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
    507: 'Insufficient Storage',
  };
  return phrases[status] ?? 'Error';
}
