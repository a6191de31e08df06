/** Building API Gateway proxy results: JSON bodies, the error body, CORS. */
import type { APIGatewayProxyResult } from "aws-lambda";
import { config } from "../config.ts";
import type { ErrorBody } from "../contract/schemas/common.ts";
import type { AppError } from "../domain/errors.ts";

export interface ApiResult {
  status: number;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is, for the few answers that are not JSON (the viewer page). */
  text?: { contentType: string; content: string };
  /** A body already serialized as JSON (a constant answered as it is); wins over `body`. */
  json?: string;
  headers?: Record<string, string>;
}

export function corsHeaders(origin: string | undefined): Record<string, string> {
  const allowed = config()
    .CORS_ALLOWED_ORIGINS.split(",")
    .map((value) => value.trim())
    .filter(Boolean);
  return allowOriginHeaders(allowed, origin);
}

/**
 * The one CORS rule: `*` allows any origin, otherwise only a listed one,
 * echoed with `Vary`. A browser client reads the version it sends back in
 * If-Match from ETag.
 */
export function allowOriginHeaders(
  allowed: readonly string[],
  origin: string | undefined,
): Record<string, string> {
  const expose = { "Access-Control-Expose-Headers": "ETag, Location, Retry-After" };
  if (allowed.includes("*")) return { "Access-Control-Allow-Origin": "*", ...expose };
  if (origin && allowed.includes(origin)) {
    return { "Access-Control-Allow-Origin": origin, Vary: "Origin", ...expose };
  }
  return {};
}

export function toProxyResult(
  result: ApiResult,
  origin: string | undefined,
): APIGatewayProxyResult {
  const headers: Record<string, string> = {
    "Cache-Control": "no-store",
    ...corsHeaders(origin),
    ...result.headers,
  };
  if (result.text !== undefined) {
    headers["Content-Type"] = result.text.contentType;
    return { statusCode: result.status, headers, body: result.text.content };
  }
  if (result.json === undefined && result.body === undefined) {
    return { statusCode: result.status, headers, body: "" };
  }
  headers["Content-Type"] = "application/json; charset=utf-8";
  return { statusCode: result.status, headers, body: result.json ?? JSON.stringify(result.body) };
}

export function errorResult(error: AppError): ApiResult {
  const body: ErrorBody = {
    error_code: error.code,
    message: error.message,
    details: error.details,
  };
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) {
    headers["Retry-After"] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
  }
  return { status: error.status, body, headers };
}
