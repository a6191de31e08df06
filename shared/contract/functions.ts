/**
 * Every Lambda function of the service and what it may touch: the stack
 * creates and grants exactly this, and each route names one of these.
 */

/**
 * Table actions, by the DynamoDB API call they allow. A TransactWriteItems is
 * authorized by the item actions inside it (put, update, delete), so a
 * function that writes transactions declares those.
 */
export const TABLE_ACTIONS = [
  "get",
  "batchGet",
  "query",
  "put",
  "update",
  "delete",
  "batchWrite",
  "describe",
] as const;
export type TableAction = (typeof TABLE_ACTIONS)[number];

/**
 * Bucket actions, on workspace objects (`workspaces/*`). `list` is
 * ListObjectsV2 and HeadBucket, and lets a read of a missing object answer
 * 404 rather than 403.
 */
export const BUCKET_ACTIONS = ["get", "put", "delete", "list"] as const;
export type BucketAction = (typeof BUCKET_ACTIONS)[number];

/** What a function may do to the table and the bucket; the stack grants exactly this. */
export interface FunctionAccess {
  table: readonly TableAction[];
  bucket: readonly BucketAction[];
}

export interface FunctionDefinition {
  description: string;
  /** An EventBridge schedule expression for functions run on a timer rather than a route. */
  schedule?: string;
  access: FunctionAccess;
  /** Memory in MiB; 512 unless a function needs more. */
  memoryMiB?: number;
  timeoutSeconds?: number;
  /** Files under the function's folder that it reads at run time; the bundle carries them. */
  assets?: readonly string[];
  /** It issues and checks listing cursors, so it gets CURSOR_SECRET (no other function does). */
  signsCursors?: boolean;
  /** Posts to push-stream connections (`@connections`, execute-api:ManageConnections). */
  manageConnections?: boolean;
  /** Fed by the table's stream (the event source mapping grants the stream reads). */
  tableStream?: boolean;
}

/**
 * A function's timeout unless its definition says otherwise: above the
 * storage budget of an invocation (AWS_REQUEST_TIMEOUT_MS × SDK attempts,
 * 9 s by default) plus the margin to answer, so a hung dependency gets the
 * service's 503 rather than a function timeout; below API Gateway's 29 s
 * integration timeout.
 */
export const DEFAULT_TIMEOUT_SECONDS = 12;
/** API Gateway's integration timeout for REST APIs. */
export const INTEGRATION_TIMEOUT_SECONDS = 29;

/** Every Lambda function, by folder name under `functions/`. */
export const FUNCTIONS = {
  authorizer: {
    description: "REQUEST authorizer: X-API-Key to tenant, key id and role",
    access: { table: ["get"], bucket: [] },
  },
  "start-session": {
    description: "Start a session (one open session per user)",
    access: { table: ["get", "put", "update", "delete"], bucket: [] },
  },
  "list-sessions": {
    description: "List the tenant's sessions",
    access: { table: ["query"], bucket: [] },
    signsCursors: true,
  },
  "get-session": { description: "Read one session", access: { table: ["get"], bucket: [] } },
  "transition-session": {
    description: "Pause, resume or end a session",
    access: { table: ["get", "put", "update", "delete"], bucket: [] },
  },
  "delete-session": {
    description: "Delete a session, its events and its workspace",
    access: {
      table: ["get", "query", "update", "delete", "batchWrite"],
      bucket: ["list", "delete"],
    },
  },
  "update-session": {
    description: "Merge-patch a session's notes and labels (If-Match for optimistic concurrency)",
    access: { table: ["get", "put", "update", "delete"], bucket: [] },
  },
  "append-events": {
    description: "Append 1..99 events to a session in one transaction",
    // Deletes only the lock of an overdue session it closes as the expiry job would.
    access: { table: ["get", "put", "update", "delete"], bucket: [] },
  },
  "query-events": {
    description: "Read a session's events (polling, filters, counts)",
    access: { table: ["get", "query"], bucket: [] },
  },
  "create-upload": {
    description: "Presigned PUT for a workspace file",
    access: { table: ["get"], bucket: ["put"] },
  },
  "get-file": {
    description: "Presigned GET (307) for a workspace file",
    access: { table: ["get"], bucket: ["get", "list"] },
  },
  investigate: {
    description: "Diagnostic summary of a session and its workspace",
    // Puts only its log-count cache items, in the session's partition.
    access: { table: ["get", "put"], bucket: ["get", "list"] },
  },
  expire: {
    description: "Scheduled: close open sessions whose expires_at has passed",
    access: { table: ["get", "query", "put", "update", "delete"], bucket: [] },
    schedule: "rate(1 minute)",
    timeoutSeconds: 60,
  },
  "session-statistics": {
    description: "One session's counts and times, from its counters",
    access: { table: ["get"], bucket: [] },
  },
  statistics: {
    description: "Session counts by status for the tenant",
    access: { table: ["batchGet", "query"], bucket: [] },
  },
  health: {
    description: "Dependency check",
    access: { table: ["describe"], bucket: ["list"] },
  },
  openapi: {
    description: "The OpenAPI 3.1 document, built from this table",
    access: { table: [], bucket: [] },
  },
  viewer: {
    description: "The session viewer page; it calls the API from the browser with the user's key",
    access: { table: [], bucket: [] },
    assets: ["assets/viewer.css"],
  },
  "create-stream-ticket": {
    description: "A single-use ticket for the push stream",
    access: { table: ["put"], bucket: [] },
  },
  "stream-authorizer": {
    description: "WebSocket $connect authorizer: consumes the ticket (conditional delete)",
    access: { table: ["delete"], bucket: [] },
  },
  "stream-connection": {
    description: "WebSocket $connect and $disconnect: records and clears a connection",
    access: { table: ["put", "get", "delete"], bucket: [] },
  },
  "stream-messages": {
    description: "WebSocket subscribe, unsubscribe and ping; sends the backlog",
    access: { table: ["get", "query", "put", "update", "delete"], bucket: [] },
    manageConnections: true,
  },
  "stream-fanout": {
    description: "DynamoDB Streams to subscribers: posts new events to their connections",
    // Query finds a session's subscribers; get, update and delete clear the
    // subscriptions of a connection that is gone or of a deleted session.
    access: { table: ["get", "query", "update", "delete"], bucket: [] },
    manageConnections: true,
    tableStream: true,
    timeoutSeconds: 60,
  },
} as const satisfies Record<string, FunctionDefinition>;

export type FunctionName = keyof typeof FUNCTIONS;
