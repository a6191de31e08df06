/**
 * The REST API, built from the route table: one method per route, a REQUEST
 * authorizer on every route that is not public, gateway responses in the
 * project's error format, and a usage plan that throttles each API key.
 */
import { Duration, Stack } from "aws-cdk-lib";
import {
  AccessLogFormat,
  ApiKeySourceType,
  AuthorizationType,
  type CorsOptions,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  type MethodDeploymentOptions,
  MethodLoggingLevel,
  RequestAuthorizer,
  ResponseType,
  RestApi,
  type UsagePlan,
} from "aws-cdk-lib/aws-apigateway";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { CfnWebACL, CfnWebACLAssociation } from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";
import { ROUTES, type RouteDefinition, STAGE } from "#shared/contract/routes.ts";
import { type ErrorCode, STATUS_BY_CODE } from "#shared/domain/errors.ts";
import { acknowledgeFinding } from "./acknowledge.ts";

export const API_KEY_HEADER = "X-API-Key";
/** Ceiling for the whole stage, above any single key's usage-plan throttle. */
export const STAGE_THROTTLE = { rateLimit: 1000, burstLimit: 2000 } as const;
/**
 * Public routes have no key, so no usage plan throttles them: each gets a
 * method-level ceiling of its own, far below the stage's, so a flood of
 * them cannot use up what the tenants share.
 */
export const PUBLIC_ROUTE_THROTTLE = { rateLimit: 10, burstLimit: 20 } as const;

interface GatewayError {
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

export interface SessionApiProps {
  /** Lambda functions by their name in the route table. */
  functions: ReadonlyMap<string, IFunction>;
  authorizer: IFunction;
  authorizerCacheSeconds: number;
  /** Per-key throttle of the usage plan. */
  rateLimitRps: number;
  rateLimitBurst: number;
  /** Whether authenticated routes require the key to be registered with the usage plan. */
  requireUsagePlanKey: boolean;
  /** Browser origins allowed by CORS; empty for none, `*` for any. */
  corsOrigins: readonly string[];
  /** X-Ray tracing on the stage. */
  tracing: boolean;
  /** Requests per source IP per 5 minutes before AWS WAF blocks it; no web ACL when undefined. */
  wafRateLimitPer5Min?: number;
}

/** Method-level settings of the public routes (`/{path}/{METHOD}` keys, as the stage wants them). */
function publicMethodOptions(
  routes: readonly RouteDefinition[],
): Record<string, MethodDeploymentOptions> {
  return Object.fromEntries(
    routes
      .filter((route) => route.roles === "public")
      .map((route) => [
        `${route.path}/${route.method}`,
        {
          throttlingRateLimit: PUBLIC_ROUTE_THROTTLE.rateLimit,
          throttlingBurstLimit: PUBLIC_ROUTE_THROTTLE.burstLimit,
          // A method's own settings replace the stage's, so these repeat them.
          loggingLevel: MethodLoggingLevel.ERROR,
          metricsEnabled: true,
        },
      ]),
  );
}

export class SessionApi extends Construct {
  readonly api: RestApi;
  readonly usagePlan: UsagePlan;
  readonly webAcl?: CfnWebACL;

  constructor(scope: Construct, id: string, props: SessionApiProps) {
    super(scope, id);
    const routes: readonly RouteDefinition[] = ROUTES;

    const accessLogs = new LogGroup(this, "AccessLogs", { retention: RetentionDays.ONE_MONTH });
    this.api = new RestApi(this, "RestApi", {
      restApiName: `${Stack.of(this).stackName}-api`,
      description: "Session Trail: sessions, events and workspaces",
      endpointTypes: [EndpointType.REGIONAL],
      // The authorizer returns the key's usage identifier, so the usage plan throttles per key.
      apiKeySourceType: ApiKeySourceType.AUTHORIZER,
      cloudWatchRole: true,
      deployOptions: {
        stageName: STAGE,
        metricsEnabled: true,
        tracingEnabled: props.tracing,
        throttlingRateLimit: STAGE_THROTTLE.rateLimit,
        throttlingBurstLimit: STAGE_THROTTLE.burstLimit,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        // Execution logs for failures only; request and response bodies are never logged.
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        methodOptions: publicMethodOptions(routes),
      },
      defaultCorsPreflightOptions: corsPreflight(props.corsOrigins, routes),
    });

    const authorizer = new RequestAuthorizer(this, "ApiKeyAuthorizer", {
      handler: props.authorizer,
      identitySources: [IdentitySource.header(API_KEY_HEADER)],
      resultsCacheTtl: Duration.seconds(props.authorizerCacheSeconds),
    });

    const integrations = new Map<string, LambdaIntegration>();
    for (const route of routes) {
      const fn = props.functions.get(route.function);
      if (!fn)
        throw new Error(
          `Route ${route.method} ${route.path} names unknown function ${route.function}.`,
        );
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new LambdaIntegration(fn, { proxy: true, allowTestInvoke: false });
        integrations.set(route.function, integration);
      }
      const isPublic = route.roles === "public";
      const method = this.api.root
        .resourceForPath(route.path)
        .addMethod(route.method, integration, {
          operationName: route.operationId,
          ...(isPublic
            ? { authorizationType: AuthorizationType.NONE }
            : {
                authorizationType: AuthorizationType.CUSTOM,
                authorizer,
                apiKeyRequired: props.requireUsagePlanKey,
              }),
        });
      if (isPublic) {
        acknowledgeFinding(
          method,
          "AwsSolutions-APIG4",
          `${route.path} is public by contract (no key): it answers no tenant data and has its own method throttle.`,
        );
      }
    }
    for (const method of this.api.methods) {
      acknowledgeFinding(
        method,
        "AwsSolutions-COG4",
        "Callers are services and apps with per-tenant API keys, checked by the REQUEST authorizer; there are no Cognito users.",
      );
      if (method.httpMethod === "OPTIONS") {
        acknowledgeFinding(
          method,
          "AwsSolutions-APIG4",
          "CORS preflight: browsers send it without credentials; it answers only the CORS headers.",
        );
      }
    }
    acknowledgeFinding(
      this.api,
      "AwsSolutions-APIG2",
      "Every handler validates path, query and body with the route table's zod schemas and answers 400 in the contract's error body; a gateway validator would answer in another format.",
    );
    const cloudWatchRole = this.api.node.tryFindChild("CloudWatchRole");
    if (cloudWatchRole) {
      acknowledgeFinding(
        cloudWatchRole,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
        "API Gateway's account-wide logging role; AWS's managed policy is the one made for it.",
      );
    }
    if (props.wafRateLimitPer5Min === undefined) {
      acknowledgeFinding(
        this.api.deploymentStage,
        "AwsSolutions-APIG3",
        "The web ACL is optional (context wafRateLimitPer5Min): every key is throttled by the usage plan and public routes by their method throttle.",
      );
    } else {
      this.webAcl = perIpRateLimit(this, props.wafRateLimitPer5Min);
      new CfnWebACLAssociation(this, "WebAclAssociation", {
        resourceArn: this.api.deploymentStage.stageArn,
        webAclArn: this.webAcl.attrArn,
      });
    }

    const corsHeaders = gatewayCorsHeaders(props.corsOrigins);
    for (const error of GATEWAY_ERRORS) {
      this.api.addGatewayResponse(`Gateway${error.type.responseType}`, {
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

    this.usagePlan = this.api.addUsagePlan("UsagePlan", {
      name: `${Stack.of(this).stackName}-keys`,
      description: "Per-key throttle; keys are registered by the keys command.",
      throttle: { rateLimit: props.rateLimitRps, burstLimit: props.rateLimitBurst },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
  }
}

/** Headers a browser may send: the ones every route reads plus the ones routes declare. */
function allowedRequestHeaders(routes: readonly RouteDefinition[]): string[] {
  const headers = new Set(["Content-Type", API_KEY_HEADER]);
  for (const route of routes) {
    for (const name of Object.keys(route.request?.headers ?? {})) headers.add(name);
  }
  return [...headers];
}

function corsPreflight(
  origins: readonly string[],
  routes: readonly RouteDefinition[],
): CorsOptions | undefined {
  if (origins.length === 0) return undefined;
  return {
    allowOrigins: [...origins],
    allowMethods: [...new Set(routes.map((route) => route.method)), "OPTIONS"],
    allowHeaders: allowedRequestHeaders(routes),
    maxAge: Duration.hours(1),
  };
}

/**
 * Gateway responses cannot choose among several allowed origins, so with more
 * than one they echo the caller's; the bodies are error messages only.
 */
function gatewayCorsHeaders(origins: readonly string[]): Record<string, string> {
  if (origins.length === 0) return {};
  if (origins.includes("*")) return { "Access-Control-Allow-Origin": "'*'" };
  const [only] = origins;
  if (origins.length === 1 && only !== undefined) {
    return { "Access-Control-Allow-Origin": `'${only}'` };
  }
  return {
    "Access-Control-Allow-Origin": "method.request.header.Origin",
    Vary: "'Origin'",
  };
}

/** A web ACL that blocks a source IP above `limit` requests per 5 minutes, answering 429. */
function perIpRateLimit(scope: Construct, limit: number): CfnWebACL {
  const name = `${Stack.of(scope).stackName}-per-ip`;
  const visibility = (metricName: string) => ({
    cloudWatchMetricsEnabled: true,
    metricName,
    sampledRequestsEnabled: true,
  });
  return new CfnWebACL(scope, "WebAcl", {
    name,
    description: `At most ${limit} requests per source IP in any 5 minutes.`,
    scope: "REGIONAL",
    defaultAction: { allow: {} },
    visibilityConfig: visibility(name),
    customResponseBodies: {
      RateLimited: {
        contentType: "APPLICATION_JSON",
        content: JSON.stringify({
          error_code: "RATE_LIMITED",
          message: "Too many requests from this address. Retry after the seconds in Retry-After.",
          details: {},
        }),
      },
    },
    rules: [
      {
        name: "per-ip-rate",
        priority: 0,
        statement: { rateBasedStatement: { limit, aggregateKeyType: "IP" } },
        action: {
          block: {
            customResponse: {
              responseCode: STATUS_BY_CODE.RATE_LIMITED,
              customResponseBodyKey: "RateLimited",
              responseHeaders: [{ name: "Retry-After", value: "60" }],
            },
          },
        },
        visibilityConfig: visibility(`${name}-rate`),
      },
    ],
  });
}
