/**
 * Session counters: a tenant's counts by status and by end outcome, and the
 * same for each `own`-scoped key. Every lifecycle transaction adds to one of
 * several shards (chosen at random) so concurrent changes do not contend for
 * one item; reading sums the shards.
 */
import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { tableName } from "../config.ts";
import {
  SESSION_OUTCOMES,
  SESSION_STATUSES,
  type SessionOutcome,
  type SessionStatus,
} from "../domain/session.ts";
import { dynamo } from "./clients.ts";
import { type ItemKey, keys, STATS_SHARDS } from "./keys.ts";
import { backoffMs, sleep } from "./transactions.ts";

const Counter = z.number().int().catch(0).default(0);
const StatsShard = z.record(z.string(), z.unknown());

export interface SessionCounters {
  status: Record<SessionStatus, number>;
  outcome: Record<SessionOutcome, number>;
}

/** Whose counters: the tenant's, or those of one `own`-scoped key. */
export type CounterOwner = { tenant: string; keyId?: string | undefined };

function shardKey(owner: CounterOwner, shard: number): ItemKey {
  return owner.keyId === undefined
    ? keys.stats(owner.tenant, shard)
    : keys.keyStats(owner.tenant, owner.keyId, shard);
}

export async function readCounters(owner: CounterOwner): Promise<SessionCounters> {
  const totals: SessionCounters = {
    status: { active: 0, paused: 0, ended: 0, expired: 0 },
    outcome: { completed: 0, abandoned: 0, failed: 0 },
  };
  let pending: Record<string, unknown>[] = Array.from({ length: STATS_SHARDS }, (_, shard) => ({
    ...shardKey(owner, shard),
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
      for (const status of SESSION_STATUSES) totals.status[status] += Counter.parse(shard[status]);
      for (const outcome of SESSION_OUTCOMES) {
        totals.outcome[outcome] += Counter.parse(shard[outcomeCounter(outcome)]);
      }
    }
    pending = result.UnprocessedKeys?.[tableName()]?.Keys ?? [];
    if (pending.length > 0) await sleep(backoffMs(attempt, 20, 1000));
  }
  return totals;
}

/** The counter attribute of an end outcome. */
export function outcomeCounter(outcome: SessionOutcome): `outcome_${SessionOutcome}` {
  return `outcome_${outcome}`;
}
