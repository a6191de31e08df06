/**
 * Thrown errors as the contract's responses. Only AppErrors are shown to
 * callers; dependency throttles and outages become 503 with Retry-After;
 * anything else is logged and answered with a generic 500.
 */
import type { MiddlewareObj } from "@middy/core";
import {
  isServerError,
  isThrottlingError,
  isTransientError,
} from "@smithy/service-error-classification";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { ConfigError } from "../config.ts";
import { AppError, UnavailableError } from "../domain/errors.ts";
import { logger } from "../observability.ts";
import { lowerCaseHeaders } from "./headers.ts";
import { errorResult, toProxyResult } from "./responses.ts";

export function errorMapping(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      const origin = lowerCaseHeaders(request.event.headers).origin;
      const error = request.error;
      if (error instanceof AppError) {
        if (error.status >= 500) logger.error("request failed", { error_code: error.code });
        request.response = toProxyResult(errorResult(error), origin);
        return;
      }
      if (isDependencyUnavailable(error)) {
        logger.warn("dependency unavailable", { error: describe(error) });
        request.response = toProxyResult(errorResult(new UnavailableError()), origin);
        return;
      }
      if (error instanceof ConfigError) {
        // One line naming the setting; the caller sees only the generic 500.
        logger.error(error.message);
      } else {
        logger.error("unhandled error", { error: describe(error) });
      }
      request.response = toProxyResult(
        errorResult(
          new AppError("INTERNAL", "An internal error occurred. Retry later or contact support.", {
            request_id: request.context.awsRequestId,
          }),
        ),
        origin,
      );
    },
  };
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof Error)
    return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}

const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"]);

export function isDependencyUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const sdkError = error as Error & { $metadata?: object; code?: string };
  if (sdkError.code && NETWORK_CODES.has(sdkError.code)) return true;
  if (error.name === "TimeoutError" || error.name === "AbortError") return true;
  if (!sdkError.$metadata) return false;
  const classified = error as Parameters<typeof isTransientError>[0];
  return isThrottlingError(classified) || isTransientError(classified) || isServerError(classified);
}
