/**
 * Reading a session's events, and following them live. The cursor is the
 * seq of the last event printed: seqs are assigned in commit order without
 * gaps, so `after={cursor}&order=asc` returns exactly what is new, and a
 * retried or repeated poll can neither repeat nor skip an event.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { listEventsRoute } from "#shared/contract/routes/events.ts";
import { getSessionRoute } from "#shared/contract/routes/sessions.ts";
import type { SessionEvent } from "#shared/contract/schemas/event.ts";
import type { CliApi } from "./api.ts";
import { ApiError } from "./errors.ts";

const PAGE_SIZE = 1000;
const CLOSED = new Set(["ended", "expired"]);

export interface EventFilters {
  type?: string | undefined;
  since?: string | undefined;
  after?: number | undefined;
  /** Print at most this many (the earliest matching). */
  limit?: number | undefined;
}

export interface EventSink {
  /** Called once per event, in seq order; `raw` is the event exactly as the API sent it. */
  event: (event: SessionEvent, raw: unknown) => void;
}

/** Prints every matching event after `cursor`, page by page; returns the new cursor and count. */
async function drain(
  client: CliApi,
  sessionId: string,
  filters: EventFilters,
  cursor: number | undefined,
  sink: EventSink,
  budget: number,
  attempts: number,
): Promise<{ cursor: number | undefined; printed: number }> {
  let printed = 0;
  let next = cursor;
  while (printed < budget) {
    const { body: parsed } = await client.retrying(attempts).call(listEventsRoute, {
      params: { id: sessionId },
      query: {
        order: "asc",
        after: next,
        // `since` narrows the first page only; from then on the seq cursor is exact.
        since: next === undefined ? filters.since : undefined,
        event_type: filters.type,
        limit: Math.min(PAGE_SIZE, budget - printed),
      },
    });
    for (const event of parsed.items) sink.event(event, event);
    printed += parsed.items.length;
    const last = parsed.items.at(-1);
    if (last) next = last.seq;
    if (!parsed.has_more || parsed.items.length === 0) break;
  }
  return { cursor: next, printed };
}

export async function listEvents(
  client: CliApi,
  sessionId: string,
  filters: EventFilters,
  sink: EventSink,
): Promise<void> {
  await drain(
    client,
    sessionId,
    filters,
    filters.after,
    sink,
    filters.limit ?? Number.POSITIVE_INFINITY,
    3,
  );
}

export type FollowEnd = "ended" | "expired" | "deleted";

/**
 * Prints the events there are, then polls for new ones until the session is
 * closed. The session's status is read before each drain, so when it says
 * closed, that drain already holds the closing event and everything before it.
 */
export async function followEvents(
  client: CliApi,
  sessionId: string,
  filters: EventFilters,
  intervalSeconds: number,
  sink: EventSink,
): Promise<FollowEnd> {
  let cursor = filters.after;
  let known = false;
  const forever = Number.POSITIVE_INFINITY;
  for (;;) {
    let status: string;
    try {
      const { body } = await client
        .retrying(forever)
        .call(getSessionRoute, { params: { id: sessionId } });
      status = body.status;
      known = true;
    } catch (error) {
      // A session seen once and gone now was deleted; one never seen is the caller's mistake.
      if (error instanceof ApiError && error.code === "NOT_FOUND" && known) {
        return "deleted";
      }
      throw error;
    }
    try {
      cursor = (await drain(client, sessionId, filters, cursor, sink, forever, forever)).cursor;
    } catch (error) {
      // Deleted between the two reads: everything it had was printed before.
      if (error instanceof ApiError && error.code === "NOT_FOUND") return "deleted";
      throw error;
    }
    if (CLOSED.has(status)) return status as FollowEnd;
    await sleep(intervalSeconds * 1000);
  }
}
