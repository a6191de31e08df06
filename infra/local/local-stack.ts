/**
 * The whole local stack in one call: DynamoDB Local, the S3 emulator, the
 * table and bucket, and the gateway serving the route table. `npm start` and
 * the test setup both use it.
 */
import { mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { resetConfig } from "#shared/config.ts";
import type { FunctionName } from "#shared/contract/functions.ts";
import { writeViewerDataForSource } from "../bundling.ts";
import {
  adoptSharedDatabase,
  ensureLocalCredentials,
  type LocalCredentials,
} from "./credentials.ts";
import { ensureCursorSecret } from "./cursor-secret.ts";
import { ensureTable, LOCAL_REGION, startDynamoDbLocal } from "./dynamodb-local.ts";
import { ENDPOINTS_FILE, type LocalEndpoints, writeEndpoints } from "./endpoints.ts";
import { LocalGateway } from "./gateway/server.ts";
import { clearStaleChildren, recordChildren, stopAll } from "./processes.ts";
import { type LocalPushStream, startPushStream } from "./push-stream.ts";
import { startS3Emulator } from "./s3-emulator.ts";
import { Supervisor } from "./supervisor.ts";

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const LOCAL_TABLE = "session-trail-local";
export const LOCAL_BUCKET = "session-trail-local";

export {
  DEV_KEY_FILE,
  ENDPOINTS_FILE,
  LocalEndpoints,
  readEndpoints,
} from "./endpoints.ts";
export interface LocalStackOptions {
  dataDir: string;
  port: number;
  /** Keep DynamoDB in memory (tests) instead of under the data dir. */
  inMemory: boolean;
  rateLimit: { rps: number; burst: number };
  corsOrigins: string[];
  authorizerCacheSeconds: number;
  /**
   * Called when a child that exited cannot be started again; the caller
   * stops the stack. Without it the message is printed and the stack keeps
   * answering 503.
   */
  onChildLost?: (message: string) => void;
  /**
   * false: no push stream (no WebSocket, no stream poller, no fan-out). For
   * suites that count one request's SDK calls: on AWS the fan-out is its own
   * function, here it would share the process's clients. Default true.
   */
  pushStream?: boolean;
  /** Runs after DynamoDB Local was restarted and its table ensured (an in-memory one starts empty). */
  afterDynamoRestart?: () => Promise<void>;
}

/** How a dead child is brought back: 5 tries, 0.25 s doubling to 4 s between them. */
export const CHILD_RESTART_POLICY = {
  maxRestarts: 5,
  initialBackoffMs: 250,
  maxBackoffMs: 4000,
  windowMs: 60_000,
} as const;

export interface LocalStack {
  endpoints: LocalEndpoints;
  gateway: LocalGateway;
  supervisor: Supervisor;
  /** The WebSocket stream, its `@connections` endpoint and the stream poller (unless turned off). */
  stream: LocalPushStream | undefined;
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
  // Local runs are on Node 20; the deployed functions run on Node 24.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamodbEndpoint;
  process.env.AWS_ENDPOINT_URL_S3 = endpoints.s3Endpoint;
  process.env.AWS_REGION = endpoints.region;
  // The data dir's key: its DynamoDB Local database and the only key the S3 emulator knows.
  process.env.AWS_ACCESS_KEY_ID = endpoints.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = endpoints.credentials.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  process.env.TABLE_NAME = endpoints.tableName;
  process.env.BUCKET_NAME = endpoints.bucketName;
  process.env.S3_FORCE_PATH_STYLE = "true";
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  // Local runs are on Node 20; the deployed functions run on Node 24.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  mkdirSync(options.dataDir, { recursive: true });
  process.env.CURSOR_SECRET ||= ensureCursorSecret(options.dataDir);
  const pidFile = join(options.dataDir, "local-stack.pids");
  await clearStaleChildren(pidFile);
  const supervisor = watchChildren(options, pidFile);
  try {
    const { dynamo, s3, credentials } = await startChildren(options, supervisor, pidFile);
    const partial = {
      dynamodbEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      tableName: LOCAL_TABLE,
      bucketName: LOCAL_BUCKET,
      region: LOCAL_REGION,
      credentials,
    };
    useLocalServices({ ...partial, baseUrl: "" });
    process.env.CORS_ALLOWED_ORIGINS = options.corsOrigins.join(",");
    // The viewer's page inlines its built script, as the deployed bundle carries it.
    await writeViewerDataForSource(PROJECT_ROOT);
    const { gateway, stream, baseUrl } = await startFrontDoor(options, partial, supervisor);
    const endpoints: LocalEndpoints = { ...partial, baseUrl };
    writeEndpoints(options.dataDir, endpoints);
    let stopped = false;
    return {
      endpoints,
      gateway,
      supervisor,
      stream,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        supervisor.stop();
        await stream?.stop();
        await gateway.close();
        await stopAll();
        rmSync(join(options.dataDir, ENDPOINTS_FILE), { force: true });
        rmSync(pidFile, { force: true });
      },
    };
  } catch (error) {
    supervisor.stop();
    await stopAll();
    throw error;
  }
}

/** Restarts a child that dies, keeps the pid file current, and gives up as configured. */
function watchChildren(options: LocalStackOptions, pidFile: string): Supervisor {
  return new Supervisor({
    ...CHILD_RESTART_POLICY,
    log: (line) => console.error(line),
    onGiveUp: (message) => {
      console.error(message);
      options.onChildLost?.(message);
    },
    onRestarted: () => recordChildren(pidFile),
  });
}

/**
 * The gateway and the push stream on its port (the stream's functions are
 * the gateway's, loaded once); tickets point at the gateway's address.
 */
async function startFrontDoor(
  options: LocalStackOptions,
  services: { dynamodbEndpoint: string; region: string; tableName: string },
  supervisor: Supervisor,
): Promise<{ gateway: LocalGateway; stream: LocalPushStream | undefined; baseUrl: string }> {
  const stream: LocalPushStream | undefined =
    options.pushStream === false
      ? undefined
      : await startPushStream({
          ...services,
          loadHandler: <T>(name: FunctionName): Promise<T> => gateway.loadHandler<T>(name),
          supervisor,
        });
  const gateway = new LocalGateway({
    ...(stream ? { onUpgrade: stream.server.onUpgrade, onWrite: () => stream.poller.nudge() } : {}),
    port: options.port,
    functionsDir: join(PROJECT_ROOT, "functions"),
    rateLimit: options.rateLimit,
    authorizerCacheSeconds: options.authorizerCacheSeconds,
    corsOrigins: options.corsOrigins,
    downDependencies: () => supervisor.down(),
  });
  const baseUrl = await gateway.listen();
  process.env.STREAM_URL = `${baseUrl.replace(/^http/, "ws")}/stream`;
  resetConfig();
  return { gateway, stream, baseUrl };
}

/**
 * DynamoDB Local (with its table) and the S3 emulator, each watched by the
 * supervisor so a child that exits is started again on the same port.
 */
async function startChildren(
  options: LocalStackOptions,
  supervisor: Supervisor,
  pidFile: string,
): Promise<{
  dynamo: { endpoint: string };
  s3: { endpoint: string };
  credentials: LocalCredentials;
}> {
  const credentials = ensureLocalCredentials(options.dataDir);
  // Fixed ports and the same data dir on every (re)start: the endpoints the
  // handlers' clients and presigned URLs hold stay valid across a restart.
  const dynamoOptions = {
    port: await freePort(),
    dbPath: options.inMemory ? undefined : join(options.dataDir, "dynamodb"),
    credentials,
  };
  if (dynamoOptions.dbPath) adoptSharedDatabase(dynamoOptions.dbPath, credentials, LOCAL_REGION);
  const s3Options = {
    directory: join(options.dataDir, "s3"),
    bucket: LOCAL_BUCKET,
    port: await freePort(),
    credentials,
  };
  const dynamo = await startDynamoDbLocal(dynamoOptions);
  const s3 = await startS3Emulator(s3Options);
  recordChildren(pidFile);
  await ensureTable(dynamo.endpoint, LOCAL_TABLE, credentials);
  supervisor.watch(
    {
      label: "DynamoDB Local",
      dependency: "dynamodb",
      start: async () => (await startDynamoDbLocal(dynamoOptions)).child,
      afterRestart: async () => {
        await ensureTable(dynamo.endpoint, LOCAL_TABLE, credentials);
        await options.afterDynamoRestart?.();
      },
    },
    dynamo.child,
  );
  supervisor.watch(
    {
      label: "S3 emulator",
      dependency: "s3",
      start: async () => (await startS3Emulator(s3Options)).child,
    },
    s3.child,
  );
  return { dynamo, s3, credentials };
}
