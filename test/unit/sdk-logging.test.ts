/**
 * The service's SDK clients go without the SDK's logger middleware, which
 * copies and filters every call's input and output for a logger that
 * discards them. A fresh client has it, so a rename in the SDK (which would
 * make the removal a silent no-op) fails here.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it, vi } from "vitest";

const LOGGER = "loggerMiddleware";

beforeAll(() => {
  vi.stubEnv("TABLE_NAME", "sdk-logging-table");
  vi.stubEnv("BUCKET_NAME", "sdk-logging-bucket");
  vi.stubEnv("AWS_REGION", "us-east-1");
  vi.stubEnv("STREAM_CONNECTIONS_ENDPOINT", "http://127.0.0.1:9/");
});

describe("SDK clients", () => {
  it("come with the logger middleware from the SDK", () => {
    expect(new DynamoDBClient({ region: "us-east-1" }).middlewareStack.identify()).toContainEqual(
      expect.stringContaining(LOGGER),
    );
  });

  it("lose it in the table's client and the S3 client", async () => {
    const { dynamo } = await import("#shared/storage/clients.ts");
    const { s3 } = await import("#shared/storage/s3-client.ts");
    for (const client of [dynamo().client, s3()]) {
      const names = client.middlewareStack.identify();
      expect(names.length).toBeGreaterThan(5);
      expect(names.filter((name) => name.includes(LOGGER))).toEqual([]);
    }
  });
});
