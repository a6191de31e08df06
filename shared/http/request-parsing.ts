/**
 * The request's query string and JSON body as the route's zod schemas see
 * them, and a zod failure as the contract's 400 naming every bad field.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import type * as z from "zod";
import { SERVER_ONLY_FIELDS } from "../contract/schemas/common.ts";
import { AppError, PayloadTooLargeError, ValidationError } from "../domain/errors.ts";
import { findUnstorableKey, type UnstorableValue } from "../domain/events.ts";
import { findAlteredNumber } from "../domain/number-literals.ts";
import { requestBodyText } from "./body-text.ts";

/** Request bodies above this are refused before parsing. */
export const MAX_BODY_BYTES = 1024 * 1024;

type Schema = z.ZodType | undefined;
type Out<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

function fieldOf(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return issue.keys.join(", ");
  return issue.path.map(String).join(".") || "(root)";
}

/** A zod failure as the contract's 400: the message names every bad field. */
export function validationErrorFrom(error: z.ZodError, where: string): ValidationError {
  const fields = error.issues.map((issue) => {
    const field = fieldOf(issue);
    if (issue.code === "unrecognized_keys") {
      const serverOnly = issue.keys.filter((key) =>
        (SERVER_ONLY_FIELDS as readonly string[]).includes(key),
      );
      const prefix = issue.path.length ? `${issue.path.map(String).join(".")}.` : "";
      return serverOnly.length
        ? {
            field: `${prefix}${serverOnly.join(", ")}`,
            message: "is set by the server and may not be sent",
          }
        : { field: `${prefix}${field}`, message: "is not a known field" };
    }
    return { field, message: issue.message };
  });
  const summary = fields.map((entry) => `${entry.field}: ${entry.message}`).join("; ");
  return new ValidationError(`Invalid ${where}: ${summary}.`, { fields });
}

export function parseQuery(event: APIGatewayProxyEvent): Record<string, string> {
  // No prototype: `__proto__` or `constructor` in a query string is an unknown parameter like any other.
  const query = Object.create(null) as Record<string, string>;
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    if (!values || values.length === 0) continue;
    if (values.length > 1) {
      throw new ValidationError(`Query parameter ${name} was given more than once.`, {
        field: name,
      });
    }
    query[name] = values[0] ?? "";
  }
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined && !(name in query)) query[name] = value;
  }
  return query;
}

export function parseJsonBody(
  event: APIGatewayProxyEvent,
  headers: Record<string, string>,
): unknown {
  const text = requestBodyText(event);
  if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`The request body is larger than ${MAX_BODY_BYTES} bytes.`, {
      max_bytes: MAX_BODY_BYTES,
    });
  }
  const contentType = (headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  // A JSON merge patch (RFC 7396) has its own media type; it is JSON all the same.
  const json =
    contentType === "application/json" ||
    (contentType === "application/merge-patch+json" && event.httpMethod === "PATCH");
  if (!json && !(contentType === "" && text === "")) {
    throw new AppError(
      "UNSUPPORTED_MEDIA_TYPE",
      "Send the body as JSON with Content-Type: application/json.",
      { content_type: contentType || null },
    );
  }
  if (text.trim() === "") throw new ValidationError("A JSON body is required.", { field: "body" });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError("The request body is not valid JSON.", { field: "body" });
  }
  refuseUnstorableMembers(value);
  refuseUnstorable(findAlteredNumber(text));
  return value;
}

/**
 * A `__proto__` member would vanish in schema parsing or storage rather than
 * be refused, so it is refused here, wherever it is, naming where it was.
 */
function refuseUnstorableMembers(value: unknown): void {
  refuseUnstorable(findUnstorableKey(value));
}

function refuseUnstorable(unstorable: UnstorableValue | undefined): void {
  if (!unstorable) return;
  const field = unstorable.path.map(String).join(".") || "body";
  throw new ValidationError(`Invalid body: ${field}: ${unstorable.message}.`, {
    fields: [{ field, message: unstorable.message }],
  });
}

export function parseWith<S extends Schema>(
  schema: S | undefined,
  input: unknown,
  where: string,
): Out<S> {
  if (!schema) return undefined as Out<S>;
  const result = schema.safeParse(input);
  if (!result.success) throw validationErrorFrom(result.error, where);
  return result.data as Out<S>;
}
