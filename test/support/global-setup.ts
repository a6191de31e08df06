/**
 * Starts the local stack exactly as `npm start` does (DynamoDB Local in
 * memory, the S3 emulator in a temporary folder) as a child process, and
 * hands its base URL, data dir and dev admin key to the test files.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    dataDir: string;
    adminKey: string;
  }
}

let child: ChildProcess | undefined;
let dataDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  dataDir = mkdtempSync(join(tmpdir(), "session-trail-test-"));
  child = spawn(process.execPath, ["--import", "tsx", "infra/local/start.ts"], {
    env: {
      ...process.env,
      PORT: "0",
      DATA_DIR: dataDir,
      DYNAMODB_IN_MEMORY: "true",
      RATE_LIMIT_RPS: "0",
      LOG_LEVEL: process.env.LOG_LEVEL ?? "CRITICAL",
      POWERTOOLS_METRICS_DISABLED: "true",
      EXPIRY_INTERVAL_SECONDS: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => reject(new Error(`local stack did not start:\n${output}`)),
      90_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready at (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child?.stdout?.on("data", onData);
    child?.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child?.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`local stack exited with ${code}:\n${output}`));
    });
  });
  project.provide("baseUrl", baseUrl);
  project.provide("dataDir", dataDir);
  project.provide("adminKey", readFileSync(join(dataDir, "dev-api-key"), "utf8").trim());
}

export async function teardown(): Promise<void> {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
