/**
 * A tenant's session counts by status. Every lifecycle transaction adds to
 * one of several shards (chosen at random) so concurrent changes do not
 * contend for one item; reading sums the shards.
 */
import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { tableName } from "../config.ts";
import { SESSION_STATUSES, type SessionStatus } from "../domain/session.ts";
import { dynamo } from "./clients.ts";
import { keys, STATS_SHARDS } from "./keys.ts";
import { backoffMs, sleep } from "./transactions.ts";

const Counter = z.number().int().catch(0).default(0);
const StatsShard = z.object({ active: Counter, paused: Counter, ended: Counter, expired: Counter });

export async function readStatusCounts(tenant: string): Promise<Record<SessionStatus, number>> {
  const totals: Record<SessionStatus, number> = { active: 0, paused: 0, ended: 0, expired: 0 };
  let pending: Record<string, unknown>[] = Array.from({ length: STATS_SHARDS }, (_, shard) => ({
    ...keys.stats(tenant, shard),
  }));
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    if (attempt > 5) throw new Error("statistics read did not complete");
    const result = await dynamo().send(
      new BatchGetCommand({
        RequestItems: { [tableName()]: { Keys: pending, ConsistentRead: true } },
      }),
    );
    for (const item of result.Responses?.[tableName()] ?? []) {
      const shard = StatsShard.parse(item);
      for (const status of SESSION_STATUSES) totals[status] += shard[status];
    }
    pending = result.UnprocessedKeys?.[tableName()]?.Keys ?? [];
    if (pending.length > 0) await sleep(backoffMs(attempt, 20, 1000));
  }
  return totals;
}
