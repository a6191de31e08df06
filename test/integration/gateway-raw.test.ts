/**
 * The local gateway's answers to requests that are not ordinary HTTP: sent
 * over a raw socket, since no HTTP client sends them. Every answer it gives
 * carries the contract's error body, or the connection closes without one.
 */
import { connect } from "node:net";
import { beforeAll, describe, expect, it } from "vitest";
import { startSessionRoute } from "#shared/contract/routes/sessions.ts";
import { baseUrl, newKey, uniqueTenant, uniqueUser, uploadThroughApi } from "../support/api.ts";
import { stackClient } from "../support/client.ts";

interface RawAnswer {
  /** Everything received before the server closed the connection. */
  text: string;
  status: number | undefined;
  body: string;
}

/**
 * Writes `raw` and collects everything until the server closes. By default the
 * client half-closes at once; `awaitClose` leaves that to the server (a request
 * with `Connection: close` whose answer takes a while).
 */
function send(raw: string, options: { awaitClose?: boolean } = {}): Promise<RawAnswer> {
  const url = new URL(baseUrl());
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
      const split = text.indexOf("\r\n\r\n");
      const head = split === -1 ? text : text.slice(0, split);
      const rest = split === -1 ? "" : text.slice(split + 4);
      resolve({
        text,
        status: status === undefined ? undefined : Number(status),
        body: /\r\ntransfer-encoding: chunked/i.test(head) ? dechunk(rest) : rest,
      });
    });
    socket.write(raw);
    // Half-close: the server sees the end of the request and answers or closes.
    if (!options.awaitClose) socket.end();
  });
}

function dechunk(chunked: string): string {
  let body = "";
  let rest = chunked;
  for (;;) {
    const lineEnd = rest.indexOf("\r\n");
    const size = Number.parseInt(rest.slice(0, lineEnd), 16);
    if (!(size > 0)) return body;
    body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

/** Either no answer at all, or a whole answer with the error body of the contract. */
function expectContractOrNothing(answer: RawAnswer): void {
  if (answer.text === "") return;
  expect(answer.status).toBeGreaterThanOrEqual(400);
  const body: unknown = JSON.parse(answer.body);
  expect(body).toMatchObject({
    error_code: expect.any(String),
    message: expect.any(String),
    details: {},
  });
}

describe("the local gateway's answers to requests that are not ordinary HTTP", () => {
  it.each([
    ["no Host header", "GET /v1/health HTTP/1.1\r\n\r\n"],
    ["a malformed request line", "GET /v1/health HTTP/9.9 extra\r\nHost: x\r\n\r\n"],
    ["a request line that is not HTTP", "HELLO\r\n\r\n"],
    ["CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"],
    [
      "an Upgrade request",
      // Only /v1/stream upgrades (the push stream); elsewhere a 404 in the contract's format.
      "GET /v1/sessions HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    ],
    ["a bad header line", "GET /v1/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"],
    [
      "both Content-Length and chunked",
      "POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ],
    [
      "an invalid chunk",
      "POST /v1/sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
    ],
    ["an unknown method", "BREW /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["HTTP/1.0 without Host", "GET /v1/sessions HTTP/1.0\r\n\r\n"],
  ])("answers %s with the error body or closes without an answer", async (_, raw) => {
    const answer = await send(raw);
    expectContractOrNothing(answer);
  });

  it("answers a request without Host with 400 and the error body", async () => {
    const answer = await send("GET /v1/health HTTP/1.1\r\n\r\n");
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error_code: "VALIDATION_ERROR" });
  });

  it("answers CONNECT with 404 and the error body, as a route that does not exist", async () => {
    const answer = await send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({ error_code: "NOT_FOUND" });
  });

  it("never interleaves an error answer with the answer to an earlier pipelined request", async () => {
    const answer = await send(
      "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/health HTTP/9.9 junk\r\n\r\n",
    );
    // Whole answers, one after the other, or none: each status line starts a
    // head, and each head's body is whole JSON before the next status line.
    const answers = answer.text.split(/(?=HTTP\/1\.1 \d{3} )/).filter(Boolean);
    for (const one of answers) {
      const split = one.indexOf("\r\n\r\n");
      const head = one.slice(0, split);
      const rest = one.slice(split + 4);
      const body = /transfer-encoding: chunked/i.test(head) ? dechunk(rest) : rest;
      expect(() => JSON.parse(body)).not.toThrow();
    }
  });
});

describe("the local gateway's routing of dot segments", () => {
  let key: string;
  let filesPath: string;

  /** A GET sent as written: no client resolves its `.` and `..` segments first. */
  const get = (path: string) =>
    send(
      `GET ${filesPath}/${path}?redirect=false HTTP/1.1\r\nHost: x\r\nX-API-Key: ${key}\r\nConnection: close\r\n\r\n`,
      { awaitClose: true },
    );

  beforeAll(async () => {
    key = await newKey(uniqueTenant("dots"), "app");
    const started = await stackClient(key).call(startSessionRoute, {
      body: { user_id: uniqueUser(), performer_id: "app-ios" },
    });
    const sessionId = started.body.session.session_id;
    await uploadThroughApi(key, sessionId, "input/a.txt", "a", "text/plain");
    filesPath = `${new URL(baseUrl()).pathname}/sessions/${sessionId}/files`;
  });

  it("serves the file by its own path (the refusals below are not a missing file)", async () => {
    const answer = await get("input/a.txt");
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ path: "input/a.txt" });
  });

  it.each([
    ["a raw .. segment", "input/../input/a.txt", /\.\. segments/],
    ["a percent-encoded .. segment", "input/%2e%2e/input/a.txt", /\.\. segments/],
    ["an upper-case encoded .. segment", "input/%2E%2E/input/a.txt", /\.\. segments/],
    ["a half-encoded .. segment", "input/.%2E/input/a.txt", /\.\. segments/],
    ["a .. beside an invalid escape", "input/%2e%2e/%ZZ/x", /\.\. segments/],
    ["a raw . segment", "input/./a.txt", /\. segments/],
    ["a percent-encoded . segment", "input/%2e/a.txt", /\. segments/],
    ["an upper-case encoded . segment", "input/%2E/a.txt", /\. segments/],
  ])("refuses %s with 400 naming the path and the segment", async (_, path, reason) => {
    const answer = await get(path);
    expect(answer.status).toBe(400);
    const body = JSON.parse(answer.body) as {
      error_code: string;
      message: string;
      details: { fields?: { field: string }[] };
    };
    expect(body.error_code).toBe("VALIDATION_ERROR");
    expect(body.message).toMatch(reason);
    expect(body.details.fields?.[0]?.field).toBe("path");
  });

  it("routes a path that climbs out of the stage as sent, not as resolved", async () => {
    const answer = await send(
      `GET ${filesPath}/../../../../health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      { awaitClose: true },
    );
    // Resolved, this is GET /v1/health (public, 200); as sent it is the file
    // route, which wants a key first.
    expect(answer.status).toBe(401);
  });
});
