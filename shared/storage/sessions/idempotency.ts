/**
 * The record of a start's answer under its Idempotency-Key: written in the
 * start's own transaction, read back to replay it until its TTL.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { tableName } from "../../config.ts";
import { dynamo } from "../clients.ts";
import { keys, TTL_ATTRIBUTE } from "../keys.ts";
import type { TransactItem } from "../transactions.ts";

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

export function idempotencyPut(tenant: string, idempotency: IdempotencyRecord): TransactItem {
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
