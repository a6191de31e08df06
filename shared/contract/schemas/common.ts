import * as z from "zod";
import { SESSION_ID_PATTERN } from "../../domain/ids.ts";

export const ERROR_CODES = [
  "VALIDATION_ERROR",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "SESSION_USER_MISMATCH",
  "NOT_FOUND",
  "ACTIVE_SESSION_EXISTS",
  "SESSION_ALREADY_ENDED",
  "INVALID_TRANSITION",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "IDEMPOTENCY_KEY_REUSED",
  "PRECONDITION_FAILED",
  "RATE_LIMITED",
  "INTERNAL",
  "UNAVAILABLE",
] as const;

export const ErrorBody = z
  .object({
    error_code: z.enum(ERROR_CODES),
    message: z.string().meta({ description: "Human-readable and actionable." }),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({
    id: "Error",
    description: "Body of every error answer, including those produced by the gateway.",
    example: { error_code: "NOT_FOUND", message: "Session was not found.", details: {} },
  });
export type ErrorBody = z.infer<typeof ErrorBody>;

export const IsoTimestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  .meta({
    description: "ISO 8601 UTC with milliseconds, set by the server.",
    example: "2026-11-21T12:00:00.000Z",
  });

/** Any ISO 8601 date-time a client may send (offset or Z, with or without fractions). */
export const IsoInput = z.iso.datetime({ offset: true });

/** A time in a query string: any ISO 8601 date-time, normalised to milliseconds and `Z`. */
export const IsoQueryTime = IsoInput.transform((value) => new Date(value).toISOString());

export const SessionId = z
  .string()
  .regex(SESSION_ID_PATTERN, "must be sess_ followed by 22 base64url characters")
  .meta({
    description: "sess_ + 22 base64url characters.",
    example: "sess_Qm9vdHN0cmFwU2Vzc2lvbg",
  });

export const SessionPathParams = z.object({ id: SessionId });

/** Fields only the server sets; a client that sends one gets a 400 naming it. */
export const SERVER_ONLY_FIELDS = ["timestamp", "source", "record_id", "seq"] as const;

/**
 * A whole number sent in a query string. Query values arrive as text: the
 * server reads an optional sign and decimal digits only (not `1e2`, `0x10`,
 * `1.0` or blanks, which loose number parsing would take), and the document
 * states the integer and its range, which is what a client sends.
 */
export function QueryInteger(name: string, minimum: number, maximum: number) {
  const message = `${name} must be a whole number from ${minimum} to ${maximum}`;
  return z
    .string()
    .regex(/^[+-]?[0-9]+$/, message)
    .transform(Number)
    .pipe(z.number().int().min(minimum, message).max(maximum, message))
    .meta({
      override: ({ jsonSchema }: { jsonSchema: Record<string, unknown> }) => {
        for (const key of Object.keys(jsonSchema)) {
          if (key !== "description" && key !== "default") delete jsonSchema[key];
        }
        Object.assign(jsonSchema, { type: "integer", minimum, maximum });
      },
    });
}
