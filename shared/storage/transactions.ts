/**
 * TransactWriteItems with the cancellation reasons made usable: which action
 * failed its condition, and the item it found there.
 */
import { randomUUID } from "node:crypto";
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

/**
 * The token makes the SDK's own retries of this call idempotent: if a commit's
 * answer is lost and the SDK sends the transaction again, DynamoDB answers the
 * retry as the original instead of re-checking its conditions.
 */
export async function transactWrite(
  items: TransactItem[],
  clientRequestToken: string = randomUUID(),
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

/** A cancellation no caller expects, named by its reasons' codes (never an item's content). */
export function cancelledError(what: string, reasons: CancellationReason[]): Error {
  return new Error(
    `${what} transaction cancelled: ${reasons.map((reason) => reason.code).join(",")}`,
  );
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

/**
 * Retrying lost optimistic races within a time budget rather than a number of
 * attempts: with many writers on one item, losses grow with the writers while
 * each one costs little, so an attempt count would refuse work a few more
 * milliseconds would have committed.
 */
/**
 * How long a write keeps retrying lost races before answering 503: well inside
 * the functions' 10 s timeout, with room for the last attempt's own call.
 */
export const RACE_RETRY_BUDGET_MS = 5000;

export class RaceRetry {
  private readonly deadline: number;
  private attempt = 0;

  constructor(
    budgetMs: number,
    private readonly baseMs = 4,
    private readonly capMs = 64,
  ) {
    this.deadline = Date.now() + budgetMs;
  }

  /** Waits before the next attempt; false when the budget would be spent first. */
  async pause(): Promise<boolean> {
    const wait = backoffMs(this.attempt, this.baseMs, this.capMs);
    this.attempt += 1;
    if (Date.now() + wait >= this.deadline) return false;
    await sleep(wait);
    return true;
  }
}

/** Tries of a start, or a delete, whose transaction lost a race; with a backoff between. */
export const RACED_TRANSACTION_ATTEMPTS = 6;

/** Full-jitter exponential backoff, bounded. */
export function backoffMs(attempt: number, baseMs = 10, capMs = 400): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
