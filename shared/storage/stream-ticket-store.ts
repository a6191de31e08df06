/**
 * DynamoDB adapter for push-stream tickets, stored only as SHA-256 hashes
 * with a TTL. A ticket is taken by one conditional delete, so two connects
 * with the same ticket cannot both succeed.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { tableName } from "../config.ts";
import { KEY_SCOPES, type Principal, ROLES } from "../domain/principal.ts";
import { dynamo } from "./clients.ts";
import { keys, TTL_ATTRIBUTE } from "./keys.ts";

const TicketItem = z.object({
  tenant_id: z.string(),
  key_id: z.string(),
  role: z.enum(ROLES),
  scope: z.enum(KEY_SCOPES),
  expires_at: z.string(),
});

export async function putTicket(input: {
  ticketHash: string;
  principal: Principal;
  expiresAt: string;
  ttlEpochSeconds: number;
}): Promise<void> {
  await dynamo().send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        ...keys.streamTicket(input.ticketHash),
        entity: "stream_ticket",
        tenant_id: input.principal.tenantId,
        key_id: input.principal.keyId,
        role: input.principal.role,
        scope: input.principal.scope,
        expires_at: input.expiresAt,
        [TTL_ATTRIBUTE]: input.ttlEpochSeconds,
      },
      ConditionExpression: "attribute_not_exists(pk)",
    }),
  );
}

/** Deletes the ticket and answers what it held; undefined when there was none (used or never issued). */
export async function takeTicket(
  ticketHash: string,
): Promise<(Principal & { expiresAt: string }) | undefined> {
  try {
    const result = await dynamo().send(
      new DeleteCommand({
        TableName: tableName(),
        Key: keys.streamTicket(ticketHash),
        ConditionExpression: "attribute_exists(pk)",
        ReturnValues: "ALL_OLD",
      }),
    );
    const item = TicketItem.safeParse(result.Attributes);
    if (!item.success) return undefined;
    return {
      tenantId: item.data.tenant_id,
      keyId: item.data.key_id,
      role: item.data.role,
      scope: item.data.scope,
      expiresAt: item.data.expires_at,
    };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}
