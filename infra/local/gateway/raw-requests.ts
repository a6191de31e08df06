/**
 * Requests Node's HTTP layer would answer itself, or not at all, answered in
 * the contract's error format instead: a request line and headers above the
 * limit (413, as API Gateway's REQUEST_TOO_LARGE), bytes that are not HTTP,
 * CONNECT, and an HTTP/1.1 request without Host.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { endWithError, Refusal } from "./refusal.ts";

const MISSING_HOST = new Refusal("VALIDATION_ERROR", "Send a Host header; HTTP/1.1 requires one.", {
  Connection: "close",
});

/** The refusal for an HTTP/1.1 request without Host (the server lets it through to say so). */
export function missingHost(request: IncomingMessage): Refusal | undefined {
  return request.httpVersion === "1.1" && request.headers.host === undefined
    ? MISSING_HOST
    : undefined;
}

/** CONNECT never reaches the request handler; API Gateway has no such route. */
export function refuseConnect(request: IncomingMessage, socket: Duplex): void {
  endWithError(socket, "404 Not Found", "NOT_FOUND", `No route for CONNECT ${request.url ?? ""}.`);
}

/** Answers requests the parser refused, each after the answer already in progress on its connection. */
export class UnparsableRequests {
  /** Each connection's latest answer; in progress until it has finished. */
  private readonly answering = new WeakMap<Duplex, ServerResponse>();

  track(request: IncomingMessage, response: ServerResponse): void {
    this.answering.set(request.socket, response);
  }

  onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    // A pipelined request broke while an earlier one is answered: the error
    // answer follows that answer, never interleaves with it.
    const inFlight = this.answering.get(socket);
    if (inFlight && !inFlight.writableFinished) {
      inFlight.once("finish", () => refuseUnparsable(error, socket));
      return;
    }
    refuseUnparsable(error, socket);
  }
}

/** Answers a request Node's parser refused; the connection then closes. */
function refuseUnparsable(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) return;
  if (error.code === "HPE_HEADER_OVERFLOW") {
    endWithError(
      socket,
      "413 Payload Too Large",
      "PAYLOAD_TOO_LARGE",
      "The request line and headers are too large. Send long values in a JSON body.",
    );
    return;
  }
  endWithError(socket, "400 Bad Request", "VALIDATION_ERROR", "The request is not valid HTTP.");
}
