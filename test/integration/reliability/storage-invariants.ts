/**
 * What must hold in the table whatever happened to a request: read straight
 * from DynamoDB (strongly consistent), one tenant at a time. Used after
 * injected faults and after races.
 */
import { BatchGetCommand, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { tableName } from "#shared/config.ts";
import { SESSION_STATUSES, type SessionStatus } from "#shared/domain/session.ts";
import { dynamo } from "#shared/storage/clients.ts";
import {
  EVENT_SK_PREFIX,
  INDEX,
  indexKeys,
  keys,
  SESSION_SK,
  STATS_SHARDS,
  seqFromEventSk,
} from "#shared/storage/keys.ts";

type Item = Record<string, unknown>;

export interface PartitionState {
  sessionId: string;
  session: Item | undefined;
  events: Item[];
  /** Anything else kept in the partition (cached log summaries). */
  others: Item[];
}

export interface TenantState {
  partitions: PartitionState[];
  /** Open-session locks by user id. */
  locks: Map<string, Item>;
  counters: Record<SessionStatus, number>;
}

const CLOSING_EVENT: Partial<Record<SessionStatus, string>> = {
  ended: "session_ended",
  expired: "session_expired",
};

async function queryAll(input: ConstructorParameters<typeof QueryCommand>[0]): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await dynamo().send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function readPartition(tenant: string, sessionId: string): Promise<PartitionState> {
  const items = await queryAll({
    TableName: tableName(),
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": keys.sessionPartition(tenant, sessionId) },
    ConsistentRead: true,
  });
  return {
    sessionId,
    session: items.find((item) => item.sk === SESSION_SK),
    events: items.filter(
      (item) => typeof item.sk === "string" && item.sk.startsWith(EVENT_SK_PREFIX),
    ),
    others: items.filter(
      (item) =>
        item.sk !== SESSION_SK &&
        !(typeof item.sk === "string" && item.sk.startsWith(EVENT_SK_PREFIX)),
    ),
  };
}

/**
 * Everything of a tenant that the invariants speak about: every session the
 * listing index knows plus the ids the caller knows (a purged session is
 * gone from the index but its leftovers would still be found), the locks of
 * the given users and of every session's user, and the status counters.
 */
export async function readTenant(
  tenant: string,
  known: { sessionIds?: Iterable<string>; users?: Iterable<string> } = {},
): Promise<TenantState> {
  const listed = await queryAll({
    TableName: tableName(),
    IndexName: INDEX.byTenant,
    KeyConditionExpression: "gsi1pk = :p",
    ExpressionAttributeValues: { ":p": indexKeys.sessionsByCreatedPartition(tenant) },
  });
  const ids = new Set<string>(known.sessionIds ?? []);
  for (const item of listed) if (typeof item.session_id === "string") ids.add(item.session_id);
  const partitions = await Promise.all([...ids].map((id) => readPartition(tenant, id)));
  const users = new Set<string>(known.users ?? []);
  for (const partition of partitions) {
    if (typeof partition.session?.user_id === "string") users.add(partition.session.user_id);
  }
  const locks = new Map<string, Item>();
  await Promise.all(
    [...users].map(async (user) => {
      const lock = await dynamo().send(
        new GetCommand({
          TableName: tableName(),
          Key: keys.openLock(tenant, user),
          ConsistentRead: true,
        }),
      );
      if (lock.Item) locks.set(user, lock.Item);
    }),
  );
  const counters: Record<SessionStatus, number> = { active: 0, paused: 0, ended: 0, expired: 0 };
  const shards = await dynamo().send(
    new BatchGetCommand({
      RequestItems: {
        [tableName()]: {
          Keys: Array.from({ length: STATS_SHARDS }, (_, shard) => ({
            ...keys.stats(tenant, shard),
          })),
          ConsistentRead: true,
        },
      },
    }),
  );
  for (const shard of shards.Responses?.[tableName()] ?? []) {
    for (const status of SESSION_STATUSES) {
      const value = shard[status];
      if (typeof value === "number") counters[status] += value;
    }
  }
  return { partitions, locks, counters };
}

function isOpenStatus(status: unknown): boolean {
  return status === "active" || status === "paused";
}

/**
 * Every broken invariant, as a sentence. A session being deleted (marked,
 * not yet purged) may still hold events: a repeated delete finishes it.
 */
export function invariantViolations(state: TenantState): string[] {
  const problems: string[] = [];
  const live = new Map<string, Item>();
  for (const { sessionId, session, events, others } of state.partitions) {
    if (!session) {
      if (events.length + others.length > 0) {
        problems.push(`${sessionId}: ${events.length + others.length} items without a session`);
      }
      continue;
    }
    if (session.deleting === true) continue;
    live.set(sessionId, session);
    const lastSeq = session.last_seq;
    const seqs = events.map((event) => seqFromEventSk(String(event.sk))).sort((a, b) => a - b);
    const expected = Array.from({ length: Number(lastSeq) }, (_, index) => index + 1);
    if (typeof lastSeq !== "number" || seqs.join(",") !== expected.join(",")) {
      problems.push(`${sessionId}: last_seq ${String(lastSeq)} but event seqs [${seqs.join(",")}]`);
    }
    for (const event of events) {
      if (event.seq !== seqFromEventSk(String(event.sk))) {
        problems.push(`${sessionId}: event ${String(event.sk)} holds seq ${String(event.seq)}`);
      }
    }
    const first = events.find((event) => event.seq === 1);
    if (first?.event_type !== "session_started") {
      problems.push(`${sessionId}: seq 1 is ${String(first?.event_type)}, not session_started`);
    }
    const byType = new Map<string, number>();
    for (const event of events) {
      const type = String(event.event_type);
      byType.set(type, (byType.get(type) ?? 0) + 1);
    }
    const typeCounts = (session.type_counts ?? {}) as Record<string, unknown>;
    for (const type of new Set([...byType.keys(), ...Object.keys(typeCounts)])) {
      if ((byType.get(type) ?? 0) !== (typeCounts[type] ?? 0)) {
        problems.push(
          `${sessionId}: type_counts.${type} is ${String(typeCounts[type])}, events ${byType.get(type) ?? 0}`,
        );
      }
    }
    const status = session.status as SessionStatus;
    const closing = events.filter(
      (event) => event.event_type === "session_ended" || event.event_type === "session_expired",
    );
    const wanted = CLOSING_EVENT[status];
    if (wanted ? closing.length !== 1 || closing[0]?.event_type !== wanted : closing.length > 0) {
      problems.push(
        `${sessionId}: status ${status} with closing events [${closing.map((event) => event.event_type).join(",")}]`,
      );
    }
    if (isOpenStatus(status) !== (typeof session.gsi3pk === "string")) {
      problems.push(
        `${sessionId}: status ${status} but expiry index entry ${String(session.gsi3pk)}`,
      );
    }
  }
  for (const [user, lock] of state.locks) {
    const named = live.get(String(lock.session_id));
    if (!named || !isOpenStatus(named.status) || named.user_id !== user) {
      problems.push(
        `lock of ${user} names ${String(lock.session_id)}, which is not its open session`,
      );
    }
  }
  for (const [id, session] of live) {
    if (!isOpenStatus(session.status)) continue;
    const lock = state.locks.get(String(session.user_id));
    if (lock?.session_id !== id) {
      problems.push(
        `${id} is ${String(session.status)} but its user's lock names ${String(lock?.session_id)}`,
      );
    }
  }
  for (const status of SESSION_STATUSES) {
    const actual = [...live.values()].filter((session) => session.status === status).length;
    if (state.counters[status] !== actual) {
      problems.push(`counter ${status} is ${state.counters[status]}, sessions ${actual}`);
    }
  }
  return problems;
}

/** Sessions marked for deletion whose purge has not finished. */
export function pendingPurges(state: TenantState): string[] {
  return state.partitions
    .filter((partition) => partition.session?.deleting === true)
    .map((partition) => partition.sessionId);
}
