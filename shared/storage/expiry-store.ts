/**
 * Reads the sparse, sharded index of open sessions by `expires_at`. Only
 * open sessions carry its attributes, so a read costs in proportion to the
 * sessions that are due, never to the size of the table.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { tableName } from "../config.ts";
import { dynamo } from "./clients.ts";
import {
  EXPIRY_SHARDS,
  INDEX,
  INDEX_KEY_ATTRIBUTES,
  indexKeys,
  parseExpiryIndexSk,
} from "./keys.ts";

const EXPIRY_INDEX = INDEX_KEY_ATTRIBUTES[INDEX.openByExpiry];

export interface DueSession {
  tenant: string;
  sessionId: string;
  expiresAt: string;
}

export interface DuePage {
  due: DueSession[];
  next: Record<string, unknown> | undefined;
}

export const EXPIRY_SHARD_IDS = Array.from({ length: EXPIRY_SHARDS }, (_, shard) => shard);

/** One page of a shard's open sessions whose `expires_at` is before `now`, oldest first. */
export async function readDuePage(
  shard: number,
  now: string,
  limit: number,
  startAfter: Record<string, unknown> | undefined,
): Promise<DuePage> {
  const page = await dynamo().send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: INDEX.openByExpiry,
      KeyConditionExpression: "#p = :shard AND #s < :now",
      ExpressionAttributeNames: { "#p": EXPIRY_INDEX.partition, "#s": EXPIRY_INDEX.sort },
      ExpressionAttributeValues: { ":shard": indexKeys.expiryShardPartition(shard), ":now": now },
      ProjectionExpression: "#s",
      Limit: limit,
      ExclusiveStartKey: startAfter,
    }),
  );
  const due: DueSession[] = [];
  for (const item of page.Items ?? []) {
    const sk = item[EXPIRY_INDEX.sort];
    const parsed = typeof sk === "string" ? parseExpiryIndexSk(sk) : undefined;
    if (parsed) due.push(parsed);
  }
  return { due, next: page.LastEvaluatedKey };
}

/**
 * A tenant's open sessions already past their `expires_at` that the expiry
 * job has not closed yet, by stored status. Reads only what is due across all
 * tenants (the job keeps that to about a minute's worth), never the tenant's
 * sessions.
 */
export async function countOverdueOpen(
  tenant: string,
  now: string,
  startedByKey?: string,
): Promise<{ active: number; paused: number }> {
  const counts = { active: 0, paused: 0 };
  await Promise.all(
    EXPIRY_SHARD_IDS.map(async (shard) => {
      let startAfter: Record<string, unknown> | undefined;
      do {
        const page = await dynamo().send(
          new QueryCommand({
            TableName: tableName(),
            IndexName: INDEX.openByExpiry,
            KeyConditionExpression: "#p = :shard AND #s < :now",
            FilterExpression:
              startedByKey === undefined
                ? "tenant_id = :tenant"
                : "tenant_id = :tenant AND started_by_key = :key",
            ExpressionAttributeValues: {
              ":shard": indexKeys.expiryShardPartition(shard),
              ":now": now,
              ":tenant": tenant,
              ...(startedByKey === undefined ? {} : { ":key": startedByKey }),
            },
            ExpressionAttributeNames: {
              "#p": EXPIRY_INDEX.partition,
              "#s": EXPIRY_INDEX.sort,
              "#status": "status",
            },
            ProjectionExpression: "#status",
            ExclusiveStartKey: startAfter,
          }),
        );
        for (const item of page.Items ?? []) {
          if (item.status === "active") counts.active += 1;
          else if (item.status === "paused") counts.paused += 1;
        }
        startAfter = page.LastEvaluatedKey;
      } while (startAfter);
    }),
  );
  return counts;
}
