/**
 * The local gateway's answers to requests that are not ordinary HTTP: sent
 * over a raw socket, since no HTTP client sends them. Every answer it gives
 * carries the contract's error body, or the connection closes without one.
 */
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { baseUrl } from "../support/api.ts";

interface RawAnswer {
  /** Everything received before the server closed the connection. */
  text: string;
  status: number | undefined;
  body: string;
}

function send(raw: string): Promise<RawAnswer> {
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
    socket.end();
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
      // Served as an ordinary request (no upgrade happens): a keyless call is a 401 in the contract.
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
