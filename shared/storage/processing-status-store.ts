/**
 * The last processing status investigate saw in a session's status.json,
 * kept beside the session so its statistics can show it without reading the
 * workspace. A cache, not session state: it moves no `last_seq` and writes no
 * event; a later observation only ever replaces an earlier one.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { tableName } from "../config.ts";
import { PROCESSING_STATUSES, type ProcessingStatus } from "../domain/processing-status.ts";
import { dynamo } from "./clients.ts";
import { keys, TTL_ATTRIBUTE } from "./keys.ts";

const ProcessingStatusItem = z.object({
  processing_status: z.enum(PROCESSING_STATUSES),
  observed_at: z.string(),
});

export interface ObservedProcessingStatus {
  status: ProcessingStatus;
  observedAt: string;
}

export async function rememberProcessingStatus(
  scope: { tenant: string; sessionId: string },
  observed: ObservedProcessingStatus,
  ttlEpochSeconds: number,
): Promise<void> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...keys.processingStatus(scope.tenant, scope.sessionId),
          entity: "processing_status",
          processing_status: observed.status,
          observed_at: observed.observedAt,
          [TTL_ATTRIBUTE]: ttlEpochSeconds,
        },
        // Two investigations at once: the later observation stays.
        ConditionExpression: "attribute_not_exists(pk) OR observed_at < :at",
        ExpressionAttributeValues: { ":at": observed.observedAt },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

export async function readProcessingStatus(
  tenant: string,
  sessionId: string,
): Promise<ObservedProcessingStatus | undefined> {
  const result = await dynamo().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.processingStatus(tenant, sessionId),
      ConsistentRead: true,
    }),
  );
  const parsed = ProcessingStatusItem.safeParse(result.Item);
  return parsed.success
    ? { status: parsed.data.processing_status, observedAt: parsed.data.observed_at }
    : undefined;
}
