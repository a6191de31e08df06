/**
 * The table's key schema and indexes as CreateTable input, derived from the
 * key module. The local stack creates the table from it; the CDK stack
 * declares the same indexes from the same constants.
 */
import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { INDEX, INDEX_KEY_ATTRIBUTES } from "#shared/storage/keys.ts";

export const GLOBAL_INDEXES = [INDEX.byTenant, INDEX.byOwner, INDEX.openByExpiry] as const;
export const LOCAL_INDEXES = [INDEX.eventsByTime, INDEX.eventsByType] as const;
/** What the table's stream carries: the new item, all the fan-out needs. */
export const TABLE_STREAM_VIEW = "NEW_IMAGE" as const;

export function createTableInput(tableName: string): CreateTableCommandInput {
  const attributes = new Set<string>();
  for (const key of Object.values(INDEX_KEY_ATTRIBUTES)) {
    attributes.add(key.partition);
    attributes.add(key.sort);
  }
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    // The push stream's fan-out reads new events off the table's stream (DESIGN §9).
    StreamSpecification: { StreamEnabled: true, StreamViewType: TABLE_STREAM_VIEW },
    AttributeDefinitions: [...attributes].map((name) => ({
      AttributeName: name,
      AttributeType: "S",
    })),
    KeySchema: [
      { AttributeName: INDEX_KEY_ATTRIBUTES.table.partition, KeyType: "HASH" },
      { AttributeName: INDEX_KEY_ATTRIBUTES.table.sort, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: GLOBAL_INDEXES.map((name) => ({
      IndexName: name,
      KeySchema: [
        { AttributeName: INDEX_KEY_ATTRIBUTES[name].partition, KeyType: "HASH" },
        { AttributeName: INDEX_KEY_ATTRIBUTES[name].sort, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    })),
    LocalSecondaryIndexes: LOCAL_INDEXES.map((name) => ({
      IndexName: name,
      KeySchema: [
        { AttributeName: INDEX_KEY_ATTRIBUTES[name].partition, KeyType: "HASH" },
        { AttributeName: INDEX_KEY_ATTRIBUTES[name].sort, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    })),
  };
}
