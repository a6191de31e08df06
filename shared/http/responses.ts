/** Building API Gateway proxy results: JSON bodies, the error body, CORS. */
import type { APIGatewayProxyResult } from "aws-lambda";
import { config } from "../config.ts";
import type { AppError } from "../domain/errors.ts";
import type { ErrorBody } from "../schemas/common.ts";

export interface ApiResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function corsHeaders(origin: string | undefined): Record<string, string> {
  const allowed = config()
    .CORS_ALLOWED_ORIGINS.split(",")
    .map((value) => value.trim())
    .filter(Boolean);
  // A browser client reads the version it sends back in If-Match from ETag.
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
  if (result.body === undefined) return { statusCode: result.status, headers, body: "" };
  headers["Content-Type"] = "application/json; charset=utf-8";
  return { statusCode: result.status, headers, body: JSON.stringify(result.body) };
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
