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
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  RestApi,
  type UsagePlan,
} from "aws-cdk-lib/aws-apigateway";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { type CfnWebACL, CfnWebACLAssociation } from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";
import { ROUTES, type RouteDefinition, STAGE } from "#shared/contract/routes.ts";
import { acknowledgeFinding } from "./acknowledge.ts";
import { corsPreflight } from "./api-cors.ts";
import { addGatewayErrors } from "./api-gateway-errors.ts";
import { API_KEY_HEADER, publicMethodOptions, STAGE_THROTTLE } from "./api-limits.ts";
import { perIpRateLimit } from "./api-rate-limit-waf.ts";

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

    addGatewayErrors(this.api, props.corsOrigins);

    this.usagePlan = this.api.addUsagePlan("UsagePlan", {
      name: `${Stack.of(this).stackName}-keys`,
      description: "Per-key throttle; keys are registered by the keys command.",
      throttle: { rateLimit: props.rateLimitRps, burstLimit: props.rateLimitBurst },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
  }
}
