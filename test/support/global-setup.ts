/**
 * Starts the local stack exactly as `npm start` does (DynamoDB Local in
 * memory, the S3 emulator in a temporary folder) as a child process, and
 * hands its base URL, data dir and dev admin key to the test files.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startStackProcess, stopStackProcess } from "./stack-process.ts";

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
  const stack = await startStackProcess(dataDir, {
    DYNAMODB_IN_MEMORY: "true",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "CRITICAL",
  });
  child = stack.child;
  const baseUrl = stack.baseUrl;
  project.provide("baseUrl", baseUrl);
  project.provide("dataDir", dataDir);
  project.provide("adminKey", readFileSync(join(dataDir, "dev-api-key"), "utf8").trim());
}

export async function teardown(): Promise<void> {
  await stopStackProcess(child);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
