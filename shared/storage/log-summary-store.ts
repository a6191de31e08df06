/**
 * DynamoDB cache of log counts, one item per log object version (name +
 * ETag) in the session's partition: a new version of the log gets a new
 * item, the old one ages out with the TTL, and deleting the session purges
 * both. An item may hold a partial count (`complete: false`) that a later
 * request continues from `bytes`; writes only ever move a count forward.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { tableName } from "../config.ts";
import type { LogCounts } from "../domain/log-scan.ts";
import { dynamo } from "./clients.ts";
import { keys, TTL_ATTRIBUTE } from "./keys.ts";

const LogSummaryItem = z.object({
  log_name: z.string(),
  etag: z.string(),
  size_bytes: z.number().int().min(0),
  complete: z.boolean(),
  bytes: z.number().int().min(0),
  lines: z.number().int().min(0),
  errors: z.number().int().min(0),
  warnings: z.number().int().min(0),
  first_timestamp: z.string().nullable(),
  timestamp_probes: z.number().int().min(0),
});

export interface StoredLogSummary {
  complete: boolean;
  sizeBytes: number;
  counts: LogCounts;
}

export interface LogVersion {
  tenant: string;
  sessionId: string;
  logName: string;
  etag: string;
}

export async function readLogSummary(
  version: LogVersion,
  signal?: AbortSignal,
): Promise<StoredLogSummary | undefined> {
  const result = await dynamo().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.logSummary(version.tenant, version.sessionId, version.logName, version.etag),
    }),
    { abortSignal: signal },
  );
  const parsed = LogSummaryItem.safeParse(result.Item);
  // A malformed item is a cache miss: it is recounted and overwritten.
  if (!parsed.success) return undefined;
  const item = parsed.data;
  return {
    complete: item.complete,
    sizeBytes: item.size_bytes,
    counts: {
      bytes: item.bytes,
      lines: item.lines,
      errors: item.errors,
      warnings: item.warnings,
      firstTimestamp: item.first_timestamp,
      timestampProbes: item.timestamp_probes,
    },
  };
}

/** Stores a count unless a fuller one is already there; false when it was not stored. */
export async function writeLogSummary(
  version: LogVersion,
  summary: StoredLogSummary,
  ttlEpochSeconds: number,
): Promise<boolean> {
  const { counts } = summary;
  try {
    await dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...keys.logSummary(version.tenant, version.sessionId, version.logName, version.etag),
          entity: "log_summary",
          log_name: version.logName,
          etag: version.etag,
          size_bytes: summary.sizeBytes,
          complete: summary.complete,
          bytes: counts.bytes,
          lines: counts.lines,
          errors: counts.errors,
          warnings: counts.warnings,
          first_timestamp: counts.firstTimestamp,
          timestamp_probes: counts.timestampProbes,
          updated_at: new Date().toISOString(),
          [TTL_ATTRIBUTE]: ttlEpochSeconds,
        },
        ConditionExpression: "attribute_not_exists(pk) OR (complete = :no AND #bytes < :bytes)",
        ExpressionAttributeNames: { "#bytes": "bytes" },
        ExpressionAttributeValues: { ":no": false, ":bytes": counts.bytes },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
