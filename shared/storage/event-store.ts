/**
 * DynamoDB adapter for events. Appends commit with the `last_seq` move in one
 * transaction; reads are strongly consistent Queries on the session's
 * partition (by seq), or on its local indexes (by time, by type).
 *
 * Event sort keys (`E#{seq}`) sort before the session item (`SESSION`), so a
 * range that ends at `SESSION` returns the events and the session in one
 * Query: a poll with `after` is one request.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { tableName } from "../config.ts";
import type { SessionEvent } from "../contract/schemas/events.ts";
import { dynamo } from "./clients.ts";
import { eventItem, parseEventItem } from "./event-items.ts";
import { SessionItem } from "./items.ts";
import {
  EVENT_INDEX_SORT,
  EVENT_SK_PREFIX,
  eventSk,
  eventTypeSortKey,
  INDEX,
  indexKeys,
  keys,
  SESSION_SK,
} from "./keys.ts";
import {
  cancelledError,
  failedCondition,
  isRetryable,
  type TransactItem,
  transactWrite,
} from "./transactions.ts";

export type StoredEvent = SessionEvent & { type_ord: number };

/** Largest seq a query range can name (keys hold 12 digits). */
export const MAX_SEQ = 999_999_999_999;

export type AppendOutcome =
  | { committed: true }
  | { committed: false; current: SessionItem | undefined };

/**
 * Writes the events and moves `last_seq` from the value that was read, in one
 * transaction. On a lost race it returns the session as it now is (from the
 * failed condition), so the caller can retry without another read.
 *
 * Without a `turn` it commits only while no append is queued; with one, only
 * when the turn before it has been served, and it marks its own as served.
 */
export interface AppendInput {
  tenant: string;
  read: SessionItem;
  events: StoredEvent[];
  eventTtlEpoch: number;
  lastEventAt: string;
  turn?: number | undefined;
}

export async function commitAppend(input: AppendInput): Promise<AppendOutcome> {
  const { tenant, events } = input;
  const last = events[events.length - 1];
  if (!last) throw new Error("append needs at least one event");
  const items: TransactItem[] = [
    appendUpdate(input, last),
    ...events.map(
      (event): TransactItem => ({
        Put: {
          TableName: tableName(),
          Item: eventItem(tenant, event, event.type_ord, input.eventTtlEpoch),
          ConditionExpression: "attribute_not_exists(pk)",
        },
      }),
    ),
  ];
  const outcome = await transactWrite(items);
  if (outcome.committed) return { committed: true };
  if (failedCondition(outcome.reasons, 0)) {
    const current = SessionItem.safeParse(outcome.reasons[0]?.item);
    return { committed: false, current: current.success ? current.data : undefined };
  }
  if (
    isRetryable(outcome.reasons) ||
    outcome.reasons.some((_, index) => failedCondition(outcome.reasons, index))
  ) {
    return { committed: false, current: undefined };
  }
  throw cancelledError("append", outcome.reasons);
}

/**
 * The session's move to the last event: `last_seq`, clocks and per-type
 * counts, conditional on the `last_seq` read, a live session and the queue.
 */
function appendUpdate(input: AppendInput, last: StoredEvent): TransactItem {
  const { read, events } = input;
  const names: Record<string, string> = { "#tc": "type_counts", "#status": "status" };
  const values: Record<string, unknown> = {
    ":read_seq": read.last_seq,
    ":seq": last.seq,
    ":at": input.lastEventAt,
    ":expired": "expired",
    ":zero": 0,
  };
  const sets = ["last_seq = :seq", "last_event_at = :at", "last_accessed = :at"];
  let queueCondition = "(attribute_not_exists(next_turn) OR next_turn = served_turn)";
  if (input.turn !== undefined) {
    values[":previous_turn"] = input.turn - 1;
    values[":turn"] = input.turn;
    queueCondition = "served_turn = :previous_turn";
    sets.push("served_turn = :turn");
  }
  const perType = new Map<string, number>();
  for (const event of events)
    perType.set(event.event_type, (perType.get(event.event_type) ?? 0) + 1);
  [...perType.entries()].forEach(([type, count], index) => {
    names[`#t${index}`] = type;
    values[`:c${index}`] = count;
    sets.push(`#tc.#t${index} = if_not_exists(#tc.#t${index}, :zero) + :c${index}`);
  });
  return {
    Update: {
      TableName: tableName(),
      Key: keys.session(input.tenant, read.session_id),
      UpdateExpression: `SET ${sets.join(", ")}`,
      ConditionExpression: `last_seq = :read_seq AND #status <> :expired AND attribute_not_exists(deleting) AND ${queueCondition}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    },
  };
}

/**
 * The append queue. Appenders that lose a race take a turn (an atomic
 * counter on the session item) and commit in turn order, so under contention
 * every append waits its place instead of losing races at random; a writer
 * that would otherwise lose ten races in a row to newcomers is served in
 * order. Returns the turn and the session as it is after taking it, or
 * undefined when the session no longer takes events.
 */
export async function takeAppendTurn(
  tenant: string,
  sessionId: string,
): Promise<{ turn: number; session: SessionItem } | undefined> {
  try {
    const result = await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.session(tenant, sessionId),
        UpdateExpression:
          "SET next_turn = if_not_exists(next_turn, :zero) + :one, served_turn = if_not_exists(served_turn, :zero)",
        ConditionExpression:
          "attribute_exists(pk) AND #status <> :expired AND attribute_not_exists(deleting)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":zero": 0, ":one": 1, ":expired": "expired" },
        ReturnValues: "ALL_NEW",
      }),
    );
    const session = SessionItem.parse(result.Attributes);
    return { turn: session.next_turn ?? 1, session };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/**
 * Moves the queue past a turn whose writer is gone (it gave up, or was seen
 * holding the head of the queue for too long). Conditional on the served turn
 * the caller saw, so one stuck turn is skipped once however many writers try;
 * a skipped writer that comes back finds its turn gone and queues again.
 */
export async function skipAppendTurn(
  tenant: string,
  sessionId: string,
  servedTurn: number,
): Promise<void> {
  await updateTurnsIf(tenant, sessionId, {
    UpdateExpression: "SET served_turn = :next DELETE cancelled_turns :skipped",
    ConditionExpression: "served_turn = :served AND next_turn > :served",
    ExpressionAttributeValues: {
      ":served": servedTurn,
      ":next": servedTurn + 1,
      ":skipped": new Set([servedTurn + 1]),
    },
  });
}

/** Marks a turn as given up, so the writers behind it need not wait for it. */
export async function cancelAppendTurn(
  tenant: string,
  sessionId: string,
  turn: number,
): Promise<void> {
  await updateTurnsIf(tenant, sessionId, {
    UpdateExpression: "ADD cancelled_turns :turn",
    ConditionExpression: "served_turn < :number",
    ExpressionAttributeValues: { ":turn": new Set([turn]), ":number": turn },
  });
}

/** A change to the queue's counters that is moot, not an error, when its condition fails. */
async function updateTurnsIf(
  tenant: string,
  sessionId: string,
  change: Pick<
    UpdateCommandInput,
    "UpdateExpression" | "ConditionExpression" | "ExpressionAttributeValues"
  >,
): Promise<void> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.session(tenant, sessionId),
        ...change,
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

export interface SeqRange {
  /** Lowest seq wanted (inclusive). */
  from: number;
  /** Highest seq wanted (inclusive). */
  to: number;
}

export interface RangeRead {
  events: StoredEvent[];
  /** Present when the Query reached the session item (ranges open at the top). */
  session: SessionItem | undefined;
  /** True when more events lie in the range beyond those returned. */
  hasMore: boolean;
  requests: number;
}

/**
 * Events of a seq range in seq order, at most `limit`, reading past the 1 MB
 * page size when needed. With `includeSession` the range is extended to the
 * session item, which the same Query then returns.
 */
export async function readSeqRange(input: {
  tenant: string;
  sessionId: string;
  range: SeqRange;
  ascending: boolean;
  limit: number;
  includeSession: boolean;
}): Promise<RangeRead> {
  const { tenant, sessionId } = input;
  const pk = keys.sessionPartition(tenant, sessionId);
  const upper = input.includeSession ? SESSION_SK : eventSk(input.range.to);
  return collect(
    {
      TableName: tableName(),
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
      ExpressionAttributeValues: { ":pk": pk, ":lo": eventSk(input.range.from), ":hi": upper },
      ScanIndexForward: input.ascending,
      ConsistentRead: true,
    },
    input.limit,
    input.range,
  );
}

/** Events of one type within a seq range, from the type index. */
export async function readTypeRange(input: {
  tenant: string;
  sessionId: string;
  eventType: string;
  range: SeqRange;
  ascending: boolean;
  limit: number;
}): Promise<RangeRead> {
  const pk = keys.sessionPartition(input.tenant, input.sessionId);
  return collect(
    {
      TableName: tableName(),
      IndexName: INDEX.eventsByType,
      KeyConditionExpression: "pk = :pk AND #isk BETWEEN :lo AND :hi",
      ExpressionAttributeNames: { "#isk": EVENT_INDEX_SORT.byType },
      ExpressionAttributeValues: {
        ":pk": pk,
        ":lo": eventTypeSortKey(input.eventType, input.range.from),
        ":hi": eventTypeSortKey(input.eventType, input.range.to),
      },
      ScanIndexForward: input.ascending,
      ConsistentRead: true,
    },
    input.limit,
    input.range,
  );
}

async function collect(
  query: QueryCommandInput,
  limit: number,
  range: SeqRange,
): Promise<RangeRead> {
  const events: StoredEvent[] = [];
  let session: SessionItem | undefined;
  let requests = 0;
  let exclusiveStart: Record<string, unknown> | undefined;
  // One more than wanted tells whether more exist; one more again for the session item.
  const wanted = limit + 1;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        ...query,
        Limit: wanted - events.length + 1,
        ExclusiveStartKey: exclusiveStart,
      }),
    );
    requests += 1;
    for (const raw of page.Items ?? []) {
      if (raw.sk === SESSION_SK) {
        session = SessionItem.parse(raw);
        continue;
      }
      if (typeof raw.sk !== "string" || !raw.sk.startsWith(EVENT_SK_PREFIX)) continue;
      const event = parseEventItem(raw);
      if (event.seq < range.from || event.seq > range.to) continue;
      if (events.length < wanted) events.push(event);
    }
    exclusiveStart = page.LastEvaluatedKey;
  } while (exclusiveStart && events.length < wanted);
  // The loop stops at `wanted` events or at the end of the range.
  const hasMore = events.length > limit;
  return { events: events.slice(0, limit), session, hasMore, requests };
}

/** Seq of the first event with a timestamp strictly after `since`, if any. */
export async function firstSeqAfterTime(
  tenant: string,
  sessionId: string,
  since: string,
): Promise<number | undefined> {
  const result = await dynamo().send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: INDEX.eventsByTime,
      KeyConditionExpression: "pk = :pk AND #isk > :since",
      ExpressionAttributeNames: { "#isk": EVENT_INDEX_SORT.byTime },
      ExpressionAttributeValues: {
        ":pk": keys.sessionPartition(tenant, sessionId),
        ":since": indexKeys.eventByTimeAfter(since),
      },
      ProjectionExpression: "seq",
      ScanIndexForward: true,
      ConsistentRead: true,
      Limit: 1,
    }),
  );
  const seq = result.Items?.[0]?.seq;
  return typeof seq === "number" ? seq : undefined;
}

/**
 * How many events of a type have seq ≤ `atOrBelow`: the `type_ord` of the
 * newest such event (each event stores its position among its type).
 */
export async function typeCountUpTo(
  tenant: string,
  sessionId: string,
  eventType: string,
  atOrBelow: number,
): Promise<number> {
  if (atOrBelow < 1) return 0;
  const result = await dynamo().send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: INDEX.eventsByType,
      KeyConditionExpression: "pk = :pk AND #isk BETWEEN :lo AND :hi",
      ExpressionAttributeNames: { "#isk": EVENT_INDEX_SORT.byType },
      ExpressionAttributeValues: {
        ":pk": keys.sessionPartition(tenant, sessionId),
        ":lo": eventTypeSortKey(eventType, 0),
        ":hi": eventTypeSortKey(eventType, Math.min(atOrBelow, MAX_SEQ)),
      },
      ProjectionExpression: "type_ord",
      ScanIndexForward: false,
      ConsistentRead: true,
      Limit: 1,
    }),
  );
  const ord = result.Items?.[0]?.type_ord;
  return typeof ord === "number" ? ord : 0;
}
