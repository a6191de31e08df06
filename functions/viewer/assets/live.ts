/**
 * Following the open session by push (the stream of DESIGN's push delivery):
 * a one-time ticket from POST /stream-tickets, a WebSocket subscription after
 * the timeline's cursor, pushed events put on the page through the timeline's
 * seam, and any hole (a `gap`, or events that skip a seq) filled with a GET.
 * It resolves when the stream ends, for follow.ts to poll and try again.
 */
import { ROUTE_INDEX } from "#shared/client/route-index.ts";
import type { ServerMessage } from "#shared/contract/schemas/stream.ts";
import { call } from "./api.ts";
import { isCurrent, type SessionView, sessionNotFound } from "./current-session.ts";
import { appendEvents, fetchEventsAfter } from "./timeline.ts";

/** The API Gateway idle limit is 10 min: a ping well inside it keeps the connection. */
const PING_EVERY_MS = 5 * 60_000;
const VIEW_CHECK_MS = 500;

export interface LiveCallbacks {
  /** The subscription is confirmed: events now arrive by push. */
  onLive: () => void;
  /** A boundary event arrived (the session's status changed). */
  onBoundary: () => void;
}

async function receive(view: SessionView, message: ServerMessage, live: LiveCallbacks) {
  if (message.type === "subscribed") live.onLive();
  if (message.type === "gap") await fetchEventsAfter(view);
  if (message.type === "events") {
    const first = message.items[0];
    if (first && first.seq > view.cursor + 1) await fetchEventsAfter(view);
    else appendEvents(view, message.items);
    if (message.items.some((event) => event.event_type.startsWith("session_"))) live.onBoundary();
  }
}

function parse(data: unknown): ServerMessage | undefined {
  try {
    return typeof data === "string" ? (JSON.parse(data) as ServerMessage) : undefined;
  } catch {
    return undefined;
  }
}

/** Follows by push until the stream closes or the view changes; true when it was live. */
export async function followLive(view: SessionView, live: LiveCallbacks): Promise<boolean> {
  const { body: ticket } = await call(ROUTE_INDEX.createStreamTicket, {});
  if (!isCurrent(view)) return false;
  const socket = new WebSocket(ticket.url);
  let wasLive = false;
  let lastPing = Date.now();
  // One message at a time, so pushed events and the GETs that fill holes stay in order.
  let queue = Promise.resolve();
  socket.addEventListener("open", () => {
    socket.send(JSON.stringify({ action: "subscribe", session_id: view.id, after: view.cursor }));
  });
  socket.addEventListener("message", (frame) => {
    const message = parse(frame.data);
    if (!message) return;
    if (message.type === "subscribed") wasLive = true;
    const ended =
      (message.type === "unsubscribed" && message.reason === "deleted") ||
      (message.type === "error" && message.error_code === "SESSION_NOT_FOUND");
    if (ended) {
      sessionNotFound(view);
      socket.close();
      return;
    }
    queue = queue.then(() => receive(view, message, live)).catch(() => socket.close());
  });
  const watch = setInterval(() => {
    if (!isCurrent(view)) socket.close();
    else if (socket.readyState === WebSocket.OPEN && Date.now() - lastPing > PING_EVERY_MS) {
      lastPing = Date.now();
      socket.send(JSON.stringify({ action: "ping" }));
    }
  }, VIEW_CHECK_MS);
  await new Promise<void>((resolve) => socket.addEventListener("close", () => resolve()));
  clearInterval(watch);
  return wasLive;
}
