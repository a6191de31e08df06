/**
 * One Lambda function of the service, bundled from `functions/<name>/handler.ts`
 * with the defaults every function shares: Node.js 22 on ARM64, minified ESM
 * with source maps, X-Ray tracing and its own log group with a retention.
 */
import { join, posix } from "node:path";
import { Duration } from "aws-cdk-lib";
import { Architecture, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import {
  type ICommandHooks,
  LogLevel,
  NodejsFunction,
  OutputFormat,
} from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { DEFAULT_TIMEOUT_SECONDS, type FunctionDefinition } from "#infra/routes.ts";
import {
  DEFAULT_AWS_REQUEST_TIMEOUT_MS,
  RESPONSE_MARGIN_MS,
  SDK_MAX_ATTEMPTS,
} from "#shared/config.ts";

export const DEFAULT_MEMORY_MIB = 512;

/**
 * ESM output still meets CommonJS dependencies that call `require` for Node
 * built-ins; this gives them one.
 */
const REQUIRE_BANNER =
  "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);";

export interface ServiceFunctionProps {
  /** Folder name under `functions/`. */
  name: string;
  definition: FunctionDefinition;
  /** Repository root: holds `functions/`, `package.json` and `package-lock.json`. */
  projectRoot: string;
  environment: Record<string, string>;
}

/**
 * Files a function reads beside its module at run time (`new URL(file,
 * import.meta.url)`), copied to the same place relative to the bundle.
 */
function copyAssets(name: string, assets: readonly string[]): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) =>
      assets.flatMap((asset) => [
        `mkdir -p "${posix.join(outputDir, posix.dirname(asset))}"`,
        `cp "${posix.join(inputDir, "functions", name, asset)}" "${posix.join(outputDir, asset)}"`,
      ]),
  };
}

export class ServiceFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
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
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH });
    super(scope, id, {
      description: props.definition.description,
      entry: join(props.projectRoot, "functions", props.name, "handler.ts"),
      handler: "handler",
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, "package-lock.json"),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.definition.memoryMiB ?? DEFAULT_MEMORY_MIB,
      timeout: Duration.seconds(timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: { NODE_OPTIONS: "--enable-source-maps", ...props.environment },
      bundling: {
        forceDockerBundling: false,
        logLevel: LogLevel.WARNING,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        format: OutputFormat.ESM,
        target: "node22",
        mainFields: ["module", "main"],
        banner: REQUIRE_BANNER,
        // The SDK is bundled at the versions package.json pins rather than
        // taken from whatever the runtime ships.
        externalModules: [],
        ...(props.definition.assets?.length
          ? { commandHooks: copyAssets(props.name, props.definition.assets) }
          : {}),
      },
    });
  }
}
