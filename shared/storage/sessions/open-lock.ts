/**
 * The user's open-session lock: one item per user, taken by a start and
 * released by the step that closes or deletes the session. Its condition is
 * the only thing that enforces one open session per user.
 */
import { tableName } from "../../config.ts";
import type { SessionItem } from "../items.ts";
import { keys } from "../keys.ts";
import type { TransactItem } from "../transactions.ts";

/** The user's open-session lock, only if no open session holds it; a refusal returns the holder. */
export function openLockPut(tenant: string, session: SessionItem): TransactItem {
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

/** Deletes the user's open-session lock, only if it names this session (or is already gone). */
export function releaseLock(tenant: string, session: SessionItem): TransactItem {
  return {
    Delete: {
      TableName: tableName(),
      Key: keys.openLock(tenant, session.user_id),
      ConditionExpression: "attribute_not_exists(pk) OR session_id = :sid",
      ExpressionAttributeValues: { ":sid": session.session_id },
    },
  };
}
