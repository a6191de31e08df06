/**
 * The typed client against a small local HTTP server: what it sends for a
 * route (method, filled path, query, JSON body, headers) and how it answers
 * (documented statuses returned, others thrown as ApiError with the body's
 * fields, redirects not followed).
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApiError, createClient, fillPath, UNEXPECTED_ANSWER } from "#shared/client/client.ts";
import { ROUTE_INDEX } from "#shared/client/route-index.ts";
import { appendEventsRoute } from "#shared/contract/routes/events.ts";
import { getHealthRoute } from "#shared/contract/routes/service.ts";
import { listSessionsRoute, updateSessionRoute } from "#shared/contract/routes/sessions.ts";
import { getWorkspaceFileRoute } from "#shared/contract/routes/workspaces.ts";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}
interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

const ID = "sess_Qm9vdHN0cmFwU2Vzc2lvbg";
let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let reply: Reply = { status: 200 };

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    seen.push({
      method: request.method ?? "",
      url: request.url ?? "",
      headers: request.headers,
      body: Buffer.concat(chunks).toString("utf8"),
    });
    response.writeHead(reply.status, reply.headers);
    response.end(reply.body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

beforeEach(() => {
  seen = [];
  reply = { status: 200 };
});

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { "Content-Type": "application/json", ...headers },
  body: JSON.stringify(value),
});

describe("the typed client", () => {
  it("sends the route's method, filled path, query, JSON body and headers", async () => {
    let key = "key-1";
    const client = createClient({ baseUrl, headers: () => ({ "X-API-Key": key }) });
    reply = json(200, { session_id: ID, version: 3 }, { ETag: '"3"' });
    key = "key-2";
    const answer = await client.call(updateSessionRoute, {
      params: { id: ID },
      body: { session_notes: "a note" },
      headers: { "If-Match": '"2"' },
    });
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request?.method).toBe("PATCH");
    expect(request?.url).toBe(`/v1/sessions/${ID}`);
    expect(request?.headers["x-api-key"]).toBe("key-2");
    expect(request?.headers["if-match"]).toBe('"2"');
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request?.body ?? "")).toEqual({ session_notes: "a note" });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ session_id: ID, version: 3 });
    expect(answer.headers.get("etag")).toBe('"3"');
  });

  it("writes the query as text, leaves out undefined values and sends no body on a GET", async () => {
    const client = createClient({ baseUrl });
    reply = json(200, { items: [], next_cursor: null });
    await client.call(listSessionsRoute, {
      query: { limit: 5, status: "active", user_id: undefined, label: "env:a b&c" },
    });
    const url = new URL(seen[0]?.url ?? "", "http://x");
    expect(url.pathname).toBe("/v1/sessions");
    expect([...url.searchParams]).toEqual([
      ["limit", "5"],
      ["status", "active"],
      ["label", "env:a b&c"],
    ]);
    expect(seen[0]?.body).toBe("");
    expect(seen[0]?.headers["content-type"]).toBeUndefined();
  });

  it("encodes path parameters, keeping the slashes of a greedy one", async () => {
    expect(fillPath("/sessions/{id}/files/{path+}", { id: "a/b", path: "logs/x y#1.log" })).toBe(
      "/sessions/a%2Fb/files/logs/x%20y%231.log",
    );
    expect(() => fillPath("/sessions/{id}", {})).toThrow(/path parameter id is missing/);
  });

  it("throws an undocumented status as an ApiError with the error body's fields", async () => {
    const client = createClient({ baseUrl });
    reply = json(
      409,
      { error_code: "SESSION_ALREADY_ENDED", message: "ended", details: { status: "ended" } },
      { "Retry-After": "3" },
    );
    const failure = await client
      .call(appendEventsRoute, { params: { id: ID }, body: { events: [{ event_type: "a" }] } })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    const error = failure as ApiError;
    expect(error.status).toBe(409);
    expect(error.error_code).toBe("SESSION_ALREADY_ENDED");
    expect(error.message).toBe("ended");
    expect(error.details).toEqual({ status: "ended" });
    expect(error.headers.get("retry-after")).toBe("3");
  });

  it("names an answer that is not the error body UNEXPECTED_ANSWER", async () => {
    const client = createClient({ baseUrl });
    reply = { status: 502, headers: { "Content-Type": "text/html" }, body: "<h1>Bad gateway</h1>" };
    const failure = await client.call(getHealthRoute).catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 502, error_code: UNEXPECTED_ANSWER });
  });

  it("returns every documented status, an error status among them, as an answer", async () => {
    const client = createClient({ baseUrl });
    reply = json(503, { status: "degraded" });
    const answer = await client.call(getHealthRoute);
    expect(answer).toMatchObject({ status: 503, body: { status: "degraded" } });
  });

  it("answers a documented redirect itself rather than following it", async () => {
    const client = createClient({ baseUrl });
    reply = { status: 307, headers: { Location: "http://127.0.0.1:1/elsewhere" } };
    const answer = await client.call(getWorkspaceFileRoute, {
      params: { id: ID, path: "logs/run.log" },
    });
    expect(answer.status).toBe(307);
    expect(answer.body).toBeUndefined();
    expect(answer.headers.get("location")).toBe("http://127.0.0.1:1/elsewhere");
    expect(seen).toHaveLength(1);
  });

  it("calls a route named by its ROUTE_INDEX entry as by its definition", async () => {
    expect(ROUTE_INDEX.getWorkspaceFile).toEqual({
      method: "GET",
      path: "/sessions/{id}/files/{path+}",
      operationId: "getWorkspaceFile",
      statuses: [200, 307],
    });
    const client = createClient({ baseUrl });
    reply = json(200, { url: "https://example.test/x" });
    const answer = await client.call(ROUTE_INDEX.getWorkspaceFile, {
      params: { id: ID, path: "a/b.txt" },
      query: { redirect: "false" },
    });
    expect(seen[0]?.url).toBe(`/v1/sessions/${ID}/files/a/b.txt?redirect=false`);
    expect(answer.status === 200 && answer.body.url).toBe("https://example.test/x");
  });
});
