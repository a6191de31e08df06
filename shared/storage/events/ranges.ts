/**
 * Reading events back: strongly consistent Queries on the session's partition
 * (by seq), or on its local indexes (by time, by type), and the counts the
 * type index answers without reading the events.
 *
 * Event sort keys sort before the session item's, so a range that ends at the
 * session item returns the events and the session in one Query: a poll with
 * `after` is one request.
 */
import { QueryCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { tableName } from "../../config.ts";
import { dynamo } from "../clients.ts";
import { parseEventItem } from "../event-items.ts";
import { SessionItem } from "../items.ts";
import {
  EVENT_INDEX_SORT,
  EVENT_SK_PREFIX,
  eventSk,
  eventTypeSortKey,
  INDEX,
  indexKeys,
  keys,
  SESSION_SK,
} from "../keys.ts";
import { MAX_SEQ, type StoredEvent } from "./stored-event.ts";

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
