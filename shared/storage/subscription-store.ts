/**
 * DynamoDB adapter for push-stream connections and subscriptions. A
 * connection item lists the sessions it follows (for the per-connection cap
 * and for cleanup); a subscription item per (session, connection) lets the
 * fan-out find a session's followers with one Query. Both carry a TTL past
 * API Gateway's 2 h connection limit, so a connection whose $disconnect was
 * lost leaves nothing behind for long.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { tableName } from "../config.ts";
import { KEY_SCOPES, type Principal, ROLES } from "../domain/principal.ts";
import { dynamo } from "./clients.ts";
import { connectionIdFromSubscriptionSk, keys, TTL_ATTRIBUTE } from "./keys.ts";

/** API Gateway closes a WebSocket connection after 2 h; items outlive it by an hour. */
export const CONNECTION_TTL_SECONDS = 3 * 3600;

const ttlFromNow = (): number => Math.floor(Date.now() / 1000) + CONNECTION_TTL_SECONDS;

const ConnectionItem = z.object({
  tenant_id: z.string(),
  key_id: z.string(),
  role: z.enum(ROLES),
  scope: z.enum(KEY_SCOPES),
  sessions: z.set(z.string()).optional(),
});

const SubscriptionItem = z.object({ sk: z.string(), after: z.number() });

export interface Subscriber {
  connectionId: string;
  /** Events with a larger seq are this subscriber's to receive from the fan-out. */
  after: number;
}

export async function putConnection(principal: Principal, connectionId: string): Promise<void> {
  await dynamo().send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        ...keys.connection(principal.tenantId, connectionId),
        entity: "stream_connection",
        tenant_id: principal.tenantId,
        key_id: principal.keyId,
        role: principal.role,
        scope: principal.scope,
        [TTL_ATTRIBUTE]: ttlFromNow(),
      },
    }),
  );
}

/** The sessions a connection follows; undefined when the connection is not known. */
export async function connectionSessions(
  tenant: string,
  connectionId: string,
): Promise<string[] | undefined> {
  const result = await dynamo().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.connection(tenant, connectionId),
      ConsistentRead: true,
    }),
  );
  if (!result.Item) return undefined;
  return [...(ConnectionItem.parse(result.Item).sessions ?? [])];
}

/**
 * Adds the session to the connection's list unless it already holds `cap`
 * others, then writes the subscription. Answers false at the cap.
 */
export async function addSubscription(input: {
  tenant: string;
  connectionId: string;
  sessionId: string;
  after: number;
  cap: number;
}): Promise<boolean> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.connection(input.tenant, input.connectionId),
        UpdateExpression: "ADD sessions :one",
        ConditionExpression:
          "attribute_exists(pk) AND (attribute_not_exists(sessions) OR size(sessions) < :cap OR contains(sessions, :id))",
        ExpressionAttributeValues: {
          ":one": new Set([input.sessionId]),
          ":cap": input.cap,
          ":id": input.sessionId,
        },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
  await dynamo().send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        ...keys.subscription(input.tenant, input.sessionId, input.connectionId),
        entity: "stream_subscription",
        after: input.after,
        [TTL_ATTRIBUTE]: ttlFromNow(),
      },
    }),
  );
  return true;
}

/**
 * Moves a subscription's watermark forward to what its backlog delivered,
 * so the fan-out does not send those events a second time.
 */
export async function advanceSubscription(
  tenant: string,
  sessionId: string,
  connectionId: string,
  after: number,
): Promise<void> {
  await dynamo()
    .send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.subscription(tenant, sessionId, connectionId),
        UpdateExpression: "SET #after = :after",
        ConditionExpression: "attribute_exists(pk) AND #after < :after",
        ExpressionAttributeNames: { "#after": "after" },
        ExpressionAttributeValues: { ":after": after },
      }),
    )
    .catch((error: unknown) => {
      // Unsubscribed meanwhile, or already further on: nothing to move.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
}

export async function removeSubscription(
  tenant: string,
  sessionId: string,
  connectionId: string,
): Promise<void> {
  await dynamo().send(
    new DeleteCommand({
      TableName: tableName(),
      Key: keys.subscription(tenant, sessionId, connectionId),
    }),
  );
  await dynamo()
    .send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.connection(tenant, connectionId),
        UpdateExpression: "DELETE sessions :one",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":one": new Set([sessionId]) },
      }),
    )
    .catch((error: unknown) => {
      // The connection is already gone: nothing to update.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
}

/** A session's subscribers, read strongly consistent so a subscription just made is seen. */
export async function subscribersOf(tenant: string, sessionId: string): Promise<Subscriber[]> {
  const subscribers: Subscriber[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.subscriptionsPartition(tenant, sessionId) },
        ProjectionExpression: "sk, #after",
        ExpressionAttributeNames: { "#after": "after" },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const raw of page.Items ?? []) {
      const item = SubscriptionItem.parse(raw);
      subscribers.push({
        connectionId: connectionIdFromSubscriptionSk(item.sk),
        after: item.after,
      });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return subscribers;
}

/** Removes a connection and every subscription it held. */
export async function clearConnection(tenant: string, connectionId: string): Promise<void> {
  const sessions = (await connectionSessions(tenant, connectionId)) ?? [];
  await Promise.all(
    sessions.map((sessionId) =>
      dynamo().send(
        new DeleteCommand({
          TableName: tableName(),
          Key: keys.subscription(tenant, sessionId, connectionId),
        }),
      ),
    ),
  );
  await dynamo().send(
    new DeleteCommand({ TableName: tableName(), Key: keys.connection(tenant, connectionId) }),
  );
}
