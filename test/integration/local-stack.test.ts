import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient, ListTablesCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, inject, it } from "vitest";
import { CREDENTIALS_FILE } from "#infra/local/credentials.ts";
import { readEndpoints } from "#infra/local/endpoints.ts";
import { startStackProcess } from "../support/stack-process.ts";

describe("npm start", () => {
  it("exits non-zero with one line naming what to install when Java is missing", async () => {
    const bin = mkdtempSync(join(tmpdir(), "no-java-"));
    symlinkSync(process.execPath, join(bin, "node"));
    try {
      const child = spawn(join(bin, "node"), ["--import", "tsx", "infra/local/start.ts"], {
        env: { PATH: bin, PORT: "0", DATA_DIR: join(bin, "data") },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(code).toBe(1);
      const lines = stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/Java 17 or newer is required.*install/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it.each([
    [
      "PORT",
      "abc",
      /^Invalid configuration: PORT: "abc" is not a number; set it to a whole number from 0 to 65535\.$/,
    ],
    [
      "RATE_LIMIT_BURST",
      "1.5",
      /^Invalid configuration: RATE_LIMIT_BURST: "1\.5" is not a whole number; set it to a whole number of at least 0\.$/,
    ],
    [
      "DYNAMODB_IN_MEMORY",
      "yes",
      /^Invalid configuration: DYNAMODB_IN_MEMORY: "yes" is not an accepted value; set it to one of 0, 1, true, false\.$/,
    ],
    [
      "RETENTION_DAYS",
      "0",
      /^Invalid configuration: RETENTION_DAYS: "0" is too small; set it to a whole number from 1 to 3650\.$/,
    ],
  ])("stops with exit 1 and one line when %s=%s", async (name, value, line) => {
    const { code, stderr } = await run(["--import", "tsx", "infra/local/start.ts"], {
      [name]: value,
    });
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr.trim()).toMatch(line);
  });
});

describe("stopping npm start by its pid", () => {
  it("SIGTERM to the npm process stops every child and frees the port; a second start names the holder", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "stop-by-pid-"));
    const npm = await startStackProcess(dataDir, { DYNAMODB_IN_MEMORY: "true" }, 120_000, [
      "npm",
      ["start"],
    ]);
    try {
      const owner = JSON.parse(readFileSync(join(dataDir, "local-stack.owner"), "utf8")) as {
        pid: number;
      };
      const children = JSON.parse(
        readFileSync(join(dataDir, "local-stack.pids"), "utf8"),
      ) as number[];
      const stack = [owner.pid, ...children];
      expect(children.length).toBe(2);
      expect(stack.every(alive)).toBe(true);
      const port = Number(new URL(npm.baseUrl).port);

      const second = await run(["--import", "tsx", "infra/local/start.ts"], { DATA_DIR: dataDir });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`in use by another local stack`);
      expect(second.stderr).toContain(`pid ${owner.pid}: `);
      expect(second.stderr).toMatch(/pid \d+: DynamoDB Local/);
      expect(stack.every(alive)).toBe(true);

      npm.child.kill("SIGTERM");
      await npm.exited;
      // The stack gives its children 3 s before SIGKILL; a loaded machine needs more to reap them.
      await expect.poll(() => stack.filter(alive), { timeout: 30_000 }).toEqual([]);
      await expect(portFree(port)).resolves.toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** Local addresses of the listening TCP sockets on `port`, as `ss -ltn` shows them (Linux). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  return ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((table) =>
    readFileSync(table, "utf8")
      .split("\n")
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      // State 0A is LISTEN.
      .filter((fields) => fields[3] === "0A" && fields[1]?.endsWith(`:${hexPort}`))
      .map((fields) => fields[1]?.split(":")[0] ?? ""),
  );
}

/** 127.0.0.1 as /proc/net/tcp spells it, plain and IPv4-mapped in tcp6. */
const LOOPBACK = ["0100007F", "0000000000000000FFFF00000100007F"];

describe("the local stack's storage emulators", () => {
  const stranger = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "guessed" };

  it("listen on 127.0.0.1 only", () => {
    const endpoints = readEndpoints(inject("dataDir"));
    for (const endpoint of [endpoints.dynamodbEndpoint, endpoints.s3Endpoint]) {
      const addresses = listeningAddresses(Number(new URL(endpoint).port));
      expect(addresses.length, endpoint).toBeGreaterThan(0);
      for (const address of addresses) expect(LOOPBACK, endpoint).toContain(address);
    }
  });

  it.each([
    ["a guessed key id", stranger],
    ["the key id any client used to work with", { accessKeyId: "local", secretAccessKey: "local" }],
    ["the S3 emulator's built-in key id", { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }],
  ])("show DynamoDB Local's callers with %s no table and no item", async (_, credentials) => {
    const endpoints = readEndpoints(inject("dataDir"));
    const outsider = new DynamoDBClient({
      endpoint: endpoints.dynamodbEndpoint,
      region: endpoints.region,
      credentials,
    });
    const owner = new DynamoDBClient({
      endpoint: endpoints.dynamodbEndpoint,
      region: endpoints.region,
      credentials: endpoints.credentials,
    });
    try {
      // The stack's own key sees the table and the dev key's item: the check below is not vacuous.
      const own = await owner.send(new ScanCommand({ TableName: endpoints.tableName, Limit: 5 }));
      expect(own.Count).toBeGreaterThan(0);
      expect((await outsider.send(new ListTablesCommand({}))).TableNames).toEqual([]);
      await expect(
        outsider.send(new ScanCommand({ TableName: endpoints.tableName })),
      ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    } finally {
      outsider.destroy();
      owner.destroy();
    }
  });

  it("refuse S3 requests signed with a key id other than the data dir's", async () => {
    const endpoints = readEndpoints(inject("dataDir"));
    const client = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
      new S3Client({
        endpoint: endpoints.s3Endpoint,
        region: endpoints.region,
        forcePathStyle: true,
        credentials,
      });
    const outsider = client({ accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
    const owner = client(endpoints.credentials);
    try {
      const listing = new ListObjectsV2Command({ Bucket: endpoints.bucketName, MaxKeys: 1 });
      await expect(owner.send(listing)).resolves.toMatchObject({
        $metadata: { httpStatusCode: 200 },
      });
      await expect(outsider.send(listing)).rejects.toMatchObject({ name: "InvalidAccessKeyId" });
    } finally {
      outsider.destroy();
      owner.destroy();
    }
  });

  it("keep the data dir's credentials readable by their owner only", () => {
    const mode = statSync(join(inject("dataDir"), CREDENTIALS_FILE)).mode & 0o777;
    expect(mode.toString(8)).toBe("600");
  });
});

describe("the command-line tools", () => {
  it("name the missing argument and print the usage, one command a line, before looking for a stack", async () => {
    const { code, stderr } = await run(["--import", "tsx", "infra/cli/keys.ts", "list"], {});
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^keys: list needs --tenant T\.\nusage: npm run keys -- create .*\n {7}npm run keys -- list --tenant T\n {7}npm run keys -- revoke --key-id ID\n$/,
    );
  });

  it("stop with exit 1 and one line on a bad setting", async () => {
    const { code, stderr } = await run(
      ["--import", "tsx", "infra/cli/keys.ts", "list", "--tenant", "dev"],
      // No data dir: the tools act on AWS, where the setting is read first.
      { TABLE_NAME: "session-trail", DATA_DIR: "", AWS_REQUEST_TIMEOUT_MS: "soon" },
    );
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr.trim()).toBe(
      'keys: Invalid configuration: AWS_REQUEST_TIMEOUT_MS: "soon" is not a number; set it to a whole number from 100 to 60000.',
    );
  });
});

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), "bad-setting-"));
  try {
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? "", PORT: "0", DATA_DIR: dataDir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    return { code, stderr };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
