/**
 * The Session Trail stack: stateful storage (table, bucket), one Lambda
 * function per entry of the route table's FUNCTIONS with exactly the access it
 * declares, the REST API built from ROUTES, the expiry schedule and alarms.
 * Settings come from CDK context; the stack is environment-agnostic and makes
 * no lookups, so it synthesizes without AWS credentials.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { Construct, Node } from "constructs";
import * as z from "zod";
import { DEFAULT_AWS_REQUEST_TIMEOUT_MS } from "#shared/config.ts";
import { FUNCTIONS, type FunctionDefinition } from "#shared/contract/routes.ts";
import { grantDeclaredAccess } from "./constructs/access.ts";
import { SessionApi } from "./constructs/api.ts";
import { CursorSecret } from "./constructs/cursor-secret.ts";
import { ServiceDashboard } from "./constructs/dashboard.ts";
import { Monitoring } from "./constructs/monitoring.ts";
import { ScheduledRunFailures } from "./constructs/scheduled-runs.ts";
import { ServiceFunction } from "./constructs/service-function.ts";
import { Storage } from "./constructs/storage.ts";
import { PushStream } from "./constructs/stream.ts";
import { WebAclLogging } from "./constructs/waf-logging.ts";

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

import { METRIC_NAMESPACE, SERVICE_NAME } from "#shared/metric-names.ts";

export { METRIC_NAMESPACE, SERVICE_NAME };
/** Function names with a role beyond serving routes. */
export const AUTHORIZER_FUNCTION = "authorizer";
export const EXPIRE_FUNCTION = "expire";

const Flag = z
  .union([z.boolean(), z.enum(["true", "false"])])
  .transform((value) => value === true || value === "true");

const OriginList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(","))
      .map((origin) => origin.trim())
      .filter((origin) => origin.length > 0),
  );

/** Deployment settings, read from CDK context (`cdk.json` or `-c name=value`). */
const Settings = z.object({
  /** Days workspace objects are kept; also what functions report as retention. */
  retentionDays: z.coerce.number().int().min(1).max(3650).default(30),
  /** Comma-separated browser origins for CORS; `*` for any; none by default. */
  corsOrigins: OriginList.default([]),
  logLevel: z.enum(["DEBUG", "INFO", "WARN", "ERROR"]).default("INFO"),
  /** How long API Gateway caches an authorizer answer: the revocation delay of a key. */
  authorizerCacheSeconds: z.coerce.number().int().min(0).max(3600).default(300),
  /** Per-key throttle of the usage plan. */
  rateLimitRps: z.coerce.number().positive().default(50),
  rateLimitBurst: z.coerce.number().int().min(0).default(100),
  /**
   * Whether a key must be registered with the usage plan (what `npm run keys`
   * does with USAGE_PLAN_ID set) for the per-key throttle to apply.
   */
  requireUsagePlanKey: Flag.default(true),
  /** Address subscribed to the alarm topic. */
  alarmEmail: z.email().optional(),
  /** X-Ray active tracing on the functions and the stage, with Powertools Tracer segments. */
  tracing: Flag.default(true),
  /**
   * Bundle the AWS SDK into each function (pinned by the lock file, faster to
   * start, 600-770 KB per bundle) instead of using the runtime's copy.
   */
  bundleAwsSdk: Flag.default(false),
  /** Days the workspace bucket's server access logs are kept. */
  accessLogRetentionDays: z.coerce.number().int().min(1).max(3650).default(90),
  /**
   * Requests one source IP may make in any 5 minutes before AWS WAF blocks it
   * (answered 429 in the project's error body). No web ACL when unset.
   */
  wafRateLimitPer5Min: z.coerce.number().int().min(10).max(2_000_000_000).optional(),
});
export type Settings = z.infer<typeof Settings>;

export function readSettings(node: Node): Settings {
  const raw = Object.fromEntries(
    Object.keys(Settings.shape).map((key) => [key, node.tryGetContext(key)]),
  );
  const parsed = Settings.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
      .join("; ");
    throw new Error(`Invalid CDK context (${problems}). Fix these -c values or cdk.json entries.`);
  }
  return parsed.data;
}

function constructId(functionName: string): string {
  const pascal = functionName
    .split(/[^A-Za-z0-9]+/)
    .map((part) => `${part.charAt(0).toUpperCase()}${part.slice(1)}`)
    .join("");
  return `${pascal}Function`;
}

export class SessionTrailStack extends Stack {
  readonly functions: ReadonlyMap<string, ServiceFunction>;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const settings = readSettings(this.node);

    const storage = new Storage(this, "Storage", {
      retentionDays: settings.retentionDays,
      corsOrigins: settings.corsOrigins,
      accessLogRetentionDays: settings.accessLogRetentionDays,
    });

    const environment = {
      TABLE_NAME: storage.table.tableName,
      BUCKET_NAME: storage.bucket.bucketName,
      RETENTION_DAYS: String(settings.retentionDays),
      LOG_LEVEL: settings.logLevel,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
      CORS_ALLOWED_ORIGINS: settings.corsOrigins.join(","),
      AWS_REQUEST_TIMEOUT_MS: String(DEFAULT_AWS_REQUEST_TIMEOUT_MS),
      POWERTOOLS_TRACE_ENABLED: String(settings.tracing),
    };

    const cursorSecret = new CursorSecret(this, "CursorSecret");
    const functions = new Map<string, ServiceFunction>();
    const definitions: Record<string, FunctionDefinition> = FUNCTIONS;
    for (const [name, definition] of Object.entries(definitions)) {
      const fn = new ServiceFunction(this, constructId(name), {
        name,
        definition,
        projectRoot: PROJECT_ROOT,
        environment: definition.signsCursors
          ? { ...environment, CURSOR_SECRET: cursorSecret.environmentValue }
          : environment,
        tracing: settings.tracing,
        bundleAwsSdk: settings.bundleAwsSdk,
      });
      grantDeclaredAccess(fn.serviceRole, definition.access, storage);
      functions.set(name, fn);
    }
    this.functions = functions;

    const authorizer = functions.get(AUTHORIZER_FUNCTION);
    if (!authorizer) throw new Error(`FUNCTIONS needs an "${AUTHORIZER_FUNCTION}" entry.`);
    const sessionApi = new SessionApi(this, "Api", {
      functions,
      authorizer,
      authorizerCacheSeconds: settings.authorizerCacheSeconds,
      rateLimitRps: settings.rateLimitRps,
      rateLimitBurst: settings.rateLimitBurst,
      requireUsagePlanKey: settings.requireUsagePlanKey,
      corsOrigins: settings.corsOrigins,
      tracing: settings.tracing,
      wafRateLimitPer5Min: settings.wafRateLimitPer5Min,
    });
    const { api, usagePlan, webAcl } = sessionApi;
    if (webAcl) new WebAclLogging(this, "WebAclLogging", { webAcl });

    const failedRuns = new Map<string, ScheduledRunFailures>();
    for (const [name, definition] of Object.entries(definitions)) {
      const fn = functions.get(name);
      if (!definition.schedule || !fn) continue;
      const failures = new ScheduledRunFailures(this, `${constructId(name)}FailedRuns`, { fn });
      failedRuns.set(name, failures);
      new Rule(this, `${constructId(name)}Schedule`, {
        description: definition.description,
        schedule: Schedule.expression(definition.schedule),
        // A missed run is covered by the next one.
        targets: [new LambdaFunction(fn, { retryAttempts: 0, deadLetterQueue: failures.queue })],
      });
    }
    const expire = functions.get(EXPIRE_FUNCTION);
    const stream = new PushStream(this, "Stream", { functions, table: storage.table });

    new Monitoring(this, "Monitoring", {
      api,
      expireFunction: expire,
      expireFailedRuns: failedRuns.get(EXPIRE_FUNCTION)?.queue,
      alarmEmail: settings.alarmEmail,
      pushStream: stream,
    });

    new ServiceDashboard(this, "Dashboard", { api, functions, pushStream: stream });

    new CfnOutput(this, "ApiUrl", { value: api.url, description: "Base URL, stage included." });
    new CfnOutput(this, "StreamUrl", {
      value: stream.stage.url,
      description:
        "The push stream's WebSocket URL (open it with a ticket from POST /stream-tickets).",
    });
    new CfnOutput(this, "TableName", { value: storage.table.tableName });
    new CfnOutput(this, "BucketName", { value: storage.bucket.bucketName });
    new CfnOutput(this, "UsagePlanId", {
      value: usagePlan.usagePlanId,
      description: "Set as USAGE_PLAN_ID when running `npm run keys` against AWS.",
    });
  }
}
