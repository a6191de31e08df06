/**
 * An events page as the API answers it: the items up to the page's byte
 * limit, and `server_time`, the watermark a poller sends back as `since`.
 */

import type { SessionEvent } from "../../contract/schemas/event.ts";
import type { EventPage } from "../../contract/schemas/event-page.ts";
import { justBefore } from "../../domain/clock.ts";
import { type StoredEvent, withoutOrd } from "../../storage/events/stored-event.ts";
import type { SessionItem } from "../../storage/items.ts";

/** Keeps a page well inside Lambda's 6 MB response limit. */
const MAX_PAGE_BYTES = 4 * 1024 * 1024;

export function pageOf(input: {
  sessionId: string;
  session: SessionItem;
  events: StoredEvent[];
  hasMore: boolean;
  total: number;
  ascending: boolean;
  /** The range read reached the session's newest event. */
  coversLatest: boolean;
}): EventPage {
  const items: SessionEvent[] = [];
  let bytes = 0;
  let truncated = false;
  for (const event of input.events) {
    const item = withoutOrd(event);
    bytes += Buffer.byteLength(JSON.stringify(item), "utf8");
    if (bytes > MAX_PAGE_BYTES && items.length > 0) {
      truncated = true;
      break;
    }
    items.push(item);
  }
  const hasMore = input.hasMore || truncated;
  return {
    session_id: input.sessionId,
    items,
    total: input.total,
    returned: items.length,
    has_more: hasMore,
    latest_seq: input.session.last_seq,
    server_time: watermark({ ...input, items, hasMore }),
  };
}

/**
 * `server_time`: the `since` to send next. Every event stamped at or before
 * it (and after the request's `since`) is in this answer (for a newest-first
 * page with `has_more`, in it and the older pages read with `before`), and
 * every event that commits later is stamped after it, because timestamps
 * strictly increase along seq and seq follows commit order. It is never
 * later than the newest event the read saw, so it may trail the clock.
 */
function watermark(input: {
  session: SessionItem;
  items: SessionEvent[];
  hasMore: boolean;
  ascending: boolean;
  coversLatest: boolean;
}): string {
  // Never the request's `since`: a future one would run ahead of every event yet to commit.
  const floor = justBefore(input.session.created_at);
  const newest = input.ascending ? input.items[input.items.length - 1] : input.items[0];
  if (input.ascending && input.hasMore) return newest?.timestamp ?? floor;
  if (input.coversLatest) return input.session.last_event_at;
  return newest?.timestamp ?? floor;
}
