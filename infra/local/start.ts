/**
 * `npm start`: the local stack on this machine, no Docker. Prints the base
 * URL when ready and keeps an admin key for tenant `dev` in
 * `$DATA_DIR/dev-api-key`. SIGINT, SIGTERM or SIGHUP stops every child
 * process, and so does the death of the process that started it (see
 * lifeline.ts). A child that exits is restarted on the same data dir; one
 * that cannot be brought back stops the whole stack with exit code 1.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as z from "zod";
import { ConfigError, parseSettings } from "#shared/config.ts";
import { authenticate, createApiKey } from "#shared/usecases/api-keys.ts";
import { claimDataDir, DataDirBusyError, releaseDataDir } from "./data-dir-owner.ts";
import { JavaMissingError } from "./dynamodb-local.ts";
import { watchParent } from "./lifeline.ts";
import { DEV_KEY_FILE, type LocalStack, startLocalStack } from "./local-stack.ts";

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  DATA_DIR: z.string().min(1).default(".data"),
  DYNAMODB_IN_MEMORY: z.enum(["true", "false", "1", "0"]).default("false"),
  RATE_LIMIT_RPS: z.coerce.number().min(0).default(50),
  RATE_LIMIT_BURST: z.coerce.number().int().min(0).default(100),
  CORS_ALLOWED_ORIGINS: z.string().default("*"),
  AUTHORIZER_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(0),
  /** How often the expiry job runs, as the deployed schedule does every minute; 0 turns it off. */
  EXPIRY_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
});

async function ensureDevKey(dataDir: string): Promise<string> {
  const file = join(dataDir, DEV_KEY_FILE);
  if (existsSync(file)) {
    const existing = readFileSync(file, "utf8").trim();
    if (await authenticate(existing)) return existing;
  }
  const created = await createApiKey("dev", "admin", "local development key");
  writeFileSync(file, `${created.plainKey}\n`, { mode: 0o600 });
  return created.plainKey;
}

/** Runs the `expire` function on a timer, one run at a time, like its EventBridge schedule. */
function scheduleExpiry(stack: LocalStack, intervalSeconds: number): void {
  type ExpireHandler = (event: unknown, context: unknown) => Promise<unknown>;
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const handler = await stack.gateway.loadHandler<ExpireHandler>("expire");
      const budgetMs = 55_000;
      const started = Date.now();
      await handler(
        { source: "local.timer", "detail-type": "Scheduled Event", detail: {} },
        {
          functionName: "expire",
          awsRequestId: randomUUID(),
          getRemainingTimeInMillis: () => budgetMs - (Date.now() - started),
        },
      );
    } catch (error) {
      console.error(`expiry run failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      running = false;
      stack.stream?.poller.nudge();
    }
  }, intervalSeconds * 1000);
  timer.unref();
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const env = parseSettings(Env, process.env);
  const dataDir = resolve(env.DATA_DIR);
  let stack: LocalStack | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stack?.stop();
    releaseDataDir(dataDir);
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  process.on("SIGHUP", () => void shutdown(0));
  watchParent(() => void shutdown(0));
  process.on("uncaughtException", (error) => {
    console.error(`local stack failed: ${error.message}`);
    void shutdown(1);
  });
  try {
    mkdirSync(dataDir, { recursive: true });
    claimDataDir(dataDir);
    stack = await startLocalStack({
      dataDir,
      port: env.PORT,
      inMemory: env.DYNAMODB_IN_MEMORY === "true" || env.DYNAMODB_IN_MEMORY === "1",
      rateLimit: { rps: env.RATE_LIMIT_RPS, burst: env.RATE_LIMIT_BURST },
      corsOrigins: env.CORS_ALLOWED_ORIGINS.split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
      authorizerCacheSeconds: env.AUTHORIZER_CACHE_SECONDS,
      // A child that cannot be brought back leaves nothing worth serving.
      onChildLost: () => void shutdown(1),
      // An in-memory DynamoDB Local comes back empty: the dev key is made again.
      afterDynamoRestart: async () => {
        await ensureDevKey(dataDir);
      },
    });
  } catch (error) {
    console.error(
      error instanceof JavaMissingError ||
        error instanceof ConfigError ||
        error instanceof DataDirBusyError
        ? error.message
        : `local stack failed to start: ${String(error)}`,
    );
    if (!(error instanceof DataDirBusyError)) releaseDataDir(dataDir);
    process.exit(1);
  }
  await ensureDevKey(dataDir);
  if (env.EXPIRY_INTERVAL_SECONDS > 0) {
    scheduleExpiry(stack, env.EXPIRY_INTERVAL_SECONDS);
  }
  console.log(`Session Trail is ready at ${stack.endpoints.baseUrl}`);
  console.log(`Admin key for tenant "dev": ${join(dataDir, DEV_KEY_FILE)}`);
}

main().catch((error: unknown) => {
  // A bad setting is one line, not a stack trace.
  console.error(error instanceof ConfigError ? error.message : String(error));
  process.exit(1);
});
