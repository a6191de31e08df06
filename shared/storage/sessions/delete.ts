/**
 * Deleting a session's items: first marked, so it vanishes for callers,
 * leaves the counters and frees its lock; then its partition purged, the
 * session item last, so a repeated delete resumes an interrupted one.
 */
import { BatchWriteCommand, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { tableName } from "../../config.ts";
import { dynamo } from "../clients.ts";
import type { SessionItem } from "../items.ts";
import { type ItemKey, keys, OPEN_BY_EXPIRY_ATTRIBUTES } from "../keys.ts";
import { outcomeCounter } from "../stats-store.ts";
import {
  backoffMs,
  cancelledError,
  failedCondition,
  isRetryable,
  sleep,
  type TransactItem,
  transactWrite,
} from "../transactions.ts";
import { VERSION_AS_READ, versionAsReadValues } from "../version-condition.ts";
import { statsUpdates } from "./counters.ts";
import { releaseLock } from "./open-lock.ts";
import type { TransitionOutcome } from "./transition.ts";

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
