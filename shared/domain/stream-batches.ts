/**
 * How events become push messages: in seq order, as few `events` messages
 * as fit under the stream's message limit, and a `gap` for any event that
 * cannot fit in a message of its own (the client fetches it with a GET).
 *
 * API Gateway takes messages up to 128 KB and splits what it sends into
 * frames of at most 32 KB, which a WebSocket client reassembles into the one
 * message; the limit here keeps a margin under 128 KB for the envelope.
 */
import type { SessionEvent } from "../contract/schemas/event.ts";
import type { ServerMessage } from "../contract/schemas/stream.ts";

export const MAX_STREAM_MESSAGE_BYTES = 120 * 1024;
/** A larger backlog is sent as one `gap`: the client reads it page by page with GET. */
export const MAX_BACKLOG_EVENTS = 1000;
/** Subscriptions one connection may hold. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 20;

const byteLength = (text: string): number => Buffer.byteLength(text, "utf8");

/** Events (sorted by seq here) as messages, each under `maxBytes` serialized. */
export function eventMessages(
  sessionId: string,
  events: readonly SessionEvent[],
  maxBytes = MAX_STREAM_MESSAGE_BYTES,
): ServerMessage[] {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const envelope = byteLength(JSON.stringify({ type: "events", session_id: sessionId, items: [] }));
  const messages: ServerMessage[] = [];
  let items: SessionEvent[] = [];
  let size = envelope;
  const flush = () => {
    if (items.length > 0) messages.push({ type: "events", session_id: sessionId, items });
    items = [];
    size = envelope;
  };
  for (const event of sorted) {
    const itemBytes = byteLength(JSON.stringify(event)) + 1;
    if (envelope + itemBytes > maxBytes) {
      flush();
      messages.push({
        type: "gap",
        session_id: sessionId,
        after: event.seq - 1,
        before: event.seq + 1,
      });
      continue;
    }
    if (size + itemBytes > maxBytes) flush();
    items.push(event);
    size += itemBytes;
  }
  flush();
  return messages;
}

/** The `gap` that stands for every event a message carried, when it could not be delivered. */
export function gapFor(message: ServerMessage): ServerMessage | undefined {
  if (message.type !== "events") return undefined;
  const first = message.items[0];
  const last = message.items[message.items.length - 1];
  if (!first || !last) return undefined;
  return {
    type: "gap",
    session_id: message.session_id,
    after: first.seq - 1,
    before: last.seq + 1,
  };
}
