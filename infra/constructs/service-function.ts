/**
 * One Lambda function of the service, bundled from `functions/<name>/handler.ts`
 * with the defaults every function shares: the newest Node.js runtime on ARM64,
 * minified ESM (the settings in infra/bundling.ts) with source maps, X-Ray
 * tracing and its own log group with a retention.
 */
import { join, posix } from "node:path";
import { Duration } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { LogLevel, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { BUNDLE_DATA, BUNDLE_SETTINGS, bundleAliases } from "#infra/bundling.ts";
import {
  DEFAULT_AWS_REQUEST_TIMEOUT_MS,
  RESPONSE_MARGIN_MS,
  SDK_MAX_ATTEMPTS,
} from "#shared/config.ts";
import { DEFAULT_TIMEOUT_SECONDS, type FunctionDefinition } from "#shared/contract/routes.ts";
import { acknowledgeFinding } from "./acknowledge.ts";

export const DEFAULT_MEMORY_MIB = 512;

export interface ServiceFunctionProps {
  /** Folder name under `functions/`. */
  name: string;
  definition: FunctionDefinition;
  /** Repository root: holds `functions/`, `package.json` and `package-lock.json`. */
  projectRoot: string;
  environment: Record<string, string>;
  /** X-Ray active tracing. */
  tracing: boolean;
  /** Bundle the AWS SDK rather than take the runtime's. */
  bundleAwsSdk: boolean;
}

export class ServiceFunction extends NodejsFunction {
  /** The function's own execution role. */
  readonly serviceRole: Role;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH });
    const timeoutSeconds = props.definition.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    const attemptMs = Number(
      props.environment.AWS_REQUEST_TIMEOUT_MS ?? DEFAULT_AWS_REQUEST_TIMEOUT_MS,
    );
    const needed = attemptMs * SDK_MAX_ATTEMPTS + RESPONSE_MARGIN_MS;
    if (needed >= timeoutSeconds * 1000) {
      throw new Error(
        `Function ${props.name}: a timeout of ${timeoutSeconds} s is not above its storage budget and answer margin (${needed} ms); raise timeoutSeconds or lower AWS_REQUEST_TIMEOUT_MS.`,
      );
    }
    // Its own role rather than the managed basic execution policy, which may
    // write to every log group of the account: this one writes only its own.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Session Trail function ${props.name}`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      description: props.definition.description,
      entry: join(props.projectRoot, "functions", props.name, "handler.ts"),
      handler: "handler",
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, "package-lock.json"),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.definition.memoryMiB ?? DEFAULT_MEMORY_MIB,
      // A scheduled job runs one invocation at a time, so two runs never overlap.
      reservedConcurrentExecutions: props.definition.schedule ? 1 : undefined,
      timeout: Duration.seconds(timeoutSeconds),
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      logGroup,
      environment: { NODE_OPTIONS: "--enable-source-maps", ...props.environment },
      bundling: {
        forceDockerBundling: false,
        logLevel: LogLevel.WARNING,
        minify: BUNDLE_SETTINGS.minify,
        sourceMap: true,
        sourcesContent: false,
        format: OutputFormat.ESM,
        target: BUNDLE_SETTINGS.target,
        mainFields: [...BUNDLE_SETTINGS.mainFields],
        banner: BUNDLE_SETTINGS.banner,
        externalModules: props.bundleAwsSdk ? [] : [...BUNDLE_SETTINGS.external],
        esbuildArgs: Object.fromEntries(
          Object.entries(bundleAliases(props.projectRoot, { bundleSdk: props.bundleAwsSdk })).map(
            ([name, path]) => [`--alias:${name}`, path],
          ),
        ),
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) => [
            ...(BUNDLE_DATA[props.name]?.length
              ? [
                  `cd ${shellQuote(inputDir)} && npx tsx infra/cli/bundle-data.ts ${shellQuote(props.name)} ${shellQuote(outputDir)}`,
                ]
              : []),
            // Files a function reads beside its module at run time
            // (`new URL(file, import.meta.url)`), copied to the same place.
            ...(props.definition.assets ?? []).flatMap((asset) => [
              `mkdir -p ${shellQuote(posix.join(outputDir, posix.dirname(asset)))}`,
              `cp ${shellQuote(posix.join(inputDir, "functions", props.name, asset))} ${shellQuote(posix.join(outputDir, asset))}`,
            ]),
          ],
        },
      },
    });
    this.serviceRole = role;
    if (props.tracing) {
      acknowledgeFinding(
        role,
        "AwsSolutions-IAM5[Resource::*]",
        "xray:PutTraceSegments and xray:PutTelemetryRecords, which active tracing adds, take no resource but *.",
      );
    }
  }
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
