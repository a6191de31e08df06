/**
 * A WebSocket handshake the local stream refuses: an HTTP answer in the
 * contract's error format, as every error of the gateway is.
 */
import type { Duplex } from "node:stream";
import type { ErrorCode } from "#shared/domain/errors.ts";
import { errorBody } from "./gateway/refusal.ts";

/** A refused handshake answers in the contract's error format, as every gateway error does. */
const HANDSHAKE_ERRORS: Record<number, { code: ErrorCode; message: string }> = {
  401: {
    code: "UNAUTHORIZED",
    message: "A valid, unused ticket from POST /stream-tickets is required.",
  },
  403: { code: "FORBIDDEN", message: "This ticket does not allow a connection." },
  404: { code: "NOT_FOUND", message: "No WebSocket here: the push stream is at /v1/stream." },
};

export function refuseHandshake(socket: Duplex, status: number, reason: string): void {
  const known = HANDSHAKE_ERRORS[status] ?? {
    code: "INTERNAL",
    message: "The connection could not be opened; try again.",
  };
  const body = errorBody(known.code, known.message);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
