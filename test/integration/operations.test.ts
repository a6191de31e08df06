import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../support/api.ts";
import { startStackProcess, stopStackProcess } from "../support/stack-process.ts";

/** A second local stack, as `npm start` runs it, with a tight per-key rate limit. */
let child: ChildProcess | undefined;
let dataDir: string;
let baseUrl: string;
let key: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "session-trail-ops-"));
  const stack = await startStackProcess(dataDir, {
    DYNAMODB_IN_MEMORY: "true",
    RATE_LIMIT_RPS: "2",
    RATE_LIMIT_BURST: "3",
  });
  child = stack.child;
  baseUrl = stack.baseUrl;
  key = readFileSync(join(dataDir, "dev-api-key"), "utf8").trim();
});

afterAll(async () => {
  await stopStackProcess(child);
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the per-key rate limit", () => {
  it("answers 429 RATE_LIMITED with Retry-After past the burst, per key", async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(`${baseUrl}/sessions`, { headers: { "X-API-Key": key } }),
      ),
    );
    const limited = answers.filter((answer) => answer.status === 429);
    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(3);
    expect(limited.length).toBeGreaterThanOrEqual(5);
    const first = limited[0];
    expect(Number(first?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await first?.json()).toEqual({
      error_code: "RATE_LIMITED",
      message: expect.any(String),
      details: {},
    });
    // Public routes are not throttled per key.
    expect((await fetch(`${baseUrl}/health`)).status).toBe(200);
  });
});

describe("health", () => {
  it("answers 503 naming the failing dependency, and nothing about it, when S3 is down", async () => {
    const pids: unknown = JSON.parse(readFileSync(join(dataDir, "local-stack.pids"), "utf8"));
    expect(Array.isArray(pids)).toBe(true);
    for (const pid of pids as number[]) {
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (commandLine.includes("s3rver")) process.kill(pid, "SIGKILL");
    }
    await expect
      .poll(async () => (await fetch(`${baseUrl}/health`)).status, {
        timeout: 10_000,
        interval: 200,
      })
      .toBe(503);
    const answer = await fetch(`${baseUrl}/health`);
    const text = await answer.text();
    const body = JSON.parse(text) as {
      status: string;
      failing: string[];
      checks: Record<string, { status: string }>;
    };
    expect(body.status).toBe("unhealthy");
    expect(body.failing).toEqual(["s3"]);
    expect(body.checks.dynamodb?.status).toBe("ok");
    expect(text).not.toMatch(/session-trail-local|127\.0\.0\.1|ECONNREFUSED|arn:|\/tmp/);
  });
});

describe("CORS", () => {
  it("answers preflights and marks answers for an allowed origin", async () => {
    const preflight = await api("OPTIONS", "/sessions", {
      headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(/X-API-Key/i);
    // Origin is a header no route declares, so the typed client does not send it.
    const health = await api("GET", "/health", { headers: { Origin: "https://app.example" } });
    expect(health.headers.get("access-control-allow-origin")).toBe("*");
  });
});
