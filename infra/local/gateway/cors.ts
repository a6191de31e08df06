/** CORS at the gateway: the allowed origin on its own answers, and the preflight. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { allowOriginHeaders } from "#shared/http/responses.ts";

export function corsHeaders(
  origins: readonly string[],
  request: IncomingMessage,
): Record<string, string> {
  return allowOriginHeaders(origins, request.headers.origin);
}

/** The answer to an OPTIONS request on any path, as the stack's CORS preflight gives it. */
export function answerPreflight(
  origins: readonly string[],
  request: IncomingMessage,
  response: ServerResponse,
): void {
  response.writeHead(204, {
    ...corsHeaders(origins, request),
    "Access-Control-Allow-Methods": "GET,POST,PATCH,DELETE,OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type,X-API-Key,Idempotency-Key,If-Match",
    "Access-Control-Max-Age": "600",
  });
  response.end();
}
