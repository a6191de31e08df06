/**
 * DynamoDB adapter for sessions. Every state change is one
 * TransactWriteItems that also writes the boundary event, moves `last_seq`
 * and keeps the open-session lock and the tenant's status counters in step.
 */
import { randomInt } from "node:crypto";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import {
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { tableName } from "../config.ts";
import type { SessionEvent } from "../contract/schemas/events.ts";
import type { SessionOutcome, SessionStatus } from "../domain/session.ts";
import { dynamo } from "./clients.ts";
import { eventItem } from "./event-items.ts";
import { OpenLockItem, SessionItem } from "./items.ts";
import {
  INDEX,
  INDEX_KEY_ATTRIBUTES,
  type ItemKey,
  indexKeys,
  keys,
  OPEN_BY_EXPIRY_ATTRIBUTES,
  STATS_SHARDS,
  sessionListPosition,
  sessionListStartKey,
  TTL_ATTRIBUTE,
} from "./keys.ts";
import { outcomeCounter } from "./stats-store.ts";
import {
  backoffMs,
  cancelledError,
  failedCondition,
  isRetryable,
  sleep,
  type TransactItem,
  transactWrite,
} from "./transactions.ts";
import { userKeyedMap } from "./user-keyed-maps.ts";
import { VERSION_AS_READ, versionAsReadValues } from "./version-condition.ts";

/** An Idempotency-Key as sent, and the own-scoped key it belongs to (null: the tenant's). */
export interface ReplayKey {
  value: string;
  ownerKeyId: string | null;
}

export interface IdempotencyRecord {
  key: ReplayKey;
  bodyHash: string;
  status: number;
  response: unknown;
  expiresAtEpoch: number;
}

export type CreateOutcome =
  | { created: true }
  | { created: false; reason: "open_session_exists"; activeSessionId: string | undefined }
  | { created: false; reason: "idempotency_key_taken" }
  | { created: false; reason: "conflict" };

/** Counter names beside the status counts (outcomes of ended sessions). */
export type CounterChanges = Partial<Record<SessionStatus | `outcome_${string}`, number>>;

function counterUpdate(key: ItemKey, changes: CounterChanges): TransactItem {
  const names: Record<string, string> = {};
  const values: Record<string, number> = {};
  const clauses: string[] = [];
  Object.entries(changes).forEach(([counter, delta], index) => {
    names[`#c${index}`] = counter;
    values[`:c${index}`] = delta ?? 0;
    clauses.push(`#c${index} :c${index}`);
  });
  return {
    Update: {
      TableName: tableName(),
      Key: key,
      UpdateExpression: `ADD ${clauses.join(", ")}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * The tenant's counters, and for a session started by an `own` key that
 * key's counters too, moved in the same transaction as the session.
 */
function statsUpdates(
  tenant: string,
  session: Pick<SessionItem, "started_by_key" | "key_counted">,
  changes: CounterChanges,
): TransactItem[] {
  const updates = [counterUpdate(keys.stats(tenant, randomInt(STATS_SHARDS)), changes)];
  if (session.key_counted && session.started_by_key) {
    updates.push(
      counterUpdate(
        keys.keyStats(tenant, session.started_by_key, randomInt(STATS_SHARDS)),
        changes,
      ),
    );
  }
  return updates;
}

/** Deletes the user's open-session lock, only if it names this session (or is already gone). */
function releaseLock(tenant: string, session: SessionItem): TransactItem {
  return {
    Delete: {
      TableName: tableName(),
      Key: keys.openLock(tenant, session.user_id),
      ConditionExpression: "attribute_not_exists(pk) OR session_id = :sid",
      ExpressionAttributeValues: { ":sid": session.session_id },
    },
  };
}

export function sessionItemOf(tenant: string, session: SessionItem): Record<string, unknown> {
  return {
    ...session,
    labels: userKeyedMap(session.labels),
    ...keys.session(tenant, session.session_id),
    ...indexKeys.sessionsByCreated(tenant, session.created_at, session.session_id),
    ...indexKeys.sessionsByUser(tenant, session.user_id, session.created_at, session.session_id),
    ...indexKeys.openByExpiry(tenant, session.session_id, session.expires_at),
    entity: "session",
  };
}

/**
 * Start: the lock (only if no open session holds it), the session and its
 * first event, in one transaction. The lock's condition is the only thing
 * that enforces one open session per user.
 */
export async function createSession(
  tenant: string,
  session: SessionItem,
  startEvent: SessionEvent,
  eventTtlEpoch: number,
  idempotency: IdempotencyRecord | undefined,
): Promise<CreateOutcome> {
  const table = tableName();
  const items: TransactItem[] = [
    openLockPut(tenant, session),
    {
      Put: {
        TableName: table,
        Item: sessionItemOf(tenant, session),
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
    {
      Put: {
        TableName: table,
        Item: eventItem(tenant, startEvent, 1, eventTtlEpoch),
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
    ...statsUpdates(tenant, session, { active: 1 }),
  ];
  const idempotencyIndex = items.length;
  if (idempotency) items.push(idempotencyPut(tenant, idempotency));
  const outcome = await transactWrite(items);
  if (outcome.committed) return { created: true };
  if (failedCondition(outcome.reasons, 0)) {
    const lock = OpenLockItem.safeParse(outcome.reasons[0]?.item);
    return {
      created: false,
      reason: "open_session_exists",
      activeSessionId: lock.success ? lock.data.session_id : undefined,
    };
  }
  if (idempotency && failedCondition(outcome.reasons, idempotencyIndex)) {
    return { created: false, reason: "idempotency_key_taken" };
  }
  if (isRetryable(outcome.reasons)) return { created: false, reason: "conflict" };
  throw cancelledError("start", outcome.reasons);
}

/** The user's open-session lock, only if no open session holds it; a refusal returns the holder. */
function openLockPut(tenant: string, session: SessionItem): TransactItem {
  return {
    Put: {
      TableName: tableName(),
      Item: {
        ...keys.openLock(tenant, session.user_id),
        entity: "open_lock",
        tenant_id: tenant,
        user_id: session.user_id,
        session_id: session.session_id,
        created_at: session.created_at,
      },
      ConditionExpression: "attribute_not_exists(pk)",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    },
  };
}

function idempotencyPut(tenant: string, idempotency: IdempotencyRecord): TransactItem {
  return {
    Put: {
      TableName: tableName(),
      Item: {
        ...keys.idempotency(tenant, idempotency.key.value, idempotency.key.ownerKeyId),
        entity: "idempotency",
        body_hash: idempotency.bodyHash,
        status: idempotency.status,
        response: JSON.stringify(idempotency.response),
        [TTL_ATTRIBUTE]: idempotency.expiresAtEpoch,
      },
      ConditionExpression: "attribute_not_exists(pk)",
    },
  };
}

/** The boundary event of a change to the read session, numbered within its type. */
function boundaryEventPut(
  tenant: string,
  read: SessionItem,
  event: SessionEvent,
  eventTtlEpoch: number,
): TransactItem {
  const typeOrd = (read.type_counts[event.event_type] ?? 0) + 1;
  return {
    Put: {
      TableName: tableName(),
      Item: eventItem(tenant, event, typeOrd, eventTtlEpoch),
      ConditionExpression: "attribute_not_exists(pk)",
    },
  };
}

export async function readIdempotencyRecord(
  tenant: string,
  key: ReplayKey,
): Promise<{ bodyHash: string; status: number; response: unknown } | undefined> {
  const result = await dynamo().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.idempotency(tenant, key.value, key.ownerKeyId),
      ConsistentRead: true,
    }),
  );
  const item = result.Item;
  if (!item) return undefined;
  const ttl = item[TTL_ATTRIBUTE];
  // TTL deletion is lazy: an expired record must not replay.
  if (typeof ttl === "number" && ttl * 1000 < Date.now()) return undefined;
  const bodyHash = item.body_hash;
  const status = item.status;
  const response = item.response;
  if (typeof bodyHash !== "string" || typeof status !== "number" || typeof response !== "string") {
    return undefined;
  }
  return { bodyHash, status, response: JSON.parse(response) };
}

/** The session, or undefined when it does not exist or is being deleted. */
export async function readSession(
  tenant: string,
  sessionId: string,
): Promise<SessionItem | undefined> {
  const result = await dynamo().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.session(tenant, sessionId),
      ConsistentRead: true,
    }),
  );
  if (!result.Item) return undefined;
  const session = SessionItem.parse(result.Item);
  return session.deleting ? undefined : session;
}

export type TransitionOutcome = "committed" | "stale";

/**
 * One lifecycle step as one transaction: the session update (conditional on
 * the status and `last_seq` that were read), the boundary event, and for a
 * closing step the release of the lock. "stale" means another writer got
 * there first; the caller re-reads and decides again.
 */
export interface TransitionInput {
  tenant: string;
  read: SessionItem;
  allowedFrom: readonly SessionStatus[];
  to: SessionStatus;
  event: SessionEvent;
  eventTtlEpoch: number;
  closes: boolean;
  endedAt: string;
  endedBy: string | null;
  sessionTtlEpoch: number | null;
  /** The status period the step closes, added to the session's time counters. */
  period: { bucket: "active_ms" | "paused_ms"; ms: number; until: string };
  /** An end's outcome and reason (both may be null); undefined for other steps. */
  ending?: { outcome: SessionOutcome | null; reason: string | null } | undefined;
}

export async function commitTransition(input: TransitionInput): Promise<TransitionOutcome> {
  const { tenant, read } = input;
  const update = transitionUpdate(input);
  if (input.closes) closeSession(update, input);
  const counters: CounterChanges = { [read.status]: -1, [input.to]: 1 };
  if (input.ending) {
    update.sets.push("outcome = :outcome", "end_reason = :end_reason");
    update.values[":outcome"] = input.ending.outcome;
    update.values[":end_reason"] = input.ending.reason;
    if (input.ending.outcome) counters[outcomeCounter(input.ending.outcome)] = 1;
  }
  const items: TransactItem[] = [
    {
      Update: {
        TableName: tableName(),
        Key: keys.session(tenant, read.session_id),
        UpdateExpression: `SET ${update.sets.join(", ")}${update.removes.length ? ` REMOVE ${update.removes.join(", ")}` : ""}`,
        ConditionExpression: `#status IN (${update.fromTokens.join(", ")}) AND last_seq = :read_seq AND ${VERSION_AS_READ} AND attribute_not_exists(deleting)`,
        ExpressionAttributeNames: update.names,
        ExpressionAttributeValues: { ...update.values, ...versionAsReadValues(read) },
      },
    },
    boundaryEventPut(tenant, read, input.event, input.eventTtlEpoch),
    ...statsUpdates(tenant, read, counters),
  ];
  if (input.closes) {
    items.push(releaseLock(tenant, read));
  }
  const outcome = await transactWrite(items);
  if (outcome.committed) return "committed";
  if (failedCondition(outcome.reasons, 0) || failedCondition(outcome.reasons, 1)) return "stale";
  if (isRetryable(outcome.reasons)) return "stale";
  throw cancelledError("transition", outcome.reasons);
}

/** A session update's clauses, with the names and values they use, built up step by step. */
interface TransitionUpdate {
  sets: string[];
  removes: string[];
  fromTokens: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/** What every step sets: the status, the clocks, `last_seq`, the counters and the closed period. */
function transitionUpdate(input: TransitionInput): TransitionUpdate {
  const { read, event } = input;
  const names: Record<string, string> = {
    "#status": "status",
    "#tc": "type_counts",
    "#type": event.event_type,
  };
  const values: Record<string, unknown> = {
    ":to": input.to,
    ":now": event.timestamp,
    ":seq": event.seq,
    ":read_seq": read.last_seq,
    ":zero": 0,
    ":one": 1,
  };
  const fromTokens = input.allowedFrom.map((status, index) => {
    values[`:from${index}`] = status;
    return `:from${index}`;
  });
  const sets = [
    "#status = :to",
    "updated_at = :now",
    "last_accessed = :now",
    "last_event_at = :now",
    "last_seq = :seq",
    "#tc.#type = if_not_exists(#tc.#type, :zero) + :one",
    "version = if_not_exists(version, :one) + :one",
    "#bucket = if_not_exists(#bucket, :zero) + :period_ms",
    "state_since = :state_since",
  ];
  names["#bucket"] = input.period.bucket;
  values[":period_ms"] = input.period.ms;
  values[":state_since"] = input.period.until;
  return { sets, removes: [], fromTokens, names, values };
}

/** A closing step: the end time and the session's TTL set, and it leaves the open-by-expiry index. */
function closeSession(update: TransitionUpdate, input: TransitionInput): void {
  update.sets.push("ended_at = :ended_at", "ended_by = :ended_by", `#ttl = :ttl`);
  update.names["#ttl"] = TTL_ATTRIBUTE;
  update.values[":ended_at"] = input.endedAt;
  update.values[":ended_by"] = input.endedBy;
  update.values[":ttl"] = input.sessionTtlEpoch;
  update.removes.push(...OPEN_BY_EXPIRY_ATTRIBUTES);
}

export type UpdateOutcome = "committed" | "stale";

/**
 * An update of the session's own fields as one transaction: the new notes and
 * labels, the version moved on, `last_seq` moved to the `session_updated`
 * event written beside it. Conditional on the `last_seq` and the version that
 * were read, so an append or another change in between makes it "stale".
 */
export async function commitUpdate(input: {
  tenant: string;
  read: SessionItem;
  sessionNotes: string | null;
  labels: Record<string, string>;
  event: SessionEvent;
  eventTtlEpoch: number;
}): Promise<UpdateOutcome> {
  const { tenant, read, event } = input;
  const outcome = await transactWrite([
    {
      Update: {
        TableName: tableName(),
        Key: keys.session(tenant, read.session_id),
        UpdateExpression: [
          "SET session_notes = :notes",
          "labels = :labels",
          "version = :version",
          "updated_at = :now",
          "last_accessed = :now",
          "last_event_at = :now",
          "last_seq = :seq",
          "#tc.#type = if_not_exists(#tc.#type, :zero) + :one",
        ].join(", "),
        ConditionExpression:
          "last_seq = :read_seq AND (version = :read_version OR (attribute_not_exists(version) AND :read_version = :one)) AND attribute_not_exists(deleting)",
        ExpressionAttributeNames: { "#tc": "type_counts", "#type": event.event_type },
        ExpressionAttributeValues: {
          ":notes": input.sessionNotes,
          ":labels": userKeyedMap(input.labels),
          ":version": read.version + 1,
          ":read_version": read.version,
          ":now": event.timestamp,
          ":seq": event.seq,
          ":read_seq": read.last_seq,
          ":zero": 0,
          ":one": 1,
        },
      },
    },
    boundaryEventPut(tenant, read, event, input.eventTtlEpoch),
  ]);
  if (outcome.committed) return "committed";
  if (
    failedCondition(outcome.reasons, 0) ||
    failedCondition(outcome.reasons, 1) ||
    isRetryable(outcome.reasons)
  ) {
    return "stale";
  }
  throw cancelledError("update", outcome.reasons);
}

/**
 * A status filter that sees sessions as callers do: an open session past its
 * expires_at is expired, whether or not the expiry job has closed it yet.
 */
function statusFilter(
  status: SessionStatus,
  now: string,
  names: Record<string, string>,
  values: Record<string, unknown>,
): string {
  names["#status"] = "status";
  values[":status"] = status;
  if (status === "ended") return "#status = :status";
  values[":now"] = now;
  if (status === "expired") {
    values[":active"] = "active";
    values[":paused"] = "paused";
    return "(#status = :status OR (#status IN (:active, :paused) AND expires_at <= :now))";
  }
  return "(#status = :status AND expires_at > :now)";
}

export interface ListPage {
  items: SessionItem[];
  /** Sort key position to continue after, or undefined on the last page. */
  nextPosition: string | undefined;
}

/**
 * A tenant's sessions, newest first, from gsi1 (or gsi2 when filtered by
 * user). A status filter is applied by DynamoDB after reading, so pages are
 * filled by reading on until `limit` matches or `maxReads` queries were made.
 */
export interface ListSessionsInput {
  /** Overdue open sessions are expired from their expires_at on: filters agree. */
  now: string;
  tenant: string;
  /** Only sessions this key started (an own-scoped caller). */
  startedByKey: string | undefined;
  userId: string | undefined;
  status: SessionStatus | undefined;
  outcome?: SessionOutcome | undefined;
  label?: { key: string; value: string } | undefined;
  createdAfter: string | undefined;
  createdBefore: string | undefined;
  limit: number;
  startAfterPosition: string | undefined;
  maxReads?: number;
}

export async function listSessions(input: ListSessionsInput): Promise<ListPage> {
  const range = listRange(input);
  if (range === "empty") return { items: [], nextPosition: undefined };
  const indexName = input.userId !== undefined ? INDEX.byOwner : INDEX.byTenant;
  const index = INDEX_KEY_ATTRIBUTES[indexName];
  const filter = listFilter(input);
  const read = await readListPages(input, {
    TableName: tableName(),
    IndexName: indexName,
    KeyConditionExpression: "#p = :p AND #s BETWEEN :lo AND :hi",
    FilterExpression: filter.expression,
    ExpressionAttributeNames: { "#p": index.partition, "#s": index.sort, ...filter.names },
    ExpressionAttributeValues: {
      ":p":
        input.userId !== undefined
          ? indexKeys.sessionsByUserPartition(input.tenant, input.userId)
          : indexKeys.sessionsByCreatedPartition(input.tenant),
      ":lo": range.lower,
      ":hi": range.upper,
      ...filter.values,
    },
    ScanIndexForward: false,
    ExclusiveStartKey: range.startAfterPosition
      ? sessionListStartKey(input.tenant, input.userId, range.startAfterPosition)
      : undefined,
  });
  return nextListPage(read, input.limit, index.sort);
}

interface ListRange {
  lower: string;
  upper: string;
  /** The cursor, when it lies inside the range (else the page starts at the range's top). */
  startAfterPosition: string | undefined;
}

/** The sort key range the creation bounds and the cursor leave; "empty" when nothing can match. */
function listRange(input: ListSessionsInput): ListRange | "empty" {
  // Sort keys are `{created_at}#{session_id}`: `~` sorts after any id character.
  const upper = input.createdBefore ? `${input.createdBefore}#` : "~";
  const lower = input.createdAfter ? `${input.createdAfter}#~` : " ";
  // created_after at or past created_before: nothing can match, and DynamoDB
  // refuses a BETWEEN whose bounds are the wrong way round.
  if (lower > upper) return "empty";
  // Pages run newest first, so a cursor is the range's new upper end. DynamoDB
  // refuses a start key outside the range: below it nothing is left, above it
  // the page starts at the range's own top.
  const cursor = input.startAfterPosition;
  if (cursor !== undefined && cursor < lower) return "empty";
  const startAfterPosition = cursor !== undefined && cursor <= upper ? cursor : undefined;
  return { lower, upper, startAfterPosition };
}

interface ListFilter {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/** Live sessions only, then the caller's status, label, outcome and own-key filters. */
function listFilter(input: ListSessionsInput): ListFilter {
  const names: Record<string, string> = { "#e": "entity" };
  const values: Record<string, unknown> = { ":entity": "session" };
  let expression = "#e = :entity AND attribute_not_exists(deleting)";
  if (input.status) expression += ` AND ${statusFilter(input.status, input.now, names, values)}`;
  if (input.label !== undefined) {
    names["#labels"] = "labels";
    names["#label"] = input.label.key;
    values[":label"] = input.label.value;
    expression += " AND #labels.#label = :label";
  }
  if (input.outcome !== undefined) {
    values[":outcome"] = input.outcome;
    expression += " AND outcome = :outcome";
  }
  if (input.startedByKey !== undefined) {
    values[":started_by_key"] = input.startedByKey;
    expression += " AND started_by_key = :started_by_key";
  }
  return { expression, names, values };
}

interface ListRead {
  items: SessionItem[];
  /** Where reading stopped, when the index holds more. */
  exclusiveStart: Record<string, unknown> | undefined;
}

/** Reads on until one item past `limit` matched, the index ends or the read budget is spent. */
async function readListPages(
  input: Pick<ListSessionsInput, "limit" | "maxReads">,
  query: QueryCommandInput,
): Promise<ListRead> {
  const items: SessionItem[] = [];
  let exclusiveStart = query.ExclusiveStartKey;
  const maxReads = input.maxReads ?? 10;
  for (let reads = 0; reads < maxReads; reads += 1) {
    const page = await dynamo().send(
      new QueryCommand({
        ...query,
        Limit: input.limit + 1 - items.length,
        ExclusiveStartKey: exclusiveStart,
      }),
    );
    for (const raw of page.Items ?? []) items.push(SessionItem.parse(raw));
    exclusiveStart = page.LastEvaluatedKey;
    if (items.length > input.limit || !exclusiveStart) break;
  }
  return { items, exclusiveStart };
}

/** The page to answer and the position the next one starts after. */
function nextListPage(read: ListRead, limit: number, sortAttr: string): ListPage {
  const { items, exclusiveStart } = read;
  if (items.length > limit) {
    const kept = items.slice(0, limit);
    const last = kept[kept.length - 1];
    return {
      items: kept,
      nextPosition: last ? sessionListPosition(last.created_at, last.session_id) : undefined,
    };
  }
  if (exclusiveStart) {
    // Read budget spent before the page filled: continue from where reading stopped.
    const position = exclusiveStart[sortAttr];
    return { items, nextPosition: typeof position === "string" ? position : undefined };
  }
  return { items, nextPosition: undefined };
}

/**
 * First step of a delete: the session disappears for every caller and stops
 * accepting appends, its lock is released and it leaves the counters. The
 * events and the workspace are removed afterwards; a repeated delete resumes.
 */
export async function markDeleting(tenant: string, read: SessionItem): Promise<TransitionOutcome> {
  const table = tableName();
  const items: TransactItem[] = [
    {
      Update: {
        TableName: table,
        Key: keys.session(tenant, read.session_id),
        UpdateExpression: `SET deleting = :true REMOVE ${OPEN_BY_EXPIRY_ATTRIBUTES.join(", ")}`,
        // On the status (it picks the counter and whether a lock is held) and version read, not
        // on last_seq: appends change neither, and a stream of them must not starve a delete.
        ConditionExpression: `#status = :read_status AND ${VERSION_AS_READ} AND attribute_not_exists(deleting)`,
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":true": true,
          ":read_status": read.status,
          ...versionAsReadValues(read),
        },
      },
    },
    ...statsUpdates(tenant, read, {
      [read.status]: -1,
      ...(read.outcome ? { [outcomeCounter(read.outcome)]: -1 } : {}),
    }),
  ];
  if (read.status === "active" || read.status === "paused") {
    items.push(releaseLock(tenant, read));
  }
  const outcome = await transactWrite(items);
  if (outcome.committed) return "committed";
  if (failedCondition(outcome.reasons, 0) || isRetryable(outcome.reasons)) return "stale";
  throw cancelledError("delete", outcome.reasons);
}

/**
 * A session item marked for deletion (a delete to resume), with the key that
 * started it; undefined when there is none.
 */
export async function readDeletingSession(
  tenant: string,
  sessionId: string,
): Promise<{ startedByKey: string | null } | undefined> {
  const result = await dynamo().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.session(tenant, sessionId),
      ConsistentRead: true,
      ProjectionExpression: "deleting, started_by_key",
    }),
  );
  if (result.Item?.deleting !== true) return undefined;
  const startedByKey = result.Item.started_by_key;
  return { startedByKey: typeof startedByKey === "string" ? startedByKey : null };
}

/**
 * Removes every item of the session's partition, events first and the
 * session item last, so an interrupted purge can be resumed by a new delete.
 */
export async function purgeSessionPartition(tenant: string, sessionId: string): Promise<number> {
  const sessionKey = keys.session(tenant, sessionId);
  let removed = 0;
  let exclusiveStart: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": sessionKey.pk },
        ProjectionExpression: "pk, sk",
        ExclusiveStartKey: exclusiveStart,
      }),
    );
    const itemKeys: ItemKey[] = [];
    for (const raw of page.Items ?? []) {
      if (typeof raw.pk === "string" && typeof raw.sk === "string" && raw.sk !== sessionKey.sk) {
        itemKeys.push({ pk: raw.pk, sk: raw.sk });
      }
    }
    await batchDelete(itemKeys);
    removed += itemKeys.length;
    exclusiveStart = page.LastEvaluatedKey;
  } while (exclusiveStart);
  await batchDelete([sessionKey]);
  return removed;
}

async function batchDelete(itemKeys: ItemKey[]): Promise<void> {
  for (let start = 0; start < itemKeys.length; start += 25) {
    let requests: { DeleteRequest: { Key: Record<string, unknown> } }[] = itemKeys
      .slice(start, start + 25)
      .map((key) => ({ DeleteRequest: { Key: { ...key } } }));
    for (let attempt = 0; requests.length > 0; attempt += 1) {
      if (attempt > 8) throw new Error("batch delete did not drain");
      const result = await dynamo().send(
        new BatchWriteCommand({ RequestItems: { [tableName()]: requests } }),
      );
      const unprocessed = result.UnprocessedItems?.[tableName()] ?? [];
      requests = unprocessed.flatMap((request) =>
        request.DeleteRequest?.Key ? [{ DeleteRequest: { Key: request.DeleteRequest.Key } }] : [],
      );
      if (requests.length > 0) await sleep(backoffMs(attempt, 20, 1000));
    }
  }
}

/** Whether the table answers: a DescribeTable, which reads no item. */
export async function pingTable(abortSignal: AbortSignal): Promise<void> {
  await dynamo().send(new DescribeTableCommand({ TableName: tableName() }), { abortSignal });
}
