/**
 * A request body as text. API Gateway hands a body over as a string, or as
 * base64 when it is binary; the bytes are read as UTF-8 strictly, so a body
 * that is not UTF-8 is refused rather than stored with replacement characters.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { ValidationError } from "../domain/errors.ts";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function requestBodyText(event: APIGatewayProxyEvent): string {
  const raw = event.body ?? "";
  if (!event.isBase64Encoded) return raw;
  try {
    return strictUtf8.decode(Buffer.from(raw, "base64"));
  } catch {
    throw new ValidationError(
      "The request body is not valid UTF-8: send JSON text encoded as UTF-8.",
      { field: "body" },
    );
  }
}
