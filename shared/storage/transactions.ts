/**
 * TransactWriteItems with the cancellation reasons made usable: which action
 * failed its condition, and the item it found there.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { TransactWriteCommand, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { dynamo } from "./clients.ts";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

export interface CancellationReason {
  code: string;
  item: Record<string, unknown> | undefined;
}

export type TransactionOutcome =
  | { committed: true }
  | { committed: false; reasons: CancellationReason[] };

/** Largest number of actions one TransactWriteItems may hold. */
export const MAX_TRANSACTION_ACTIONS = 100;

export async function transactWrite(
  items: TransactItem[],
  clientRequestToken?: string,
): Promise<TransactionOutcome> {
  try {
    await dynamo().send(
      new TransactWriteCommand({ TransactItems: items, ClientRequestToken: clientRequestToken }),
    );
    return { committed: true };
  } catch (error) {
    if (error instanceof TransactionCanceledException) {
      const reasons = (error.CancellationReasons ?? []).map((reason) => ({
        code: reason.Code ?? "Unknown",
        item: reason.Item ? unmarshall(reason.Item) : undefined,
      }));
      return { committed: false, reasons };
    }
    throw error;
  }
}

/** True when the action at `index` failed its condition (not a conflict or a throttle). */
export function failedCondition(reasons: CancellationReason[], index: number): boolean {
  return reasons[index]?.code === "ConditionalCheckFailed";
}

/** A race with another transaction on the same items: worth retrying. */
export function isRetryable(reasons: CancellationReason[]): boolean {
  return reasons.some(
    (reason) =>
      reason.code === "TransactionConflict" ||
      reason.code === "ThrottlingError" ||
      reason.code === "ProvisionedThroughputExceeded",
  );
}

/** Full-jitter exponential backoff, bounded. */
export function backoffMs(attempt: number, baseMs = 10, capMs = 400): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
