/**
 * A tenant's sessions, newest first, a page at a time: the index and the
 * sort key range to query, reading on past filtered-out items, and the
 * position the next page starts after.
 */
import { QueryCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { tableName } from "../../config.ts";
import { dynamo } from "../clients.ts";
import { SessionItem } from "../items.ts";
import {
  INDEX,
  INDEX_KEY_ATTRIBUTES,
  indexKeys,
  sessionListPosition,
  sessionListStartKey,
} from "../keys.ts";
import { type ListFilters, listFilter } from "./list-filter.ts";

export interface ListPage {
  items: SessionItem[];
  /** Sort key position to continue after, or undefined on the last page. */
  nextPosition: string | undefined;
}

/**
 * A tenant's sessions, newest first, from gsi1 (or gsi2 when filtered by
 * user). A status filter is applied by DynamoDB after reading, so pages are
 * filled by reading on until `limit` matches or `maxReads` queries were made.
 */
export interface ListSessionsInput extends ListFilters {
  tenant: string;
  userId: string | undefined;
  createdAfter: string | undefined;
  createdBefore: string | undefined;
  limit: number;
  startAfterPosition: string | undefined;
  maxReads?: number;
}

export async function listSessions(input: ListSessionsInput): Promise<ListPage> {
  const range = listRange(input);
  if (range === "empty") return { items: [], nextPosition: undefined };
  const indexName = input.userId !== undefined ? INDEX.byOwner : INDEX.byTenant;
  const index = INDEX_KEY_ATTRIBUTES[indexName];
  const filter = listFilter(input);
  const read = await readListPages(input, {
    TableName: tableName(),
    IndexName: indexName,
    KeyConditionExpression: "#p = :p AND #s BETWEEN :lo AND :hi",
    FilterExpression: filter.expression,
    ExpressionAttributeNames: { "#p": index.partition, "#s": index.sort, ...filter.names },
    ExpressionAttributeValues: {
      ":p":
        input.userId !== undefined
          ? indexKeys.sessionsByUserPartition(input.tenant, input.userId)
          : indexKeys.sessionsByCreatedPartition(input.tenant),
      ":lo": range.lower,
      ":hi": range.upper,
      ...filter.values,
    },
    ScanIndexForward: false,
    ExclusiveStartKey: range.startAfterPosition
      ? sessionListStartKey(input.tenant, input.userId, range.startAfterPosition)
      : undefined,
  });
  return nextListPage(read, input.limit, index.sort);
}

interface ListRange {
  lower: string;
  upper: string;
  /** The cursor, when it lies inside the range (else the page starts at the range's top). */
  startAfterPosition: string | undefined;
}

/** The sort key range the creation bounds and the cursor leave; "empty" when nothing can match. */
function listRange(input: ListSessionsInput): ListRange | "empty" {
  // Sort keys are `{created_at}#{session_id}`: `~` sorts after any id character.
  const upper = input.createdBefore ? `${input.createdBefore}#` : "~";
  const lower = input.createdAfter ? `${input.createdAfter}#~` : " ";
  // created_after at or past created_before: nothing can match, and DynamoDB
  // refuses a BETWEEN whose bounds are the wrong way round.
  if (lower > upper) return "empty";
  // Pages run newest first, so a cursor is the range's new upper end. DynamoDB
  // refuses a start key outside the range: below it nothing is left, above it
  // the page starts at the range's own top.
  const cursor = input.startAfterPosition;
  if (cursor !== undefined && cursor < lower) return "empty";
  const startAfterPosition = cursor !== undefined && cursor <= upper ? cursor : undefined;
  return { lower, upper, startAfterPosition };
}

interface ListRead {
  items: SessionItem[];
  /** Where reading stopped, when the index holds more. */
  exclusiveStart: Record<string, unknown> | undefined;
}

/** Reads on until one item past `limit` matched, the index ends or the read budget is spent. */
async function readListPages(
  input: Pick<ListSessionsInput, "limit" | "maxReads">,
  query: QueryCommandInput,
): Promise<ListRead> {
  const items: SessionItem[] = [];
  let exclusiveStart = query.ExclusiveStartKey;
  const maxReads = input.maxReads ?? 10;
  for (let reads = 0; reads < maxReads; reads += 1) {
    const page = await dynamo().send(
      new QueryCommand({
        ...query,
        Limit: input.limit + 1 - items.length,
        ExclusiveStartKey: exclusiveStart,
      }),
    );
    for (const raw of page.Items ?? []) items.push(SessionItem.parse(raw));
    exclusiveStart = page.LastEvaluatedKey;
    if (items.length > input.limit || !exclusiveStart) break;
  }
  return { items, exclusiveStart };
}

/** The page to answer and the position the next one starts after. */
function nextListPage(read: ListRead, limit: number, sortAttr: string): ListPage {
  const { items, exclusiveStart } = read;
  if (items.length > limit) {
    const kept = items.slice(0, limit);
    const last = kept[kept.length - 1];
    return {
      items: kept,
      nextPosition: last ? sessionListPosition(last.created_at, last.session_id) : undefined,
    };
  }
  if (exclusiveStart) {
    // Read budget spent before the page filled: continue from where reading stopped.
    const position = exclusiveStart[sortAttr];
    return { items, nextPosition: typeof position === "string" ? position : undefined };
  }
  return { items, nextPosition: undefined };
}
