/**
 * One lifecycle step (pause, resume, end, expire) as one transaction: the
 * session update, its boundary event, the counters and, for a closing step,
 * the release of the user's lock.
 */
import { tableName } from "../../config.ts";
import type { SessionEvent } from "../../contract/schemas/event.ts";
import type { SessionOutcome, SessionStatus } from "../../domain/session.ts";
import type { SessionItem } from "../items.ts";
import { keys, OPEN_BY_EXPIRY_ATTRIBUTES, TTL_ATTRIBUTE } from "../keys.ts";
import { outcomeCounter } from "../stats-store.ts";
import {
  cancelledError,
  failedCondition,
  isRetryable,
  type TransactItem,
  transactWrite,
} from "../transactions.ts";
import { VERSION_AS_READ, versionAsReadValues } from "../version-condition.ts";
import { boundaryEventPut } from "./boundary-event.ts";
import { type CounterChanges, statsUpdates } from "./counters.ts";
import { releaseLock } from "./open-lock.ts";

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
