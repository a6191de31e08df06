/**
 * The gateway's own answers, in the contract's error body as the stack's
 * gateway responses give them: a step's refusal, and the whole raw answer
 * for a socket Node's HTTP layer gave up on.
 */
import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { ErrorCode } from "#shared/domain/errors.ts";
import { STATUS_BY_CODE } from "#shared/domain/errors.ts";

/** An answer the gateway gives itself instead of calling on: a step's "no". */
export class Refusal {
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
    readonly headers: Record<string, string> = {},
    readonly status: number = STATUS_BY_CODE[code],
  ) {}
}

export function errorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ error_code: code, message, details: {} });
}

/** A JSON answer (or an empty one) with the given headers. */
export function send(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string>,
): void {
  response.writeHead(status, {
    ...(body ? { "Content-Type": "application/json; charset=utf-8" } : {}),
    ...headers,
  });
  response.end(body);
}

/** Writes a refusal in the contract's error format, after the caller's CORS headers. */
export function sendRefusal(
  response: ServerResponse,
  refusal: Refusal,
  cors: Record<string, string>,
): void {
  send(response, refusal.status, errorBody(refusal.code, refusal.message), {
    ...cors,
    ...refusal.headers,
  });
}

/** A whole error answer written straight to a socket Node's HTTP layer gave up on, then closed. */
export function endWithError(
  socket: Duplex,
  status: string,
  code: ErrorCode,
  message: string,
): void {
  const body = errorBody(code, message);
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
