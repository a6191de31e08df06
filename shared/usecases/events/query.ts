/**
 * Reading events back: a plain poll, or a page filtered by time, type or an
 * upper seq. Seq is assigned in commit order, so a poller that asks for
 * `after={last seq}` can never miss an event that commits later with a
 * smaller seq. The page itself is built in ./page.ts.
 */
import type { EventPage, EventsQuery } from "../../contract/schemas/event-page.ts";
import { sessionNotFound } from "../../domain/errors.ts";
import type { Principal } from "../../domain/principal.ts";
import {
  firstSeqAfterTime,
  readSeqRange,
  readTypeRange,
  type SeqRange,
  typeCountUpTo,
} from "../../storage/events/ranges.ts";
import { MAX_SEQ, type StoredEvent } from "../../storage/events/stored-event.ts";
import type { SessionItem } from "../../storage/items.ts";
import { readSession } from "../../storage/sessions/read.ts";
import { visibleTo } from "../sessions/read.ts";
import { pageOf } from "./page.ts";

/**
 * A page of events. A plain poll (no `since`, `event_type` or `before`) is
 * one Query from the first wanted event up to the session item. Every other
 * read takes the session first: every event up to its `last_seq` has
 * committed by then, so the range read that follows sees each of them, and
 * the session's `last_event_at` is a safe watermark for `server_time`.
 * Filters narrow a seq range (`since` is mapped to a seq through the time
 * index, exact because timestamps strictly increase along seq); `total`
 * comes from counters, never from reading the matching events.
 */
export async function queryEvents(
  principal: Principal,
  sessionId: string,
  query: EventsQuery,
): Promise<EventPage> {
  const range: SeqRange = {
    from: (query.after ?? 0) + 1,
    to: Math.min((query.before ?? MAX_SEQ + 1) - 1, MAX_SEQ),
  };
  if (query.since === undefined && query.event_type === undefined && query.before === undefined) {
    return pollPage(principal, sessionId, query, range);
  }
  return filteredPage(principal, sessionId, query, range);
}

async function pollPage(
  principal: Principal,
  sessionId: string,
  query: EventsQuery,
  range: SeqRange,
): Promise<EventPage> {
  const tenant = principal.tenantId;
  const ascending = query.order === "asc";
  const page =
    range.from > range.to
      ? { events: [], session: undefined, hasMore: false }
      : await readSeqRange({
          tenant,
          sessionId,
          range,
          ascending,
          limit: query.limit ?? 100,
          includeSession: true,
        });
  // An ascending page that filled up stops short of the session item: one more read.
  const session = visibleSession(principal, page.session ?? (await readSession(tenant, sessionId)));
  const upper = Math.min(range.to, session.last_seq);
  // Newest first, the session item is read before the events: an event that
  // committed in between is left for the next poll, which `server_time` admits.
  const events = ascending
    ? contiguousFrom(range.from, page.events)
    : page.events.filter((event) => event.seq <= upper);
  // An append can commit while an ascending Query walks towards the session
  // item: its events are then counted in `latest_seq` but not in `items`.
  // Flag them so a client never takes `latest_seq` as a position it has seen.
  const lastReturned = ascending ? (events[events.length - 1]?.seq ?? range.from - 1) : upper;
  return pageOf({
    sessionId,
    session,
    events,
    hasMore: page.hasMore || events.length < page.events.length || lastReturned < upper,
    total: Math.max(0, upper - range.from + 1),
    ascending,
    coversLatest: true,
  });
}

async function filteredPage(
  principal: Principal,
  sessionId: string,
  query: EventsQuery,
  requested: SeqRange,
): Promise<EventPage> {
  const tenant = principal.tenantId;
  const ascending = query.order === "asc";
  const limit = query.limit ?? 100;
  const session = visibleSession(principal, await readSession(tenant, sessionId));
  const range = { from: requested.from, to: Math.min(requested.to, session.last_seq) };
  if (query.since !== undefined && range.from <= range.to) {
    const firstAfter = await firstSeqAfterTime(tenant, sessionId, query.since);
    range.from = Math.max(range.from, firstAfter ?? range.to + 1);
  }
  const empty = { events: [], session: undefined, hasMore: false };
  const type = query.event_type;
  const page =
    range.from > range.to
      ? empty
      : type !== undefined
        ? await readTypeRange({ tenant, sessionId, eventType: type, range, ascending, limit })
        : await readSeqRange({ tenant, sessionId, range, ascending, limit, includeSession: false });
  const events =
    ascending && type === undefined ? contiguousFrom(range.from, page.events) : page.events;
  const total =
    range.from > range.to
      ? 0
      : type === undefined
        ? range.to - range.from + 1
        : (range.to >= session.last_seq
            ? (session.type_counts[type] ?? 0)
            : await typeCountUpTo(tenant, sessionId, type, range.to)) -
          (await typeCountUpTo(tenant, sessionId, type, range.from - 1));
  return pageOf({
    sessionId,
    session,
    events,
    hasMore: page.hasMore || events.length < page.events.length,
    total,
    ascending,
    coversLatest: range.to >= session.last_seq,
  });
}

/** The events a caller may not see are answered like those of a missing session. */
function visibleSession(principal: Principal, session: SessionItem | undefined): SessionItem {
  const visible = visibleTo(principal, session);
  if (!visible || visible.deleting) throw sessionNotFound();
  return visible;
}

/**
 * The events up to the first missing seq. Seqs commit in order, but a Query
 * is not a snapshot: a page must never step over an event it did not see.
 */
function contiguousFrom(from: number, events: StoredEvent[]): StoredEvent[] {
  const gap = events.findIndex((event, index) => event.seq !== from + index);
  return gap === -1 ? events : events.slice(0, gap);
}
