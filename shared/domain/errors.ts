/**
 * Every error a caller can see. Each class carries its HTTP status and the
 * `error_code` of the contract; the HTTP layer maps them to the error body and
 * turns anything else into a generic 500.
 */
export type ErrorCode =
  | "VALIDATION_ERROR"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "SESSION_USER_MISMATCH"
  | "NOT_FOUND"
  | "ACTIVE_SESSION_EXISTS"
  | "SESSION_ALREADY_ENDED"
  | "INVALID_TRANSITION"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "IDEMPOTENCY_KEY_REUSED"
  | "PRECONDITION_FAILED"
  | "RATE_LIMITED"
  | "INTERNAL"
  | "UNAVAILABLE";

export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  SESSION_USER_MISMATCH: 403,
  NOT_FOUND: 404,
  ACTIVE_SESSION_EXISTS: 409,
  SESSION_ALREADY_ENDED: 409,
  INVALID_TRANSITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  PRECONDITION_FAILED: 412,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

export type ErrorDetails = Record<string, unknown>;

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    /** Seconds a client should wait before retrying (sent as `Retry-After`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "AppError";
    this.status = STATUS_BY_CODE[code];
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details: ErrorDetails = {}) {
    super("VALIDATION_ERROR", message, details);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super("NOT_FOUND", `${what} was not found.`);
  }
}

export const sessionNotFound = (): NotFoundError => new NotFoundError("Session");

export class PayloadTooLargeError extends AppError {
  constructor(message: string, details: ErrorDetails = {}) {
    super("PAYLOAD_TOO_LARGE", message, details);
  }
}

export class UnavailableError extends AppError {
  constructor(message = "The service is temporarily unavailable. Retry shortly.", retryAfter = 1) {
    super("UNAVAILABLE", message, {}, retryAfter);
  }
}
