/**
 * Appending events and reading them back. Seq is assigned in commit order by
 * the conditional transaction, so a poller that asks for `after={last seq}`
 * can never miss an event that commits later with a smaller seq.
 */
import { config } from "../config.ts";
import { isoNow, laterOf } from "../domain/clock.ts";
import {
  AppError,
  PayloadTooLargeError,
  sessionNotFound,
  UnavailableError,
} from "../domain/errors.ts";
import { EVENT_SOURCE_API, MAX_EVENT_DATA_BYTES, MAX_MESSAGE_BYTES } from "../domain/events.ts";
import { newRecordId } from "../domain/ids.ts";
import type { Principal } from "../domain/principal.ts";
import type {
  AppendEventsResult,
  EventPage,
  EventsQuery,
  NewEvent,
  SessionEvent,
} from "../schemas/events.ts";
import { eventTtl } from "../storage/event-items.ts";
import {
  commitAppend,
  firstSeqAfterTime,
  MAX_SEQ,
  readSeqRange,
  readTypeRange,
  type StoredEvent,
  typeCountUpTo,
} from "../storage/event-store.ts";
import type { SessionItem } from "../storage/items.ts";
import { readSession } from "../storage/session-store.ts";
import { backoffMs, sleep } from "../storage/transactions.ts";

/** Attempts at winning the optimistic `last_seq` race before answering 503. */
const MAX_APPEND_ATTEMPTS = 12;
/** Keeps a page well inside Lambda's 6 MB response limit. */
const MAX_PAGE_BYTES = 4 * 1024 * 1024;

export function checkEventSizes(events: NewEvent[]): void {
  events.forEach((event, index) => {
    if (event.message && Buffer.byteLength(event.message, "utf8") > MAX_MESSAGE_BYTES) {
      throw new PayloadTooLargeError(
        `events[${index}].message is larger than ${MAX_MESSAGE_BYTES} bytes.`,
        {
          index,
          field: "message",
          max_bytes: MAX_MESSAGE_BYTES,
        },
      );
    }
    if (
      event.event_data &&
      Buffer.byteLength(JSON.stringify(event.event_data), "utf8") > MAX_EVENT_DATA_BYTES
    ) {
      throw new PayloadTooLargeError(
        `events[${index}].event_data is larger than ${MAX_EVENT_DATA_BYTES} bytes serialized.`,
        { index, field: "event_data", max_bytes: MAX_EVENT_DATA_BYTES },
      );
    }
  });
}

function assertAcceptsEvents(session: SessionItem | undefined): SessionItem {
  if (!session) throw sessionNotFound();
  if (session.status === "expired") {
    throw new AppError(
      "SESSION_ALREADY_ENDED",
      "The session has expired and no longer accepts events.",
      {
        status: session.status,
      },
    );
  }
  return session;
}

export async function appendEvents(
  principal: Principal,
  sessionId: string,
  input: NewEvent[],
): Promise<AppendEventsResult> {
  checkEventSizes(input);
  const tenant = principal.tenantId;
  let read = assertAcceptsEvents(await readSession(tenant, sessionId));
  for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt += 1) {
    // Never earlier than the newest event, so time order follows seq order.
    const timestamp = laterOf(isoNow(), read.last_event_at);
    const typeCounts = new Map(Object.entries(read.type_counts));
    const events: StoredEvent[] = input.map((event, index) => {
      const typeOrd = (typeCounts.get(event.event_type) ?? 0) + 1;
      typeCounts.set(event.event_type, typeOrd);
      return {
        record_id: newRecordId(),
        session_id: sessionId,
        user_id: read.user_id,
        seq: read.last_seq + index + 1,
        event_type: event.event_type,
        timestamp,
        source: EVENT_SOURCE_API,
        performer_id: event.performer_id ?? principal.keyId,
        step_id: event.step_id ?? null,
        message: event.message ?? null,
        event_data: event.event_data ?? {},
        type_ord: typeOrd,
      };
    });
    const outcome = await commitAppend({
      tenant,
      read,
      events,
      eventTtlEpoch: eventTtl(read.expires_at, timestamp, config().RETENTION_DAYS),
      lastEventAt: timestamp,
    });
    if (outcome.committed) {
      const items = events.map(({ type_ord: _ord, ...event }) => event);
      return {
        session_id: sessionId,
        items,
        first_seq: items[0]?.seq ?? read.last_seq + 1,
        last_seq: read.last_seq + items.length,
      };
    }
    await sleep(backoffMs(attempt, 5, 200));
    const current = outcome.current?.deleting
      ? undefined
      : (outcome.current ?? (await readSession(tenant, sessionId)));
    read = assertAcceptsEvents(current);
  }
  throw new UnavailableError("Too many concurrent appends to this session; retry shortly.", 1);
}

function stripOrd(event: StoredEvent): SessionEvent {
  const { type_ord: _ord, ...rest } = event;
  return rest;
}

/**
 * A page of events. Filters narrow a seq range first (`after`, `before`,
 * and `since` mapped to a seq through the time index, which is valid because
 * timestamps never decrease along seq), then the range is read from the
 * partition or, for `event_type`, from the type index. `total` comes from
 * counters, never from reading the matching events.
 */
export async function queryEvents(
  principal: Principal,
  sessionId: string,
  query: EventsQuery,
): Promise<EventPage> {
  const tenant = principal.tenantId;
  const limit = query.limit ?? 100;
  const ascending = query.order === "asc";
  let from = (query.after ?? 0) + 1;
  const to = Math.min((query.before ?? MAX_SEQ + 1) - 1, MAX_SEQ);

  let session: SessionItem | undefined;
  if (query.since !== undefined) {
    const [read, firstAfter] = await Promise.all([
      readSession(tenant, sessionId),
      firstSeqAfterTime(tenant, sessionId, query.since),
    ]);
    session = read;
    if (!session) throw sessionNotFound();
    from = Math.max(from, firstAfter ?? session.last_seq + 1);
  }

  if (query.event_type !== undefined) {
    const type = query.event_type;
    const [read, page] = await Promise.all([
      session ? Promise.resolve(session) : readSession(tenant, sessionId),
      from > to
        ? Promise.resolve({ events: [], hasMore: false })
        : readTypeRange({
            tenant,
            sessionId,
            eventType: type,
            range: { from, to },
            ascending,
            limit,
          }),
    ]);
    if (!read) throw sessionNotFound();
    const upper = Math.min(to, read.last_seq);
    const total =
      from > upper
        ? 0
        : (upper >= read.last_seq
            ? (read.type_counts[type] ?? 0)
            : await typeCountUpTo(tenant, sessionId, type, upper)) -
          (await typeCountUpTo(tenant, sessionId, type, from - 1));
    return pageOf(sessionId, read, page.events, page.hasMore, total);
  }

  // Open at the top: the same Query returns the session item with the events.
  const openTop = query.before === undefined;
  const [page, separate] = await Promise.all([
    from > to
      ? Promise.resolve({ events: [], session: undefined, hasMore: false })
      : readSeqRange({
          tenant,
          sessionId,
          range: { from, to },
          ascending,
          limit,
          includeSession: openTop,
        }),
    // The Query carries the session item only when it runs: an empty range reads it separately.
    (openTop && from <= to) || session ? Promise.resolve(session) : readSession(tenant, sessionId),
  ]);
  // An ascending page that filled up stops short of the session item: one more read.
  const read =
    session ??
    page.session ??
    separate ??
    (page.events.length > 0 ? await readSession(tenant, sessionId) : undefined);
  if (!read || read.deleting) throw sessionNotFound();
  const upper = Math.min(to, read.last_seq);
  const total = Math.max(0, upper - from + 1);
  // An append can commit while an ascending Query walks towards the session
  // item: its events are then counted in `latest_seq` but not in `items`.
  // Flag them so a client never takes `latest_seq` as a position it has seen.
  const lastReturned = ascending ? (page.events[page.events.length - 1]?.seq ?? from - 1) : upper;
  return pageOf(sessionId, read, page.events, page.hasMore || lastReturned < upper, total);
}

function pageOf(
  sessionId: string,
  session: SessionItem,
  events: StoredEvent[],
  hasMore: boolean,
  total: number,
): EventPage {
  const items: SessionEvent[] = [];
  let bytes = 0;
  let truncated = false;
  for (const event of events) {
    const item = stripOrd(event);
    bytes += Buffer.byteLength(JSON.stringify(item), "utf8");
    if (bytes > MAX_PAGE_BYTES && items.length > 0) {
      truncated = true;
      break;
    }
    items.push(item);
  }
  return {
    session_id: sessionId,
    items,
    total,
    returned: items.length,
    has_more: hasMore || truncated,
    latest_seq: session.last_seq,
    server_time: isoNow(),
  };
}
