/**
 * The append commit: the events and the session's move to the last of them
 * (`last_seq`, clocks, per-type counts, and the served turn when the append
 * was queued) in one DynamoDB transaction. The turn counters themselves are
 * in ./turns.ts.
 */
import { tableName } from "../../config.ts";
import { eventItem } from "../event-items.ts";
import { SessionItem } from "../items.ts";
import { keys } from "../keys.ts";
import {
  cancelledError,
  failedCondition,
  isRetryable,
  type TransactItem,
  transactWrite,
} from "../transactions.ts";
import { VERSION_AS_READ, versionAsReadValues } from "../version-condition.ts";
import type { StoredEvent } from "./stored-event.ts";

/** A commit says how it left the session; a lost race, how the session now is. */
export type AppendOutcome =
  | { committed: true; session: SessionItem }
  | { committed: false; current: SessionItem | undefined };

/**
 * Writes the events and moves `last_seq` from the value that was read, in one
 * transaction, only while the session's own fields are still at the version
 * read. On a lost race it returns the session as it now is (from the failed
 * condition), so the caller can retry without another read; on a commit, the
 * session as the transaction left it.
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
  if (outcome.committed) return { committed: true, session: committedSession(input, last) };
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
 * counts, conditional on the `last_seq` and `version` read, a live session
 * and the queue.
 */
function appendUpdate(input: AppendInput, last: StoredEvent): TransactItem {
  const { read, events } = input;
  const names: Record<string, string> = { "#tc": "type_counts", "#status": "status" };
  const values: Record<string, unknown> = {
    ...versionAsReadValues(read),
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
  [...countsByType(events)].forEach(([type, count], index) => {
    names[`#t${index}`] = type;
    values[`:c${index}`] = count;
    sets.push(`#tc.#t${index} = if_not_exists(#tc.#t${index}, :zero) + :c${index}`);
  });
  return {
    Update: {
      TableName: tableName(),
      Key: keys.session(input.tenant, read.session_id),
      UpdateExpression: `SET ${sets.join(", ")}`,
      ConditionExpression: `last_seq = :read_seq AND ${VERSION_AS_READ} AND #status <> :expired AND attribute_not_exists(deleting) AND ${queueCondition}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    },
  };
}

/** The session as `appendUpdate` leaves it: the same fields, moved the same way. */
function committedSession(input: AppendInput, last: StoredEvent): SessionItem {
  const { read, events } = input;
  const typeCounts = new Map(Object.entries(read.type_counts));
  for (const [type, count] of countsByType(events))
    typeCounts.set(type, (typeCounts.get(type) ?? 0) + count);
  return {
    ...read,
    last_seq: last.seq,
    last_event_at: input.lastEventAt,
    last_accessed: input.lastEventAt,
    type_counts: Object.fromEntries(typeCounts),
    ...(input.turn === undefined ? {} : { served_turn: input.turn }),
  };
}

/** How many of the batch's events each type has. */
function countsByType(events: StoredEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.event_type, (counts.get(event.event_type) ?? 0) + 1);
  return counts;
}
