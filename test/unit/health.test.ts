/**
 * /health is public, so an instance must not turn every request into storage
 * calls. A real HTTP server stands in for DynamoDB and S3 (through
 * AWS_ENDPOINT_URL) and counts the calls the checks make.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetConfig } from "#shared/config.ts";

let server: Server;
let calls = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    calls += 1;
    request.resume();
    if (request.headers["x-amz-target"] === "DynamoDB_20120810.DescribeTable") {
      response.writeHead(200, { "Content-Type": "application/x-amz-json-1.0" });
      response.end(JSON.stringify({ Table: { TableName: "health-table" } }));
      return;
    }
    response.writeHead(200);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    S3_FORCE_PATH_STYLE: "true",
    TABLE_NAME: "health-table",
    BUCKET_NAME: "health-bucket",
  });
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("checkHealth", () => {
  it("answers a burst of checks, concurrent and in a row, with one call per dependency", async () => {
    process.env.HEALTH_CACHE_MS = "60000";
    resetConfig();
    const { checkHealth } = await import("#shared/usecases/health.ts");
    calls = 0;
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => checkHealth()));
    const later = await checkHealth();
    expect(concurrent.every((report) => report.status === "healthy")).toBe(true);
    expect(later).toBe(concurrent[0]);
    expect(calls).toBe(2);
  });

  it("checks again every time when HEALTH_CACHE_MS is 0", async () => {
    process.env.HEALTH_CACHE_MS = "0";
    resetConfig();
    const { checkHealth } = await import("#shared/usecases/health.ts");
    calls = 0;
    const first = await checkHealth();
    const second = await checkHealth();
    expect(second).not.toBe(first);
    expect(calls).toBe(4);
  });
});
