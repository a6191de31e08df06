/**
 * What a push-stream client asks for, frame by frame: subscribe (register,
 * then the backlog after `after`, then the fan-out's live events),
 * unsubscribe and ping. A subscription obeys the rules of
 * `GET /sessions/{id}/events`: a session the key may not see is answered
 * exactly like a missing one. A bad frame gets an `error` and changes
 * nothing; the connection stays open.
 */
import type * as z from "zod";
import {
  ClientFrame,
  type ServerMessage,
  type StreamErrorCode,
} from "../contract/schemas/stream.ts";
import { AppError } from "../domain/errors.ts";
import type { Principal } from "../domain/principal.ts";
import {
  eventMessages,
  gapFor,
  MAX_BACKLOG_EVENTS,
  MAX_SUBSCRIPTIONS_PER_CONNECTION,
} from "../domain/stream-batches.ts";
import { type PostOutcome, postToConnection } from "../storage/connections-client.ts";
import {
  addSubscription,
  advanceSubscription,
  removeSubscription,
} from "../storage/subscription-store.ts";
import { queryEvents } from "./events/query.ts";
import { getSession } from "./sessions/read.ts";

export async function send(connectionId: string, message: ServerMessage): Promise<PostOutcome> {
  return postToConnection(connectionId, JSON.stringify(message));
}

/**
 * Sends one message; one the gateway refuses as too large becomes the `gap`
 * standing for its events. Answers whether the connection is still there.
 */
export async function deliver(
  connectionId: string,
  message: ServerMessage,
): Promise<"sent" | "gone"> {
  const outcome = await send(connectionId, message);
  if (outcome !== "too_large") return outcome;
  const gap = gapFor(message);
  return gap ? ((await send(connectionId, gap)) === "gone" ? "gone" : "sent") : "sent";
}

function streamError(code: StreamErrorCode, message: string, sessionId?: string): ServerMessage {
  return sessionId === undefined
    ? { type: "error", error_code: code, message }
    : { type: "error", error_code: code, message, session_id: sessionId };
}

function describeIssues(error: z.ZodError): string {
  const fields = error.issues.map((issue) => {
    const field = issue.path.map(String).join(".") || "frame";
    return issue.code === "unrecognized_keys"
      ? `${issue.keys.join(", ")}: is not a known field`
      : `${field}: ${issue.message}`;
  });
  return `Invalid frame: ${fields.join("; ")}. Send {"action":"subscribe","session_id":"sess_…","after":N}, {"action":"unsubscribe","session_id":"sess_…"} or {"action":"ping"}.`;
}

/** Parses one client frame; the `error` to send back when it is not one. */
export function parseFrame(body: string | undefined): ClientFrame | ServerMessage {
  let json: unknown;
  try {
    json = JSON.parse(body ?? "");
  } catch {
    return streamError(
      "VALIDATION_ERROR",
      "The frame is not valid JSON. Send one JSON object per frame.",
    );
  }
  const parsed = ClientFrame.safeParse(json);
  if (parsed.success) return parsed.data;
  const sessionId =
    typeof json === "object" &&
    json !== null &&
    "session_id" in json &&
    typeof json.session_id === "string" &&
    /^sess_[A-Za-z0-9_-]{22}$/.test(json.session_id)
      ? json.session_id
      : undefined;
  return streamError("VALIDATION_ERROR", describeIssues(parsed.error), sessionId);
}

/** An error a use case threw, as the `error` message the client gets. */
export function errorMessage(
  error: unknown,
  sessionId: string | undefined,
  unavailable: (error: unknown) => boolean,
): ServerMessage | undefined {
  if (error instanceof AppError && error.code === "NOT_FOUND") {
    return streamError("SESSION_NOT_FOUND", error.message, sessionId);
  }
  if (error instanceof AppError && error.code === "VALIDATION_ERROR") {
    return streamError("VALIDATION_ERROR", error.message, sessionId);
  }
  if ((error instanceof AppError && error.code === "UNAVAILABLE") || unavailable(error)) {
    return streamError(
      "UNAVAILABLE",
      "The service is temporarily unavailable. Retry shortly.",
      sessionId,
    );
  }
  return undefined;
}

export async function handleFrame(
  principal: Principal,
  connectionId: string,
  frame: ClientFrame,
): Promise<void> {
  switch (frame.action) {
    case "ping":
      await send(connectionId, { type: "pong" });
      return;
    case "unsubscribe":
      await removeSubscription(principal.tenantId, frame.session_id, connectionId);
      await send(connectionId, {
        type: "unsubscribed",
        session_id: frame.session_id,
        reason: "requested",
      });
      return;
    case "subscribe":
      await subscribe(principal, connectionId, frame.session_id, frame.after);
      return;
  }
}

/**
 * Registers first, so every event that commits from then on reaches the
 * fan-out's Query of subscribers; then sends what committed after `after`.
 * An event may arrive twice (from the backlog and from the fan-out): the
 * client keeps the last seq it holds and drops repeats.
 */
async function subscribe(
  principal: Principal,
  connectionId: string,
  sessionId: string,
  requestedAfter: number | undefined,
): Promise<void> {
  const tenant = principal.tenantId;
  const session = await getSession(principal, sessionId);
  const after = requestedAfter ?? session.last_seq;
  const registered = await addSubscription({
    tenant,
    connectionId,
    sessionId,
    after,
    cap: MAX_SUBSCRIPTIONS_PER_CONNECTION,
  });
  if (!registered) {
    await send(
      connectionId,
      streamError(
        "TOO_MANY_SUBSCRIPTIONS",
        `A connection may follow at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} sessions. Unsubscribe from one first, or open another connection.`,
        sessionId,
      ),
    );
    return;
  }
  await sendBacklog(principal, connectionId, sessionId, after, session.status);
}

/**
 * `subscribed`, then what committed after `after` (or a `gap` past 1,000
 * events), then the subscription's watermark moves to what was sent.
 */
async function sendBacklog(
  principal: Principal,
  connectionId: string,
  sessionId: string,
  after: number,
  status: string,
): Promise<void> {
  const tenant = principal.tenantId;
  const read = (from: number) =>
    queryEvents(principal, sessionId, { after: from, order: "asc", limit: MAX_BACKLOG_EVENTS });
  let page: Awaited<ReturnType<typeof queryEvents>>;
  try {
    page = await read(after);
  } catch (error) {
    await removeSubscription(tenant, sessionId, connectionId);
    throw error;
  }
  const subscribed: ServerMessage = {
    type: "subscribed",
    session_id: sessionId,
    latest_seq: page.latest_seq,
    status,
  };
  if ((await send(connectionId, subscribed)) !== "sent") return;
  if (page.latest_seq - after > MAX_BACKLOG_EVENTS) {
    await send(connectionId, {
      type: "gap",
      session_id: sessionId,
      after,
      before: page.latest_seq + 1,
    });
    return;
  }
  for (;;) {
    for (const message of eventMessages(sessionId, page.items)) {
      if ((await deliver(connectionId, message)) === "gone") return;
    }
    const last = page.items[page.items.length - 1];
    if (last) await advanceSubscription(tenant, sessionId, connectionId, last.seq);
    if (!page.has_more || !last) return;
    page = await read(last.seq);
  }
}
