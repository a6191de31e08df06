/**
 * API Gateway's own answers (bad key, unknown route, throttled, timed out…)
 * rewritten into the error body every route uses, with the CORS headers a
 * browser needs to read them.
 */
import { ResponseType, type RestApi } from "aws-cdk-lib/aws-apigateway";
import { type ErrorCode, STATUS_BY_CODE } from "#shared/domain/errors.ts";
import { gatewayCorsHeaders } from "./api-cors.ts";
import { API_KEY_HEADER } from "./api-limits.ts";

export interface GatewayError {
  type: ResponseType;
  code: ErrorCode;
  message: string;
  /** Status to answer with; absent keeps the gateway's own (any 4xx or 5xx for the defaults). */
  status?: number;
  retryAfterSeconds?: number;
}

/** API Gateway's own answers, rewritten into the error body every route uses. */
export const GATEWAY_ERRORS: readonly GatewayError[] = [
  {
    type: ResponseType.UNAUTHORIZED,
    code: "UNAUTHORIZED",
    status: STATUS_BY_CODE.UNAUTHORIZED,
    message: `Missing, unknown or revoked API key. Send a valid key in the ${API_KEY_HEADER} header.`,
  },
  {
    type: ResponseType.ACCESS_DENIED,
    code: "FORBIDDEN",
    status: STATUS_BY_CODE.FORBIDDEN,
    message: "This key's role may not call this route.",
  },
  {
    type: ResponseType.INVALID_API_KEY,
    code: "FORBIDDEN",
    status: STATUS_BY_CODE.FORBIDDEN,
    message:
      "This key is not registered with the API's usage plan. Ask an administrator to register it.",
  },
  {
    // Without IAM authorization this is what API Gateway answers for a path or method it does not know.
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    code: "NOT_FOUND",
    status: STATUS_BY_CODE.NOT_FOUND,
    message: "No such route. Check the method and the path, including the stage.",
  },
  {
    type: ResponseType.RESOURCE_NOT_FOUND,
    code: "NOT_FOUND",
    status: STATUS_BY_CODE.NOT_FOUND,
    message: "No such route. Check the method and the path, including the stage.",
  },
  {
    type: ResponseType.REQUEST_TOO_LARGE,
    code: "PAYLOAD_TOO_LARGE",
    status: STATUS_BY_CODE.PAYLOAD_TOO_LARGE,
    message: "The request is larger than the API accepts (10 MB). Send a smaller body.",
  },
  {
    type: ResponseType.UNSUPPORTED_MEDIA_TYPE,
    code: "UNSUPPORTED_MEDIA_TYPE",
    status: STATUS_BY_CODE.UNSUPPORTED_MEDIA_TYPE,
    message: "Unsupported media type. Send JSON with Content-Type: application/json.",
  },
  {
    type: ResponseType.THROTTLED,
    code: "RATE_LIMITED",
    status: STATUS_BY_CODE.RATE_LIMITED,
    message: "Too many requests. Retry after the number of seconds in Retry-After.",
    retryAfterSeconds: 1,
  },
  {
    type: ResponseType.QUOTA_EXCEEDED,
    code: "RATE_LIMITED",
    status: STATUS_BY_CODE.RATE_LIMITED,
    message: "This key's request quota is used up for the current period.",
  },
  {
    // The authorizer failed (the key store throttled or unreachable), as opposed
    // to refusing the key: retryable, and no verdict on the key.
    type: ResponseType.AUTHORIZER_FAILURE,
    code: "UNAVAILABLE",
    status: STATUS_BY_CODE.UNAVAILABLE,
    message: "The API key could not be checked just now. Retry shortly.",
    retryAfterSeconds: 1,
  },
  {
    type: ResponseType.INTEGRATION_TIMEOUT,
    code: "UNAVAILABLE",
    // A gateway timeout, not the service's own 503.
    status: 504,
    message: "The service did not answer in time. Retry shortly.",
    retryAfterSeconds: 1,
  },
  {
    type: ResponseType.DEFAULT_4XX,
    code: "VALIDATION_ERROR",
    message: "The request could not be accepted. Check the method, path, headers and body.",
  },
  {
    type: ResponseType.DEFAULT_5XX,
    code: "INTERNAL",
    message: "An internal error occurred. Retry later.",
  },
];

/** One gateway response per entry of GATEWAY_ERRORS. */
export function addGatewayErrors(api: RestApi, corsOrigins: readonly string[]): void {
  const corsHeaders = gatewayCorsHeaders(corsOrigins);
  for (const error of GATEWAY_ERRORS) {
    api.addGatewayResponse(`Gateway${error.type.responseType}`, {
      type: error.type,
      statusCode: error.status === undefined ? undefined : String(error.status),
      responseHeaders: {
        "Content-Type": "'application/json'",
        ...(error.retryAfterSeconds === undefined
          ? {}
          : { "Retry-After": `'${error.retryAfterSeconds}'` }),
        ...corsHeaders,
      },
      templates: {
        "application/json": JSON.stringify({
          error_code: error.code,
          message: error.message,
          details: {},
        }),
      },
    });
  }
}
