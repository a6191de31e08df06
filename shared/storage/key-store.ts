/** DynamoDB adapter for API keys, stored only as SHA-256 hashes of the plain key. */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { tableName } from "../config.ts";
import type { KeyScope, Role } from "../domain/principal.ts";
import { dynamo } from "./clients.ts";
import { type ApiKeyItem, ApiKeyItem as ApiKeyItemSchema } from "./items.ts";
import { INDEX, INDEX_KEY_ATTRIBUTES, indexKeys, keys } from "./keys.ts";

export async function putKey(input: {
  keyHash: string;
  keyId: string;
  tenantId: string;
  role: Role;
  scope: KeyScope;
  label: string | null;
  createdAt: string;
}): Promise<void> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...keys.apiKey(input.keyHash),
          ...indexKeys.apiKeysOfTenant(input.tenantId, input.createdAt, input.keyId),
          ...indexKeys.apiKeyById(input.keyId),
          entity: "api_key",
          key_id: input.keyId,
          tenant_id: input.tenantId,
          role: input.role,
          scope: input.scope,
          label: input.label,
          created_at: input.createdAt,
        },
        ConditionExpression: "attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
  } catch (error) {
    // The SDK retried a put whose first answer was lost: the item there is this key.
    if (
      error instanceof ConditionalCheckFailedException &&
      error.Item &&
      unmarshall(error.Item).key_id === input.keyId
    ) {
      return;
    }
    throw error;
  }
}

export async function findKeyByHash(keyHash: string): Promise<ApiKeyItem | undefined> {
  const result = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: keys.apiKey(keyHash) }),
  );
  return result.Item ? ApiKeyItemSchema.parse(result.Item) : undefined;
}

export async function listKeys(tenantId: string): Promise<ApiKeyItem[]> {
  const items: ApiKeyItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: INDEX.byTenant,
        KeyConditionExpression: "#p = :p",
        ExpressionAttributeNames: { "#p": INDEX_KEY_ATTRIBUTES[INDEX.byTenant].partition },
        ExpressionAttributeValues: { ":p": indexKeys.apiKeysOfTenantPartition(tenantId) },
        ExclusiveStartKey: start,
      }),
    );
    for (const raw of page.Items ?? []) items.push(ApiKeyItemSchema.parse(raw));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Marks the key revoked; answers false when no key has that id. */
export async function revokeKey(keyId: string, revokedAt: string): Promise<ApiKeyItem | undefined> {
  const found = await dynamo().send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: INDEX.byOwner,
      KeyConditionExpression: "#p = :p",
      ExpressionAttributeNames: { "#p": INDEX_KEY_ATTRIBUTES[INDEX.byOwner].partition },
      ExpressionAttributeValues: { ":p": indexKeys.apiKeyByIdPartition(keyId) },
    }),
  );
  const raw = found.Items?.[0];
  if (!raw || typeof raw.pk !== "string" || typeof raw.sk !== "string") return undefined;
  const updated = await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: raw.pk, sk: raw.sk },
      UpdateExpression: "SET revoked_at = if_not_exists(revoked_at, :now)",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeValues: { ":now": revokedAt },
      ReturnValues: "ALL_NEW",
    }),
  );
  return ApiKeyItemSchema.parse(updated.Attributes);
}
