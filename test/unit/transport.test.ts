/**
 * The suites' transport resends what a real client resends (an idempotent
 * request whose connection dropped) and names the cause of what it does not.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeTransportError, fetchResending } from "../support/transport.ts";

let server: Server;
let url: string;
const seen: string[] = [];

beforeAll(async () => {
  // Every first request of a method is dropped without an answer; the next is answered.
  server = createServer((request, response) => {
    const method = request.method ?? "";
    const first = !seen.includes(method);
    seen.push(method);
    if (first) request.socket.destroy();
    else response.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/`;
});

afterAll(() => {
  server.close();
});

describe("fetchResending", () => {
  it("sends a GET again when its connection dropped", async () => {
    const answer = await fetchResending(url, { method: "GET", headers: {} });
    await expect(answer.text()).resolves.toBe("ok");
    expect(seen.filter((method) => method === "GET")).toHaveLength(2);
  });

  it("sends a POST once, and says why it failed", async () => {
    const failure = await fetchResending(url, { method: "POST", headers: {}, body: "x" }).catch(
      (error: unknown) => error,
    );
    expect(describeTransportError(failure)).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/: fetch failed \((ECONNRESET|UND_ERR_SOCKET|EPIPE): .+\)$/,
    );
    expect(seen.filter((method) => method === "POST")).toHaveLength(1);
  });

  it("sends a POST with an Idempotency-Key again", async () => {
    const answer = await fetchResending(url, {
      method: "PATCH",
      headers: { "Idempotency-Key": "k-1" },
      body: "x",
    });
    await expect(answer.text()).resolves.toBe("ok");
    expect(seen.filter((method) => method === "PATCH")).toHaveLength(2);
  });
});
