/**
 * The status and outcome counters a session change moves, written in the
 * same transaction as the change: the tenant's, and an `own` key's for a
 * session that key started. Each change adds to one shard picked at random.
 */
import { randomInt } from "node:crypto";
import { tableName } from "../../config.ts";
import type { SessionStatus } from "../../domain/session.ts";
import type { SessionItem } from "../items.ts";
import { type ItemKey, keys, STATS_SHARDS } from "../keys.ts";
import type { TransactItem } from "../transactions.ts";

/** Counter names beside the status counts (outcomes of ended sessions). */
export type CounterChanges = Partial<Record<SessionStatus | `outcome_${string}`, number>>;

function counterUpdate(key: ItemKey, changes: CounterChanges): TransactItem {
  const names: Record<string, string> = {};
  const values: Record<string, number> = {};
  const clauses: string[] = [];
  Object.entries(changes).forEach(([counter, delta], index) => {
    names[`#c${index}`] = counter;
    values[`:c${index}`] = delta ?? 0;
    clauses.push(`#c${index} :c${index}`);
  });
  return {
    Update: {
      TableName: tableName(),
      Key: key,
      UpdateExpression: `ADD ${clauses.join(", ")}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * The tenant's counters, and for a session started by an `own` key that
 * key's counters too, moved in the same transaction as the session.
 */
export function statsUpdates(
  tenant: string,
  session: Pick<SessionItem, "started_by_key" | "key_counted">,
  changes: CounterChanges,
): TransactItem[] {
  const updates = [counterUpdate(keys.stats(tenant, randomInt(STATS_SHARDS)), changes)];
  if (session.key_counted && session.started_by_key) {
    updates.push(
      counterUpdate(
        keys.keyStats(tenant, session.started_by_key, randomInt(STATS_SHARDS)),
        changes,
      ),
    );
  }
  return updates;
}
