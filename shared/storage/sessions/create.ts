/** Starting a session, with its Idempotency-Key's record, as one transaction. */
import { tableName } from "../../config.ts";
import type { SessionEvent } from "../../contract/schemas/event.ts";
import { eventItem } from "../event-items.ts";
import { OpenLockItem, type SessionItem } from "../items.ts";
import { indexKeys, keys } from "../keys.ts";
import {
  cancelledError,
  failedCondition,
  isRetryable,
  type TransactItem,
  transactWrite,
} from "../transactions.ts";
import { userKeyedMap } from "../user-keyed-maps.ts";
import { statsUpdates } from "./counters.ts";
import { type IdempotencyRecord, idempotencyPut } from "./idempotency.ts";
import { openLockPut } from "./open-lock.ts";

export type CreateOutcome =
  | { created: true }
  | { created: false; reason: "open_session_exists"; activeSessionId: string | undefined }
  | { created: false; reason: "idempotency_key_taken" }
  | { created: false; reason: "conflict" };

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
