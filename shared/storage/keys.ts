/**
 * The one module that builds storage keys. Every DynamoDB partition key and
 * every S3 prefix starts from the tenant id, so a lookup made with one
 * tenant's principal cannot name another tenant's item. Nothing outside this
 * file concatenates key strings.
 */
import { createHash } from "node:crypto";

export const SESSION_SK = "SESSION";
export const OPEN_LOCK_SK = "OPEN";
export const API_KEY_SK = "KEY";
export const IDEMPOTENCY_SK = "IDEMPOTENCY";
export const STATS_SK = "STATS";
export const STREAM_TICKET_SK = "TICKET";
export const CONNECTION_SK = "CONNECTION";
/**
 * Sort keys in a session partition: events (`E#…`) sort before the session
 * item (`SESSION`), so one Query from an event up to `SESSION` returns the
 * events and the session together. Anything else kept in the partition must
 * sort after `SESSION`, hence the `W#` prefix.
 */
export const LOG_SUMMARY_SK_PREFIX = "W#LOGSUM#";
export const PROCESSING_STATUS_SK = "W#PROCESSING";

/** Wide enough for any seq a session can reach; keeps lexical order = numeric order. */
const SEQ_DIGITS = 12;

/** Index names; the CDK stack and the local table setup read them from here. */
export const INDEX = {
  /** gsi1: a tenant's sessions by creation time; a tenant's API keys. */
  byTenant: "gsi1",
  /** gsi2: a user's sessions by creation time; an API key by its key id. */
  byOwner: "gsi2",
  /** gsi3: open sessions by `expires_at`, sparse and sharded, read by the expiry job. */
  openByExpiry: "gsi3",
  /** lsi1: a session's events by timestamp (strongly consistent). */
  eventsByTime: "lsi1",
  /** lsi2: a session's events by type (strongly consistent). */
  eventsByType: "lsi2",
} as const;

/** Key attributes of the table and its indexes, for the stack and the local table setup. */
export const INDEX_KEY_ATTRIBUTES = {
  table: { partition: "pk", sort: "sk" },
  gsi1: { partition: "gsi1pk", sort: "gsi1sk" },
  gsi2: { partition: "gsi2pk", sort: "gsi2sk" },
  gsi3: { partition: "gsi3pk", sort: "gsi3sk" },
  lsi1: { partition: "pk", sort: "lsi1sk" },
  lsi2: { partition: "pk", sort: "lsi2sk" },
} as const;

/** The TTL attribute (epoch seconds) DynamoDB deletes items by. */
export const TTL_ATTRIBUTE = "ttl";

/** Shards of the expiry index, so no single partition carries every open session. */
export const EXPIRY_SHARDS = 8;
/** Shards of a tenant's status counters, so concurrent lifecycle changes do not collide. */
export const STATS_SHARDS = 8;

export interface ItemKey {
  pk: string;
  sk: string;
}

export function padSeq(seq: number): string {
  return String(seq).padStart(SEQ_DIGITS, "0");
}

function sessionPk(tenant: string, sessionId: string): string {
  return `T#${tenant}#S#${sessionId}`;
}

function subscriptionsPk(tenant: string, sessionId: string): string {
  return `T#${tenant}#SUBS#${sessionId}`;
}

/** The tenant and session a session partition key names (a stream record carries only keys). */
export function parseSessionPartition(
  pk: string,
): { tenant: string; sessionId: string } | undefined {
  const match = /^T#([a-z0-9][a-z0-9-]{0,62})#S#(sess_[A-Za-z0-9_-]{22})$/.exec(pk);
  if (!match?.[1] || !match[2]) return undefined;
  return { tenant: match[1], sessionId: match[2] };
}

/** The connection id a subscription's sort key names. */
export function connectionIdFromSubscriptionSk(sk: string): string {
  return sk.slice(2);
}

export const keys = {
  session: (tenant: string, sessionId: string): ItemKey => ({
    pk: sessionPk(tenant, sessionId),
    sk: SESSION_SK,
  }),
  sessionPartition: (tenant: string, sessionId: string): string => sessionPk(tenant, sessionId),
  event: (tenant: string, sessionId: string, seq: number): ItemKey => ({
    pk: sessionPk(tenant, sessionId),
    sk: eventSk(seq),
  }),
  openLock: (tenant: string, userId: string): ItemKey => ({
    pk: `T#${tenant}#U#${userId}`,
    sk: OPEN_LOCK_SK,
  }),
  apiKey: (keyHash: string): ItemKey => ({ pk: `K#${keyHash}`, sk: API_KEY_SK }),
  /** An own-scoped key's records are its own: another key's equal value names another item. */
  idempotency: (
    tenant: string,
    idempotencyKey: string,
    ownerKeyId: string | null = null,
  ): ItemKey => ({
    pk: `T#${tenant}#I#${sha256(ownerKeyId === null ? idempotencyKey : `${ownerKeyId}\n${idempotencyKey}`)}`,
    sk: IDEMPOTENCY_SK,
  }),
  stats: (tenant: string, shard: number): ItemKey => ({
    pk: `T#${tenant}#STATS#${shard}`,
    sk: STATS_SK,
  }),
  /** Counters of the sessions one `own`-scoped key started, sharded like the tenant's. */
  keyStats: (tenant: string, keyId: string, shard: number): ItemKey => ({
    pk: `T#${tenant}#K#${keyId}#STATS#${shard}`,
    sk: STATS_SK,
  }),
  /** The last processing status investigate read from status.json, beside the session. */
  processingStatus: (tenant: string, sessionId: string): ItemKey => ({
    pk: sessionPk(tenant, sessionId),
    sk: PROCESSING_STATUS_SK,
  }),
  /**
   * A push-stream ticket, by the hash of its value: looked up before the
   * tenant is known, like an API key.
   */
  streamTicket: (ticketHash: string): ItemKey => ({
    pk: `STT#${ticketHash}`,
    sk: STREAM_TICKET_SK,
  }),
  /** A push-stream connection: its subscribed sessions, for cleanup and the per-connection cap. */
  connection: (tenant: string, connectionId: string): ItemKey => ({
    pk: `T#${tenant}#C#${connectionId}`,
    sk: CONNECTION_SK,
  }),
  /**
   * One connection's subscription to one session. Kept outside the session's
   * partition, so deleting the session leaves them for the fan-out to end.
   */
  subscription: (tenant: string, sessionId: string, connectionId: string): ItemKey => ({
    pk: subscriptionsPk(tenant, sessionId),
    sk: `C#${connectionId}`,
  }),
  subscriptionsPartition: (tenant: string, sessionId: string): string =>
    subscriptionsPk(tenant, sessionId),
  /** Cached log summary of one log object version, beside the session's events. */
  logSummary: (tenant: string, sessionId: string, logName: string, etag: string): ItemKey => ({
    pk: sessionPk(tenant, sessionId),
    sk: `${LOG_SUMMARY_SK_PREFIX}${sha256(`${logName}\n${etag}`)}`,
  }),
};

/** First and last possible event sort keys; the session item sorts after both. */
export const EVENT_SK_MIN = eventSk(0);
export const EVENT_SK_PREFIX = "E#";

export function eventSk(seq: number): string {
  return `E#${padSeq(seq)}`;
}

export function seqFromEventSk(sk: string): number {
  return Number.parseInt(sk.slice(EVENT_SK_PREFIX.length), 10);
}

/** Attributes of the secondary indexes, built here like every other key. */
export const indexKeys = {
  sessionsByCreated: (tenant: string, createdAt: string, sessionId: string) => ({
    gsi1pk: `T#${tenant}#SESSIONS`,
    gsi1sk: `${createdAt}#${sessionId}`,
  }),
  sessionsByCreatedPartition: (tenant: string): string => `T#${tenant}#SESSIONS`,
  sessionsByUser: (tenant: string, userId: string, createdAt: string, sessionId: string) => ({
    gsi2pk: `T#${tenant}#U#${userId}`,
    gsi2sk: `${createdAt}#${sessionId}`,
  }),
  sessionsByUserPartition: (tenant: string, userId: string): string => `T#${tenant}#U#${userId}`,
  /** Present only while the session is open: removing them takes it out of the index. */
  openByExpiry: (tenant: string, sessionId: string, expiresAt: string) => ({
    gsi3pk: expiryShard(sessionId),
    gsi3sk: `${expiresAt}#${tenant}#${sessionId}`,
  }),
  expiryShardPartition: (shard: number): string => `OPEN#${shard}`,
  apiKeysOfTenant: (tenant: string, createdAt: string, keyId: string) => ({
    gsi1pk: `T#${tenant}#KEYS`,
    gsi1sk: `${createdAt}#${keyId}`,
  }),
  apiKeysOfTenantPartition: (tenant: string): string => `T#${tenant}#KEYS`,
  apiKeyById: (keyId: string) => ({ gsi2pk: `KEYID#${keyId}`, gsi2sk: API_KEY_SK }),
  apiKeyByIdPartition: (keyId: string): string => `KEYID#${keyId}`,
  eventByTime: (timestamp: string, seq: number) => ({ lsi1sk: `${timestamp}#${padSeq(seq)}` }),
  /** Lower bound of the time index for events strictly after `timestamp`. */
  eventByTimeAfter: (timestamp: string): string => `${timestamp}#${"9".repeat(SEQ_DIGITS)}`,
  eventTypePrefix: (eventType: string): string => `${eventType}#`,
  eventByType: (eventType: string, seq: number) => ({ lsi2sk: eventTypeSortKey(eventType, seq) }),
};

/** The type index's sort key of an event: its type, then its seq. */
export function eventTypeSortKey(eventType: string, seq: number): string {
  return `${eventType}#${padSeq(seq)}`;
}

/** Expression attribute names for the local event indexes' sort keys. */
export const EVENT_INDEX_SORT = {
  byTime: INDEX_KEY_ATTRIBUTES.lsi1.sort,
  byType: INDEX_KEY_ATTRIBUTES.lsi2.sort,
} as const;

/** The expiry index's key attributes: removing them takes a session out of the index. */
export const OPEN_BY_EXPIRY_ATTRIBUTES = [
  INDEX_KEY_ATTRIBUTES.gsi3.partition,
  INDEX_KEY_ATTRIBUTES.gsi3.sort,
] as const;

/**
 * Where a page of the session listing (gsi1, or gsi2 for one user) resumes:
 * the full key DynamoDB wants as `ExclusiveStartKey`, from a position
 * `{created_at}#{session_id}` (the index's sort key of the last item).
 */
export function sessionListStartKey(
  tenant: string,
  userId: string | undefined,
  position: string,
): Record<string, string> {
  const sessionId = position.slice(position.lastIndexOf("#") + 1);
  const index = userId === undefined ? INDEX_KEY_ATTRIBUTES.gsi1 : INDEX_KEY_ATTRIBUTES.gsi2;
  const partition =
    userId === undefined
      ? indexKeys.sessionsByCreatedPartition(tenant)
      : indexKeys.sessionsByUserPartition(tenant, userId);
  return {
    ...keys.session(tenant, sessionId),
    [index.partition]: partition,
    [index.sort]: position,
  };
}

/** The listing position of a session: its sort key in the listing indexes. */
export function sessionListPosition(createdAt: string, sessionId: string): string {
  return indexKeys.sessionsByCreated("", createdAt, sessionId).gsi1sk;
}

/** Parses the sort key of the expiry index back into the session it names. */
export function parseExpiryIndexSk(
  sk: string,
): { expiresAt: string; tenant: string; sessionId: string } | undefined {
  const parts = sk.split("#");
  if (parts.length !== 3) return undefined;
  const [expiresAt, tenant, sessionId] = parts as [string, string, string];
  return { expiresAt, tenant, sessionId };
}

function expiryShard(sessionId: string): string {
  const digest = createHash("sha256").update(sessionId).digest();
  return `OPEN#${(digest[0] ?? 0) % EXPIRY_SHARDS}`;
}

export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** S3 keys: one prefix per session workspace. */
export const objectKeys = {
  workspacePrefix: (tenant: string, sessionId: string): string =>
    `workspaces/${tenant}/${sessionId}/`,
  workspaceObject: (tenant: string, sessionId: string, relativePath: string): string =>
    `workspaces/${tenant}/${sessionId}/${relativePath}`,
  /** The path inside the workspace, or undefined when the key is outside it. */
  relativePath: (tenant: string, sessionId: string, key: string): string | undefined => {
    const prefix = `workspaces/${tenant}/${sessionId}/`;
    return key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
  },
};
