/**
 * The whole local stack in one call: DynamoDB Local, the S3 emulator, the
 * table and bucket, and the gateway serving the route table. `npm start` and
 * the test setup both use it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as z from "zod";
import { ensureTable, startDynamoDbLocal } from "./dynamodb-local.ts";
import { LocalGateway } from "./gateway.ts";
import { clearStaleChildren, recordChildren, stopAll } from "./processes.ts";
import { startS3Emulator } from "./s3-emulator.ts";

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const LOCAL_TABLE = "session-trail-local";
export const LOCAL_BUCKET = "session-trail-local";
export const ENDPOINTS_FILE = "local-stack.json";
export const DEV_KEY_FILE = "dev-api-key";

/** What `npm start` writes to the data dir so `npm run keys` and `expire` can find it. */
export const LocalEndpoints = z.object({
  baseUrl: z.string(),
  dynamodbEndpoint: z.string(),
  s3Endpoint: z.string(),
  tableName: z.string(),
  bucketName: z.string(),
  region: z.string(),
});
export type LocalEndpoints = z.infer<typeof LocalEndpoints>;

export interface LocalStackOptions {
  dataDir: string;
  port: number;
  /** Keep DynamoDB in memory (tests) instead of under the data dir. */
  inMemory: boolean;
  rateLimit: { rps: number; burst: number };
  corsOrigins: string[];
  authorizerCacheSeconds: number;
}

export interface LocalStack {
  endpoints: LocalEndpoints;
  gateway: LocalGateway;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Points this process's SDK clients (the handlers') at the local services. */
export function useLocalServices(endpoints: LocalEndpoints): void {
  // Local runs are on Node 20; the deployed functions run on Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamodbEndpoint;
  process.env.AWS_ENDPOINT_URL_S3 = endpoints.s3Endpoint;
  process.env.AWS_REGION = endpoints.region;
  // The S3 emulator accepts only these credentials; DynamoDB Local (shared db) accepts any.
  process.env.AWS_ACCESS_KEY_ID = "S3RVER";
  process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  process.env.TABLE_NAME = endpoints.tableName;
  process.env.BUCKET_NAME = endpoints.bucketName;
  process.env.S3_FORCE_PATH_STYLE = "true";
}

export function readEndpoints(dataDir: string): LocalEndpoints {
  const file = join(dataDir, ENDPOINTS_FILE);
  if (!existsSync(file)) {
    throw new Error(`No running local stack found (${file} is missing): run \`npm start\` first.`);
  }
  return LocalEndpoints.parse(JSON.parse(readFileSync(file, "utf8")));
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  // Local runs are on Node 20; the deployed functions run on Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  mkdirSync(options.dataDir, { recursive: true });
  const pidFile = join(options.dataDir, "local-stack.pids");
  clearStaleChildren(pidFile);
  try {
    const dynamo = await startDynamoDbLocal({
      port: await freePort(),
      dbPath: options.inMemory ? undefined : join(options.dataDir, "dynamodb"),
    });
    const s3 = await startS3Emulator({
      directory: join(options.dataDir, "s3"),
      bucket: LOCAL_BUCKET,
    });
    recordChildren(pidFile);
    await ensureTable(dynamo.endpoint, LOCAL_TABLE);
    const partial = {
      dynamodbEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      tableName: LOCAL_TABLE,
      bucketName: LOCAL_BUCKET,
      region: "us-east-1",
    };
    useLocalServices({ ...partial, baseUrl: "" });
    process.env.CORS_ALLOWED_ORIGINS = options.corsOrigins.join(",");
    const gateway = new LocalGateway({
      port: options.port,
      functionsDir: join(PROJECT_ROOT, "functions"),
      rateLimit: options.rateLimit,
      authorizerCacheSeconds: options.authorizerCacheSeconds,
      corsOrigins: options.corsOrigins,
    });
    const baseUrl = await gateway.listen();
    const endpoints: LocalEndpoints = { ...partial, baseUrl };
    writeFileSync(join(options.dataDir, ENDPOINTS_FILE), JSON.stringify(endpoints, null, 2));
    let stopped = false;
    return {
      endpoints,
      gateway,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await gateway.close();
        await stopAll();
        rmSync(join(options.dataDir, ENDPOINTS_FILE), { force: true });
        rmSync(pidFile, { force: true });
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
