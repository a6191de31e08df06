/**
 * CDK assertions on the synthesized stack. The main stack is synthesized once
 * with real esbuild bundling (no Docker); variants that only change settings
 * skip bundling so they stay fast.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { App, Token } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { LAMBDA_RUNTIME } from "#infra/bundling.ts";
import { BUCKET_IAM_ACTIONS, TABLE_IAM_ACTIONS } from "#infra/constructs/access.ts";
import { STREAM_READ_IAM_ACTIONS } from "#infra/constructs/stream.ts";
import { SessionTrailStack } from "#infra/stack.ts";
import { GLOBAL_INDEXES, LOCAL_INDEXES } from "#infra/table-definition.ts";
import {
  config,
  DEFAULT_AWS_REQUEST_TIMEOUT_MS,
  RESPONSE_MARGIN_MS,
  SDK_MAX_ATTEMPTS,
} from "#shared/config.ts";
import {
  DEFAULT_TIMEOUT_SECONDS,
  FUNCTIONS,
  type FunctionDefinition,
  INTEGRATION_TIMEOUT_SECONDS,
  ROUTES,
  type RouteDefinition,
  STAGE,
} from "#shared/contract/routes.ts";
import { ERROR_CODES } from "#shared/contract/schemas/common.ts";
import { STATUS_BY_CODE } from "#shared/domain/errors.ts";
import { METRIC_NAMESPACE, METRICS, SERVICE_NAME } from "#shared/metric-names.ts";
import { INDEX, INDEX_KEY_ATTRIBUTES, TTL_ATTRIBUTE } from "#shared/storage/keys.ts";

type Props = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Props;
}
type Ref = { Ref: string };
type GetAtt = { "Fn::GetAtt": [string, string] };
interface PolicyStatement {
  Action: string | string[];
  Effect: string;
  Resource: unknown;
  Condition?: unknown;
}

const definitions: Record<string, FunctionDefinition> = FUNCTIONS;
const routes: readonly RouteDefinition[] = ROUTES;

const DYNAMODB_WRITE_ACTIONS = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:PartiQLInsert",
  "dynamodb:PartiQLUpdate",
  "dynamodb:PartiQLDelete",
  "dynamodb:*",
];

function synth(context: Record<string, unknown>): { app: App; stack: SessionTrailStack } {
  const app = new App({ context });
  const stack = new SessionTrailStack(app, "SessionTrailTest");
  return { app, stack };
}

function resourcesOf(template: Template, type: string): [string, Props][] {
  const all = template.toJSON().Resources as Record<string, Resource>;
  return Object.entries(all)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties]);
}

function functionIdFor(template: Template, name: string): string {
  const definition = definitions[name];
  const matches = resourcesOf(template, "AWS::Lambda::Function").filter(
    ([, props]) => props.Description === definition?.description,
  );
  expect(matches, `exactly one function for ${name}`).toHaveLength(1);
  const [match] = matches;
  if (!match) throw new Error(`no function for ${name}`);
  return match[0];
}

/** Every action granted to a function's role, with the statements that grant them. */
function statementsOf(template: Template, name: string): PolicyStatement[] {
  const fnId = functionIdFor(template, name);
  const fn = template.toJSON().Resources[fnId] as Resource;
  const roleId = (fn.Properties.Role as GetAtt)["Fn::GetAtt"][0];
  return resourcesOf(template, "AWS::IAM::Policy")
    .filter(([, props]) => (props.Roles as Ref[]).some((role) => role.Ref === roleId))
    .flatMap(([, props]) => (props.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
}

function actionsOf(statements: PolicyStatement[]): Set<string> {
  return new Set(
    statements.flatMap((statement) =>
      Array.isArray(statement.Action) ? statement.Action : [statement.Action],
    ),
  );
}

/** `(METHOD, /full/path)` of every method except CORS preflights. */
function methodPaths(template: Template): Map<string, Props> {
  const all = template.toJSON().Resources as Record<string, Resource>;
  const pathOf = (parent: unknown): string => {
    if (parent && typeof parent === "object" && "Fn::GetAtt" in parent) return "";
    const id = (parent as Ref).Ref;
    const resource = all[id];
    if (resource?.Type !== "AWS::ApiGateway::Resource") throw new Error(`not a resource: ${id}`);
    return `${pathOf(resource.Properties.ParentId)}/${String(resource.Properties.PathPart)}`;
  };
  const methods = new Map<string, Props>();
  for (const [, props] of resourcesOf(template, "AWS::ApiGateway::Method")) {
    if (props.HttpMethod === "OPTIONS") continue;
    const path = pathOf(props.ResourceId) || "/";
    methods.set(`${String(props.HttpMethod)} ${path}`, props);
  }
  return methods;
}

function workspaceBucket(template: Template): [string, Props] {
  const found = resourcesOf(template, "AWS::S3::Bucket").find(([id]) =>
    id.includes("WorkspaceBucket"),
  );
  if (!found) throw new Error("no workspace bucket");
  return found;
}

function gatewayBody(props: Props): Props {
  const templates = props.ResponseTemplates as Record<string, string>;
  const body = templates["application/json"];
  if (!body) throw new Error(`no JSON template for ${String(props.ResponseType)}`);
  return JSON.parse(body) as Props;
}

/** A dashboard body with its CloudFormation tokens (region, names) replaced by "TOKEN". */
function dashboardBody(props: Props): {
  widgets: { properties: { title?: string; metrics?: unknown[][] } }[];
} {
  const body = props.DashboardBody as string | { "Fn::Join": [string, unknown[]] };
  const text =
    typeof body === "string"
      ? body
      : body["Fn::Join"][1].map((part) => (typeof part === "string" ? part : "TOKEN")).join("");
  return JSON.parse(text);
}

describe("SessionTrail stack with default settings", () => {
  let app: App;
  let stack: SessionTrailStack;
  let template: Template;

  beforeAll(() => {
    ({ app, stack } = synth({}));
    template = Template.fromStack(stack);
  });

  it("is environment-agnostic, so synth needs no AWS credentials or lookups", () => {
    expect(Token.isUnresolved(stack.account)).toBe(true);
    expect(Token.isUnresolved(stack.region)).toBe(true);
  });

  it("declares one on-demand table with PITR, the TTL attribute and every index of the key module", () => {
    template.resourceCountIs("AWS::DynamoDB::Table", 1);
    const [[id, table] = ["", {}]] = resourcesOf(template, "AWS::DynamoDB::Table");
    expect(table.BillingMode).toBe("PAY_PER_REQUEST");
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
    expect(table.KeySchema).toEqual([
      { AttributeName: INDEX_KEY_ATTRIBUTES.table.partition, KeyType: "HASH" },
      { AttributeName: INDEX_KEY_ATTRIBUTES.table.sort, KeyType: "RANGE" },
    ]);
    const attributes = table.AttributeDefinitions as {
      AttributeName: string;
      AttributeType: string;
    }[];
    expect(attributes.every((attribute) => attribute.AttributeType === "S")).toBe(true);

    type Index = { IndexName: string; KeySchema: unknown; Projection: unknown };
    const globals = table.GlobalSecondaryIndexes as Index[];
    const locals = table.LocalSecondaryIndexes as Index[];
    expect([...globals, ...locals].map((index) => index.IndexName).sort()).toEqual(
      Object.values(INDEX).sort(),
    );
    for (const index of [...globals, ...locals]) {
      const name = index.IndexName as keyof typeof INDEX_KEY_ATTRIBUTES;
      expect(index.KeySchema).toEqual([
        { AttributeName: INDEX_KEY_ATTRIBUTES[name].partition, KeyType: "HASH" },
        { AttributeName: INDEX_KEY_ATTRIBUTES[name].sort, KeyType: "RANGE" },
      ]);
      expect(index.Projection).toEqual({ ProjectionType: "ALL" });
    }
    expect(globals.map((index) => index.IndexName)).toEqual([...GLOBAL_INDEXES]);
    expect(locals.map((index) => index.IndexName)).toEqual([...LOCAL_INDEXES]);
    expect(template.toJSON().Resources[id]).toMatchObject({
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
  });

  it("keeps the workspace bucket private, encrypted, TLS-only and on a retention lifecycle", () => {
    template.resourceCountIs("AWS::S3::Bucket", 2);
    const [id, bucket] = workspaceBucket(template);
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
      ],
    });
    const rules = (bucket.LifecycleConfiguration as { Rules: Props[] }).Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({ Prefix: "workspaces/", ExpirationInDays: 30, Status: "Enabled" }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        Status: "Enabled",
      }),
    );
    expect(bucket.CorsConfiguration).toBeUndefined();
    expect(template.toJSON().Resources[id]).toMatchObject({ DeletionPolicy: "Retain" });

    const [[, policy] = ["", {}]] = resourcesOf(template, "AWS::S3::BucketPolicy");
    const statements = (policy.PolicyDocument as { Statement: Props[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: "Deny",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    );
  });

  it("logs the workspace bucket's object access to a private log bucket with its own retention", () => {
    const [, bucket] = workspaceBucket(template);
    const [[logId, logBucket] = ["", {}]] = resourcesOf(template, "AWS::S3::Bucket").filter(
      ([id]) => id.includes("AccessLogBucket"),
    );
    expect(bucket.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logId },
      LogFilePrefix: "workspace-bucket/",
    });
    expect(logBucket.PublicAccessBlockConfiguration).toEqual(bucket.PublicAccessBlockConfiguration);
    expect(logBucket.BucketEncryption).toEqual(bucket.BucketEncryption);
    expect((logBucket.LifecycleConfiguration as { Rules: Props[] }).Rules).toContainEqual(
      expect.objectContaining({ ExpirationInDays: 90, Status: "Enabled" }),
    );
    // Log delivery by bucket policy, not ACL.
    expect(logBucket.AccessControl).toBeUndefined();
    const policies = resourcesOf(template, "AWS::S3::BucketPolicy").filter(
      ([, props]) => (props.Bucket as Ref).Ref === logId,
    );
    expect(JSON.stringify(policies)).toContain("logging.s3.amazonaws.com");
  });

  it("has no WAF web ACL unless wafRateLimitPer5Min is set", () => {
    template.resourceCountIs("AWS::WAFv2::WebACL", 0);
  });

  it("creates one arm64 function on the newest Node.js runtime per FUNCTIONS entry, with its memory, timeout and settings", () => {
    const functions = resourcesOf(template, "AWS::Lambda::Function");
    expect(functions).toHaveLength(Object.keys(definitions).length);
    for (const [name, definition] of Object.entries(definitions)) {
      const id = functionIdFor(template, name);
      const props = template.toJSON().Resources[id].Properties as Props;
      expect(props.Runtime, name).toBe(LAMBDA_RUNTIME);
      expect(props.Architectures, name).toEqual(["arm64"]);
      expect(props.Handler, name).toBe("index.handler");
      expect(props.MemorySize, name).toBe(definition.memoryMiB ?? 512);
      expect(props.Timeout, name).toBe(definition.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS);
      expect(props.TracingConfig, name).toEqual({ Mode: "Active" });
      const variables = (props.Environment as { Variables: Props }).Variables;
      expect(variables, name).toMatchObject({
        NODE_OPTIONS: "--enable-source-maps",
        TABLE_NAME: { Ref: expect.stringMatching(/Table/) },
        BUCKET_NAME: { Ref: expect.stringMatching(/Bucket/) },
        RETENTION_DAYS: "30",
        LOG_LEVEL: "INFO",
        POWERTOOLS_SERVICE_NAME: "session-trail",
        POWERTOOLS_METRICS_NAMESPACE: "SessionTrail",
        CORS_ALLOWED_ORIGINS: "",
      });
    }
  });

  it("orders the timeouts: every storage budget and answer margin below its function's timeout, every API function's below API Gateway's", () => {
    const gatewayFunctions = new Set<string>([
      "authorizer",
      ...routes.map((route) => route.function),
    ]);
    for (const [name, definition] of Object.entries(definitions)) {
      const props = template.toJSON().Resources[functionIdFor(template, name)].Properties as Props;
      const timeoutMs = Number(props.Timeout) * 1000;
      const variables = (props.Environment as { Variables: Props }).Variables;
      // Set on every function, so the budget does not rest on a default in code.
      const attemptMs = Number(variables.AWS_REQUEST_TIMEOUT_MS);
      expect(attemptMs, name).toBe(DEFAULT_AWS_REQUEST_TIMEOUT_MS);
      expect(attemptMs * SDK_MAX_ATTEMPTS + RESPONSE_MARGIN_MS, name).toBeLessThan(timeoutMs);
      if (name === "investigate") {
        expect(config().INVESTIGATE_BUDGET_MS + RESPONSE_MARGIN_MS).toBeLessThan(timeoutMs);
      }
      if (gatewayFunctions.has(name)) {
        expect(timeoutMs, name).toBeLessThan(INTEGRATION_TIMEOUT_SECONDS * 1000);
      }
      expect(definition.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS, name).toBe(props.Timeout);
    }
    for (const [, props] of methodPaths(template)) {
      const integration = props.Integration as { TimeoutInMillis?: number } | undefined;
      expect(
        integration?.TimeoutInMillis ?? INTEGRATION_TIMEOUT_SECONDS * 1000,
      ).toBeLessThanOrEqual(INTEGRATION_TIMEOUT_SECONDS * 1000);
    }
  });

  it("bundles every handler with the local esbuild into an ESM index.mjs", () => {
    for (const name of Object.keys(definitions)) {
      const id = functionIdFor(template, name);
      const code = template.toJSON().Resources[id].Properties.Code as { S3Key: string };
      const assetDir = join(app.outdir, `asset.${code.S3Key.replace(/\.zip$/, "")}`);
      expect(existsSync(join(assetDir, "index.mjs")), `${name} bundle`).toBe(true);
      expect(existsSync(join(assetDir, "index.mjs.map")), `${name} source map`).toBe(true);
    }
  });

  it("gives every function its own log group with a one-month retention", () => {
    for (const name of Object.keys(definitions)) {
      const id = functionIdFor(template, name);
      const props = template.toJSON().Resources[id].Properties as Props;
      const logGroupId = (props.LoggingConfig as { LogGroup: Ref }).LogGroup.Ref;
      const logGroup = template.toJSON().Resources[logGroupId] as Resource;
      expect(logGroup.Type, name).toBe("AWS::Logs::LogGroup");
      expect(logGroup.Properties.RetentionInDays, name).toBe(30);
    }
  });

  it("grants read-only functions no write action on the table", () => {
    const actions = actionsOf(statementsOf(template, "get-session"));
    expect(actions.has("dynamodb:GetItem")).toBe(true);
    expect(actions.has("dynamodb:Query")).toBe(false);
    for (const action of DYNAMODB_WRITE_ACTIONS) expect(actions.has(action), action).toBe(false);
    expect([...actions].some((action) => action.startsWith("s3:"))).toBe(false);
  });

  it("grants writing functions the item actions a TransactWriteItems is authorized by", () => {
    const actions = actionsOf(statementsOf(template, "start-session"));
    for (const action of ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]) {
      expect(actions.has(action), action).toBe(true);
    }
  });

  it("grants every function exactly the table and bucket actions the route table declares", () => {
    for (const [name, { access }] of Object.entries(definitions)) {
      const statements = statementsOf(template, name);
      const granted = (prefix: string) =>
        [...actionsOf(statements)].filter((action) => action.startsWith(prefix)).sort();
      expect(granted("dynamodb:"), name).toEqual(
        [
          ...new Set([
            ...access.table.map((action) => TABLE_IAM_ACTIONS[action]),
            ...(definitions[name]?.tableStream ? STREAM_READ_IAM_ACTIONS : []),
          ]),
        ].sort(),
      );
      expect(granted("s3:"), name).toEqual(
        [...new Set(access.bucket.map((action) => BUCKET_IAM_ACTIONS[action]))].sort(),
      );
      for (const statement of statements) {
        const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
        const resources = JSON.stringify(statement.Resource);
        if (actions.some((action) => action.startsWith("dynamodb:"))) {
          // ListStreams (event source mapping) takes no resource but *; nothing else may.
          if (resources === '"*"') expect(actions, name).toEqual(["dynamodb:ListStreams"]);
          else expect(resources, name).toMatch(/Table/);
          // Only queries reach the indexes.
          if (resources.includes("/index/*")) expect(actions, name).toEqual(["dynamodb:Query"]);
        }
        if (actions.some((action) => action.startsWith("s3:") && action !== "s3:ListBucket")) {
          // Objects only under the workspace prefix, never the whole bucket.
          expect(resources, name).toContain("/workspaces/*");
          expect(
            actions.every((action) => !action.includes("*")),
            name,
          ).toBe(true);
        }
        if (actions.includes("s3:ListBucket")) {
          expect(actions, name).toEqual(["s3:ListBucket"]);
          expect(statement.Condition, name).toEqual({
            StringLikeIfExists: { "s3:prefix": ["workspaces/*"] },
          });
        }
      }
    }
  });

  it("gives create-upload nothing on the bucket but PutObject on workspace objects", () => {
    const statements = statementsOf(template, "create-upload");
    const s3 = statements.filter((statement) => JSON.stringify(statement.Action).includes('"s3:'));
    expect(s3).toHaveLength(1);
    expect(s3[0]?.Action).toBe("s3:PutObject");
    expect(JSON.stringify(s3[0]?.Resource)).toContain("/workspaces/*");
  });

  it("has exactly one method per route of the route table", () => {
    const expected = new Set(routes.map((route) => `${route.method} ${route.path}`));
    expect(new Set(methodPaths(template).keys())).toEqual(expected);
  });

  it("integrates each route with its function as a Lambda proxy", () => {
    const methods = methodPaths(template);
    for (const route of routes) {
      const method = methods.get(`${route.method} ${route.path}`);
      const integration = method?.Integration as { Type: string; Uri: unknown };
      expect(integration.Type).toBe("AWS_PROXY");
      expect(JSON.stringify(integration.Uri)).toContain(
        `"${functionIdFor(template, route.function)}","Arn"`,
      );
      expect(method?.OperationName).toBe(route.operationId);
    }
  });

  it("leaves public routes open and puts the REQUEST authorizer on every other route", () => {
    const [[authorizerId] = [""]] = resourcesOf(template, "AWS::ApiGateway::Authorizer");
    const methods = methodPaths(template);
    for (const route of routes) {
      const method = methods.get(`${route.method} ${route.path}`);
      if (route.roles === "public") {
        expect(method?.AuthorizationType, route.path).toBe("NONE");
        expect(method?.AuthorizerId, route.path).toBeUndefined();
      } else {
        expect(method?.AuthorizationType, route.path).toBe("CUSTOM");
        expect(method?.AuthorizerId, route.path).toEqual({ Ref: authorizerId });
        expect(method?.ApiKeyRequired, route.path).toBe(true);
      }
    }
  });

  it("authorizes with the authorizer function on the X-API-Key header, cached for 300 s", () => {
    template.resourceCountIs("AWS::ApiGateway::Authorizer", 1);
    const [[, authorizer] = ["", {}]] = resourcesOf(template, "AWS::ApiGateway::Authorizer");
    expect(authorizer.Type).toBe("REQUEST");
    expect(authorizer.IdentitySource).toBe("method.request.header.X-API-Key");
    expect(authorizer.AuthorizerResultTtlInSeconds).toBe(300);
    expect(JSON.stringify(authorizer.AuthorizerUri)).toContain(
      `"${functionIdFor(template, "authorizer")}","Arn"`,
    );
  });

  it("takes usage keys from the authorizer and throttles the stage and each key", () => {
    const [[, api] = ["", {}]] = resourcesOf(template, "AWS::ApiGateway::RestApi");
    expect(api.ApiKeySourceType).toBe("AUTHORIZER");

    const [[stageId, stage] = ["", {}]] = resourcesOf(template, "AWS::ApiGateway::Stage");
    expect(stage.StageName).toBe(STAGE);
    expect(stage.MethodSettings).toContainEqual(
      expect.objectContaining({
        HttpMethod: "*",
        ResourcePath: "/*",
        MetricsEnabled: true,
        ThrottlingRateLimit: 1000,
        ThrottlingBurstLimit: 2000,
      }),
    );
    expect(stage.AccessLogSetting).toBeDefined();

    const [[, plan] = ["", {}]] = resourcesOf(template, "AWS::ApiGateway::UsagePlan");
    expect(plan.Throttle).toEqual({ RateLimit: 50, BurstLimit: 100 });
    expect(plan.ApiStages).toEqual([expect.objectContaining({ Stage: { Ref: stageId } })]);
  });

  it("logs execution errors beside the access log and throttles each public route on its own", () => {
    const [[, stage] = ["", {}]] = resourcesOf(template, "AWS::ApiGateway::Stage");
    const settings = stage.MethodSettings as Props[];
    expect(settings).toContainEqual(
      expect.objectContaining({
        HttpMethod: "*",
        ResourcePath: "/*",
        LoggingLevel: "ERROR",
        DataTraceEnabled: false,
      }),
    );
    const publicRoutes = routes.filter((route) => route.roles === "public");
    expect(publicRoutes.length).toBeGreaterThan(0);
    for (const route of publicRoutes) {
      expect(settings, route.path).toContainEqual(
        expect.objectContaining({
          HttpMethod: route.method,
          ResourcePath: `/${route.path.replaceAll("/", "~1")}`,
          ThrottlingRateLimit: 10,
          ThrottlingBurstLimit: 20,
          LoggingLevel: "ERROR",
        }),
      );
    }
    expect(settings).toHaveLength(publicRoutes.length + 1);
    expect(stage.TracingEnabled).toBe(true);
  });

  it("lets API Gateway invoke each routed function only from its methods, without test invokes", () => {
    const permissions = resourcesOf(template, "AWS::Lambda::Permission");
    const [[webSocketApiId] = [""]] = resourcesOf(template, "AWS::ApiGatewayV2::Api");
    const fromApi = permissions.filter(
      ([, props]) =>
        props.Principal === "apigateway.amazonaws.com" &&
        !JSON.stringify(props.SourceArn).includes(webSocketApiId),
    );
    // One per route plus the authorizer's (the push stream's WebSocket API has its own).
    expect(fromApi).toHaveLength(routes.length + 1);
    for (const [, props] of fromApi) {
      expect(JSON.stringify(props.SourceArn)).not.toContain("test-invoke-stage");
    }
  });

  it("answers API Gateway's own errors with the project's error body", () => {
    const expected: [string, number | undefined, string][] = [
      ["UNAUTHORIZED", 401, "UNAUTHORIZED"],
      ["ACCESS_DENIED", 403, "FORBIDDEN"],
      ["MISSING_AUTHENTICATION_TOKEN", 404, "NOT_FOUND"],
      ["REQUEST_TOO_LARGE", 413, "PAYLOAD_TOO_LARGE"],
      ["THROTTLED", 429, "RATE_LIMITED"],
      ["QUOTA_EXCEEDED", 429, "RATE_LIMITED"],
      ["INTEGRATION_TIMEOUT", 504, "UNAVAILABLE"],
      ["DEFAULT_4XX", undefined, "VALIDATION_ERROR"],
      ["DEFAULT_5XX", undefined, "INTERNAL"],
    ];
    const responses = new Map(
      resourcesOf(template, "AWS::ApiGateway::GatewayResponse").map(([, props]) => [
        String(props.ResponseType),
        props,
      ]),
    );
    for (const [type, status, code] of expected) {
      const response = responses.get(type);
      expect(response, type).toBeDefined();
      if (!response) continue;
      expect(response.StatusCode, type).toBe(status === undefined ? undefined : String(status));
      const body = gatewayBody(response);
      expect(Object.keys(body).sort(), type).toEqual(["details", "error_code", "message"]);
      expect(body.error_code, type).toBe(code);
      expect(body.details, type).toEqual({});
      expect(String(body.message).length, type).toBeGreaterThan(10);
      expect(
        (response.ResponseParameters as Props)["gatewayresponse.header.Content-Type"],
        type,
      ).toBe("'application/json'");
    }
    expect(gatewayBody(responses.get("ACCESS_DENIED") ?? {}).message).toBe(
      "This key's role may not call this route.",
    );
    const throttled = responses.get("THROTTLED")?.ResponseParameters as Props | undefined;
    expect(throttled?.["gatewayresponse.header.Retry-After"]).toBe("'1'");
  });

  it("uses only contract error codes, with their contract status where the gateway's is overridden", () => {
    for (const [, props] of resourcesOf(template, "AWS::ApiGateway::GatewayResponse")) {
      const code = gatewayBody(props).error_code as (typeof ERROR_CODES)[number];
      expect(ERROR_CODES).toContain(code);
      if (props.StatusCode !== undefined && props.ResponseType !== "INTEGRATION_TIMEOUT") {
        expect(props.StatusCode, String(props.ResponseType)).toBe(String(STATUS_BY_CODE[code]));
      }
    }
  });

  it("adds no CORS preflight methods or CORS headers when no origins are configured", () => {
    const options = resourcesOf(template, "AWS::ApiGateway::Method").filter(
      ([, props]) => props.HttpMethod === "OPTIONS",
    );
    expect(options).toEqual([]);
    for (const [, props] of resourcesOf(template, "AWS::ApiGateway::GatewayResponse")) {
      expect(Object.keys(props.ResponseParameters as Props)).not.toContain(
        "gatewayresponse.header.Access-Control-Allow-Origin",
      );
    }
  });

  it("alarms on the API's 5XX error rate and notifies the alarm topic", () => {
    const alarms = resourcesOf(template, "AWS::CloudWatch::Alarm");
    const rate = alarms.find(([, props]) =>
      JSON.stringify(props.Metrics ?? []).includes('"MetricName":"5XXError"'),
    );
    expect(rate).toBeDefined();
    const props = rate?.[1] ?? {};
    expect(props.Threshold).toBe(5);
    expect(props.ComparisonOperator).toBe("GreaterThanThreshold");
    expect(JSON.stringify(props.Metrics)).toContain('"MetricName":"Count"');
    const [[topicId] = [""]] = resourcesOf(template, "AWS::SNS::Topic");
    expect(props.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it("runs the expiry job every minute and alarms on its errors exactly when FUNCTIONS has one", () => {
    const rules = resourcesOf(template, "AWS::Events::Rule");
    const pushStreamFanOut = JSON.stringify({ Ref: functionIdFor(template, "stream-fanout") });
    const errorAlarms = resourcesOf(template, "AWS::CloudWatch::Alarm").filter(
      ([, props]) =>
        props.MetricName === "Errors" &&
        !JSON.stringify(props.Dimensions).includes(pushStreamFanOut),
    );
    if ("expire" in definitions) {
      const expireId = functionIdFor(template, "expire");
      expect(rules).toHaveLength(1);
      const [[, rule] = ["", {}]] = rules;
      expect(rule.ScheduleExpression).toBe("rate(1 minute)");
      expect(JSON.stringify(rule.Targets)).toContain(`"${expireId}","Arn"`);
      expect(errorAlarms).toHaveLength(1);
      expect(errorAlarms[0]?.[1].Threshold).toBe(0);
      expect(routes.some((route) => route.function === ("expire" as string))).toBe(false);
    } else {
      expect(rules).toEqual([]);
      expect(errorAlarms).toEqual([]);
    }
  });

  it("has a dashboard with every EMF metric of the service and each route's latency, 4xx and 5xx", () => {
    const dashboards = resourcesOf(template, "AWS::CloudWatch::Dashboard");
    expect(dashboards).toHaveLength(1);
    const { widgets } = dashboardBody(dashboards[0]?.[1] ?? {});
    const lines = widgets.flatMap((widget) =>
      (widget.properties.metrics ?? []).map((line) => ({ title: widget.properties.title, line })),
    );
    for (const name of Object.keys(METRICS)) {
      const graphed = lines.some(
        ({ line }) =>
          line[0] === METRIC_NAMESPACE &&
          line[1] === name &&
          line[2] === "service" &&
          line[3] === SERVICE_NAME,
      );
      expect(graphed, name).toBe(true);
    }
    for (const route of routes) {
      const title = `${route.method} ${route.path}`;
      const graphed = lines
        .filter(({ title: widgetTitle }) => widgetTitle === title)
        .map(({ line }) => {
          const dims = Object.fromEntries(
            Array.from({ length: (line.length - 3) / 2 }, (_, i) => [
              line[2 + 2 * i],
              line[3 + 2 * i],
            ]),
          );
          expect(dims).toMatchObject({ Method: route.method, Resource: route.path, Stage: STAGE });
          return `${String(line[0])} ${String(line[1])}`;
        });
      expect(graphed, title).toEqual(
        expect.arrayContaining([
          "AWS/ApiGateway Latency",
          "AWS/ApiGateway 4XXError",
          "AWS/ApiGateway 5XXError",
        ]),
      );
    }
  });

  it("outputs the API URL, table name and bucket name", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(["ApiUrl", "TableName", "BucketName", "UsagePlanId"]),
    );
    const [[stageId, stage] = ["", {}]] = resourcesOf(template, "AWS::ApiGateway::Stage");
    expect(stage.StageName).toBe(STAGE);
    expect(JSON.stringify(outputs.ApiUrl?.Value)).toContain(`"/",{"Ref":"${stageId}"},"/"`);
    expect(outputs.TableName?.Value).toEqual({ Ref: expect.stringMatching(/Table/) });
    expect(outputs.BucketName?.Value).toEqual({ Ref: expect.stringMatching(/Bucket/) });
  });
});

describe("SessionTrail stack settings from CDK context", () => {
  // Settings do not change the code, so this variant skips bundling.
  const context = {
    "aws:cdk:bundling-stacks": [],
    corsOrigins: "https://console.example.com",
    retentionDays: "7",
    logLevel: "DEBUG",
    authorizerCacheSeconds: "60",
    rateLimitRps: "5",
    rateLimitBurst: "10",
  };
  let template: Template;

  beforeAll(() => {
    template = Template.fromStack(synth(context).stack);
  });

  it("applies retention, log level and CORS origins to the functions and the bucket", () => {
    for (const [, props] of resourcesOf(template, "AWS::Lambda::Function")) {
      expect((props.Environment as { Variables: Props }).Variables).toMatchObject({
        RETENTION_DAYS: "7",
        LOG_LEVEL: "DEBUG",
        CORS_ALLOWED_ORIGINS: "https://console.example.com",
      });
    }
    const [, bucket] = workspaceBucket(template);
    expect((bucket.LifecycleConfiguration as { Rules: Props[] }).Rules).toContainEqual(
      expect.objectContaining({ Prefix: "workspaces/", ExpirationInDays: 7 }),
    );
    const [rule] = (bucket.CorsConfiguration as { CorsRules: Props[] }).CorsRules;
    expect(rule?.AllowedOrigins).toEqual(["https://console.example.com"]);
    expect(rule?.AllowedMethods).toEqual(expect.arrayContaining(["GET", "PUT"]));
  });

  it("applies the authorizer cache and the usage-plan throttle", () => {
    template.hasResourceProperties("AWS::ApiGateway::Authorizer", {
      AuthorizerResultTtlInSeconds: 60,
    });
    template.hasResourceProperties("AWS::ApiGateway::UsagePlan", {
      Throttle: { RateLimit: 5, BurstLimit: 10 },
    });
  });

  it("answers preflights that allow the route table's headers, and adds the origin to gateway errors", () => {
    const options = resourcesOf(template, "AWS::ApiGateway::Method").filter(
      ([, props]) => props.HttpMethod === "OPTIONS",
    );
    expect(options.length).toBeGreaterThan(0);
    const preflight = JSON.stringify(options[0]?.[1].Integration);
    expect(preflight).toContain("https://console.example.com");
    expect(preflight).toContain("X-API-Key");
    expect(preflight).toContain("Idempotency-Key");
    for (const [, props] of resourcesOf(template, "AWS::ApiGateway::GatewayResponse")) {
      expect(
        (props.ResponseParameters as Props)["gatewayresponse.header.Access-Control-Allow-Origin"],
        String(props.ResponseType),
      ).toBe("'https://console.example.com'");
    }
  });

  it("puts a per-IP rate-based WAF rule in front of the stage when wafRateLimitPer5Min is set", () => {
    const waf = Template.fromStack(
      synth({ "aws:cdk:bundling-stacks": [], wafRateLimitPer5Min: "500" }).stack,
    );
    const [[aclId, acl] = ["", {}]] = resourcesOf(waf, "AWS::WAFv2::WebACL");
    expect(acl.Scope).toBe("REGIONAL");
    expect(acl.DefaultAction).toEqual({ Allow: {} });
    const [rule = {}] = acl.Rules as Props[];
    expect(rule.Statement).toEqual({
      RateBasedStatement: { Limit: 500, AggregateKeyType: "IP" },
    });
    const block = (rule.Action as { Block: { CustomResponse: Props } }).Block.CustomResponse;
    expect(block.ResponseCode).toBe(429);
    const bodies = acl.CustomResponseBodies as Record<string, { Content: string }>;
    const body = JSON.parse(bodies[String(block.CustomResponseBodyKey)]?.Content ?? "{}");
    expect(body).toEqual({ error_code: "RATE_LIMITED", message: expect.any(String), details: {} });
    const [[, association] = ["", {}]] = resourcesOf(waf, "AWS::WAFv2::WebACLAssociation");
    expect(association.WebACLArn).toEqual({ "Fn::GetAtt": [aclId, "Arn"] });
    expect(JSON.stringify(association.ResourceArn)).toContain("/stages/");
  });

  it("turns tracing off on the functions and the stage with tracing=false", () => {
    const off = Template.fromStack(
      synth({ "aws:cdk:bundling-stacks": [], tracing: "false" }).stack,
    );
    for (const [, props] of resourcesOf(off, "AWS::Lambda::Function")) {
      expect(props.TracingConfig).toBeUndefined();
      expect((props.Environment as { Variables: Props }).Variables.POWERTOOLS_TRACE_ENABLED).toBe(
        "false",
      );
    }
    const [[, stage] = ["", {}]] = resourcesOf(off, "AWS::ApiGateway::Stage");
    expect(stage.TracingEnabled).toBe(false);
  });

  it("rejects an invalid setting with a message naming it", () => {
    expect(() => synth({ "aws:cdk:bundling-stacks": [], retentionDays: "0" })).toThrow(
      /retentionDays/,
    );
  });
});
