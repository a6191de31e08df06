/**
 * Appending events and reading them back. Seq is assigned in commit order by
 * the conditional transaction, so a poller that asks for `after={last seq}`
 * can never miss an event that commits later with a smaller seq.
 */
import { config } from "../config.ts";
import type {
  AppendEventsResult,
  EventPage,
  EventsQuery,
  NewEvent,
  SessionEvent,
} from "../contract/schemas/events.ts";
import { followingTimestamps, isoNow, justBefore } from "../domain/clock.ts";
import {
  AppError,
  PayloadTooLargeError,
  sessionNotFound,
  UnavailableError,
} from "../domain/errors.ts";
import { EVENT_SOURCE_API, MAX_EVENT_DATA_BYTES, MAX_MESSAGE_BYTES } from "../domain/events.ts";
import { newRecordId } from "../domain/ids.ts";
import type { Principal } from "../domain/principal.ts";
import { isOverdue } from "../domain/session.ts";
import { eventTtl } from "../storage/event-items.ts";
import {
  cancelAppendTurn,
  commitAppend,
  firstSeqAfterTime,
  MAX_SEQ,
  readSeqRange,
  readTypeRange,
  type SeqRange,
  type StoredEvent,
  skipAppendTurn,
  takeAppendTurn,
  typeCountUpTo,
} from "../storage/event-store.ts";
import type { SessionItem } from "../storage/items.ts";
import { readSession } from "../storage/session-store.ts";
import { RACE_RETRY_BUDGET_MS, sleep } from "../storage/transactions.ts";
import { closeOverdue, visibleTo } from "./sessions.ts";

/** A turn at the head of the queue this long without committing is taken as abandoned. */
const STUCK_TURN_MS = 1500;
/** Poll spacing per place in the append queue: about one commit's time. */
const TURN_POLL_STEP_MS = 10;
const TURN_POLL_CAP_MS = 250;
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

/**
 * The session, if it still takes events: appends are accepted until it
 * expires or is deleted. An overdue session is closed here as the expiry job
 * would close it, so no event lands after its expires_at.
 */
async function acceptingSession(
  tenant: string,
  session: SessionItem | undefined,
): Promise<SessionItem> {
  if (!session) throw sessionNotFound();
  if (isOverdue(session, isoNow())) await closeOverdue(tenant, session);
  if (session.status === "expired" || isOverdue(session, isoNow())) {
    throw new AppError(
      "SESSION_ALREADY_ENDED",
      "The session has expired and no longer accepts events.",
      { status: "expired" },
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
  const read = await acceptingSession(
    tenant,
    visibleTo(principal, await readSession(tenant, sessionId)),
  );
  // Uncontended: commit straight away while no append is queued.
  if ((read.next_turn ?? 0) === (read.served_turn ?? 0)) {
    const outcome = await commitEvents(principal, read, input, undefined);
    if (outcome.committed) return outcome.result;
  }
  return appendInTurn(principal, sessionId, input);
}

/**
 * Contended: take a turn and commit when the turns before it are served.
 * Waiting costs one strongly consistent read per poll, spaced by the place in
 * the queue, instead of a failed transaction per lost race.
 */
async function appendInTurn(
  principal: Principal,
  sessionId: string,
  input: NewEvent[],
): Promise<AppendEventsResult> {
  const tenant = principal.tenantId;
  const deadline = Date.now() + RACE_RETRY_BUDGET_MS;
  let taken = await takeAppendTurn(tenant, sessionId);
  let headSince = { served: -1, at: Date.now() };
  while (taken) {
    const { turn } = taken;
    const session = await acceptingSession(tenant, taken.session);
    const served = session.served_turn ?? 0;
    if (served >= turn) {
      // Skipped as stuck while this writer was slow: queue again.
      taken = await takeAppendTurn(tenant, sessionId);
      continue;
    }
    if (served === turn - 1) {
      const outcome = await commitEvents(principal, session, input, turn);
      if (outcome.committed) return outcome.result;
      // A lifecycle step moved last_seq meanwhile: decide again on the session as it is.
      taken = { turn, session: outcome.current ?? (await currentSession(tenant, sessionId)) };
      continue;
    }
    if (Date.now() >= deadline) {
      await cancelAppendTurn(tenant, sessionId, turn);
      break;
    }
    if (served !== headSince.served) headSince = { served, at: Date.now() };
    const next = served + 1;
    if (session.cancelled_turns?.has(next) || Date.now() - headSince.at > STUCK_TURN_MS) {
      await skipAppendTurn(tenant, sessionId, served);
    } else {
      await sleep(Math.min(TURN_POLL_CAP_MS, (turn - 1 - served) * TURN_POLL_STEP_MS));
    }
    taken = { turn, session: await currentSession(tenant, sessionId) };
  }
  if (!taken) await acceptingSession(tenant, await readSession(tenant, sessionId));
  throw new UnavailableError("Too many concurrent appends to this session; retry shortly.", 1);
}

async function currentSession(tenant: string, sessionId: string): Promise<SessionItem> {
  const session = await readSession(tenant, sessionId);
  if (!session) throw sessionNotFound();
  return session;
}

async function commitEvents(
  principal: Principal,
  read: SessionItem,
  input: NewEvent[],
  turn: number | undefined,
): Promise<
  { committed: true; result: AppendEventsResult } | { committed: false; current?: SessionItem }
> {
  const events = stampEvents(principal, read, input);
  const last = events[events.length - 1];
  const lastEventAt = last?.timestamp ?? read.last_event_at;
  const outcome = await commitAppend({
    tenant: principal.tenantId,
    read,
    events,
    eventTtlEpoch: eventTtl(read.expires_at, lastEventAt, config().RETENTION_DAYS),
    lastEventAt,
    turn,
  });
  if (!outcome.committed) {
    return outcome.current && !outcome.current.deleting
      ? { committed: false, current: outcome.current }
      : { committed: false };
  }
  const items = events.map(stripOrd);
  return {
    committed: true,
    result: {
      session_id: read.session_id,
      items,
      first_seq: read.last_seq + 1,
      last_seq: read.last_seq + items.length,
    },
  };
}

/** The events as they will be stored: the next seqs, each stamped after the one before. */
function stampEvents(principal: Principal, read: SessionItem, input: NewEvent[]): StoredEvent[] {
  const typeCounts = new Map(Object.entries(read.type_counts));
  const timestamps = followingTimestamps(read.last_event_at, input.length);
  return input.map((event, index) => {
    const typeOrd = (typeCounts.get(event.event_type) ?? 0) + 1;
    typeCounts.set(event.event_type, typeOrd);
    return {
      record_id: newRecordId(),
      session_id: read.session_id,
      user_id: read.user_id,
      seq: read.last_seq + index + 1,
      event_type: event.event_type,
      timestamp: timestamps[index] ?? isoNow(),
      source: EVENT_SOURCE_API,
      performer_id: event.performer_id ?? principal.keyId,
      step_id: event.step_id ?? null,
      message: event.message ?? null,
      event_data: event.event_data ?? {},
      type_ord: typeOrd,
    };
  });
}

function stripOrd(event: StoredEvent): SessionEvent {
  const { type_ord: _ord, ...rest } = event;
  return rest;
}

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

function pageOf(input: {
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
    const item = stripOrd(event);
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
