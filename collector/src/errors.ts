/**
 * Every error the collector reports to a user or client, with a stable code and
 * the HTTP status it maps to. A test keeps codes unique and well-formed.
 */
export const COLLECTOR_ERRORS = Object.freeze({
  HM_CONFIG: { status: 500, message: 'the collector config is invalid' },
  HM_FLAG: { status: 500, message: 'a command-line flag is invalid' },
  HM_DATA_DIR: { status: 500, message: 'the data directory cannot be used' },
  HM_DB: { status: 500, message: 'the database cannot be opened or migrated' },
  HM_UNAUTHORIZED: { status: 401, message: 'missing or invalid credentials' },
  HM_FORBIDDEN: { status: 403, message: 'this role may not do that' },
  HM_NOT_FOUND: { status: 404, message: 'no such object' },
  HM_BAD_REQUEST: { status: 400, message: 'the request is invalid' },
  HM_TOKEN_INVALID: { status: 401, message: 'the enrollment token is invalid, expired or used up' },
  HM_RATE_LIMITED: { status: 429, message: 'too many requests' },
  HM_UNAVAILABLE: { status: 503, message: 'the collector cannot accept data right now' },
  HM_TLS: { status: 500, message: 'TLS material cannot be created or loaded' },
  HM_CONFLICT: { status: 409, message: 'the object exists or is in a conflicting state' },
  HM_CSRF: { status: 403, message: 'cross-site request refused (Origin or CSRF token)' },
  HM_LOGIN_LOCKED: { status: 429, message: 'too many failed logins; wait before trying again' },
} as const);

export type CollectorErrorCode = keyof typeof COLLECTOR_ERRORS;

export class CollectorError extends Error {
  readonly code: CollectorErrorCode;
  readonly statusCode: number;
  constructor(code: CollectorErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? COLLECTOR_ERRORS[code].message, options);
    this.name = 'CollectorError';
    this.code = code;
    this.statusCode = COLLECTOR_ERRORS[code].status;
  }
}
