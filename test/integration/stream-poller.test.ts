/**
 * The local stream poller on the test stack's DynamoDB Local: a write's
 * nudge starts a round at once (the pause between idle rounds here is a
 * minute, so only the nudge can deliver in time), and records read while no
 * WebSocket is open are passed over, never handed to the fan-out later.
 */
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { readEndpoints } from "#infra/local/endpoints.ts";
import { StreamPoller } from "#infra/local/stream-poller.ts";
import { appendEventsRoute } from "#shared/contract/routes/events.ts";
import { startSessionRoute } from "#shared/contract/routes/sessions.ts";
import { newKey, uniqueTenant, uniqueUser } from "../support/api.ts";
import { stackClient } from "../support/client.ts";

let key: string;
let poller: StreamPoller | undefined;

beforeAll(async () => {
  key = await newKey(uniqueTenant("poller"), "admin");
});

afterEach(() => {
  poller?.destroy();
  poller = undefined;
});

function startPoller(options: {
  wanted: () => boolean;
  handed: DynamoDBStreamEvent[];
  endpoint?: string;
}) {
  const endpoints = readEndpoints(inject("dataDir"));
  poller = new StreamPoller({
    endpoint: options.endpoint ?? endpoints.dynamodbEndpoint,
    region: endpoints.region,
    tableName: endpoints.tableName,
    log: () => {},
    wanted: options.wanted,
    idleMs: 60_000,
    quietMs: 20,
    deliver: async (event) => {
      options.handed.push(event);
    },
  });
  return poller.start();
}

async function sessionWithEvent(message: string): Promise<string> {
  const started = await stackClient(key).call(startSessionRoute, {
    body: { user_id: uniqueUser("poller"), performer_id: "p" },
  });
  expect(started.status).toBe(201);
  const id = started.body.session.session_id;
  const appended = await stackClient(key).call(appendEventsRoute, {
    params: { id },
    body: { events: [{ event_type: "note", message }] },
  });
  expect(appended.status).toBe(201);
  return id;
}

/** A pass-through to DynamoDB Local that keeps the operation of every request it forwards. */
async function recordingProxy(
  target: string,
): Promise<{ url: string; operations: string[]; server: Server }> {
  const operations: string[] = [];
  const { hostname, port } = new URL(target);
  const server = createServer((incoming, answer) => {
    const operation =
      String(incoming.headers["x-amz-target"] ?? "")
        .split(".")
        .pop() ?? "";
    operations.push(operation);
    const forwarded = httpRequest(
      { hostname, port, path: incoming.url, method: incoming.method, headers: incoming.headers },
      (reply) => {
        answer.writeHead(reply.statusCode ?? 500, reply.headers);
        reply.pipe(answer);
      },
    );
    forwarded.on("error", () => answer.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: listening } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${listening}`, operations, server };
}

/** Whether a record of the session's partition was handed on. */
function wasHanded(handed: DynamoDBStreamEvent[], sessionId: string): boolean {
  return handed.some((event) =>
    event.Records.some((record) => record.dynamodb?.Keys?.pk?.S?.includes(sessionId)),
  );
}

describe("local stream poller", () => {
  it("reads the stream at once when nudged after a write, whatever the idle pause", async () => {
    const handed: DynamoDBStreamEvent[] = [];
    const running = await startPoller({ wanted: () => true, handed });
    const id = await sessionWithEvent("nudged");
    running.nudge();
    await expect.poll(() => wasHanded(handed, id), { timeout: 10_000 }).toBe(true);
  });

  it("passes over what it reads while no WebSocket is open, and hands on what follows", async () => {
    const handed: DynamoDBStreamEvent[] = [];
    let wanted = false;
    const running = await startPoller({ wanted: () => wanted, handed });
    // A round that began after the write and read nothing has read past it.
    let rounds = 0;
    let emptyRoundAt = -1;
    running.on("round", (found: number) => {
      rounds += 1;
      if (found === 0) emptyRoundAt = rounds;
    });
    const unheard = await sessionWithEvent("nobody listening");
    const written = rounds;
    await expect.poll(() => emptyRoundAt > written + 1, { timeout: 10_000 }).toBe(true);
    wanted = true;
    const heard = await sessionWithEvent("someone listening");
    running.nudge();
    await expect.poll(() => wasHanded(handed, heard), { timeout: 10_000 }).toBe(true);
    expect(wasHanded(handed, unheard)).toBe(false);
  });

  it("looks for the stream again without DescribeTable, whose cost grows with the table", async () => {
    const endpoints = readEndpoints(inject("dataDir"));
    const proxy = await recordingProxy(endpoints.dynamodbEndpoint);
    try {
      await startPoller({ wanted: () => false, handed: [], endpoint: proxy.url });
      const count = (operation: string) =>
        proxy.operations.filter((each) => each === operation).length;
      // Two looks after the first (one every two seconds), the second one
      // whole: its ListStreams and the stream's DescribeStream after it.
      const lookedTwiceMore = () => {
        const listings = proxy.operations.flatMap((each, at) =>
          each === "ListStreams" ? [at] : [],
        );
        const second = listings[1];
        return second !== undefined && proxy.operations.slice(second).includes("DescribeStream");
      };
      await expect.poll(lookedTwiceMore, { timeout: 15_000 }).toBe(true);
      expect(count("DescribeTable")).toBe(1);
    } finally {
      poller?.destroy();
      poller = undefined;
      proxy.server.close();
    }
  });
});
