/**
 * Fault injection on every write path. The local stack runs in this process,
 * so an SDK middleware on the product's own DynamoDB and S3 clients can make
 * the N-th call of a request fail: throttled, a 500, a timeout or a reset
 * connection, before the request reaches storage or after it committed (the
 * answer lost on the way back). For every N along each path and every kind
 * of fault, the API must answer with the error body and a retry hint, the
 * table must hold the whole change or none of it, and a retry must succeed
 * (or, when the change did commit, answer exactly what a repeat answers).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  InternalServerError,
  ProvisionedThroughputExceededException,
} from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3ServiceException } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { LocalStack } from "#infra/local/local-stack.ts";
import {
  invariantViolations,
  pendingPurges,
  readPartition,
  readTenant,
  type TenantState,
} from "./storage-invariants.ts";

// The product modules are loaded after these are set: their logger and
// metrics read the environment once, and hundreds of injected faults would
// otherwise print hundreds of warnings.
process.env.LOG_LEVEL = "CRITICAL";
process.env.POWERTOOLS_METRICS_DISABLED = "true";
process.env.POWERTOOLS_DEV = "false";

type FaultKind = "throttling" | "server-error" | "timeout" | "connection-reset";
/**
 * persistent: every attempt of the N-th call fails before reaching storage.
 * transient: its first attempt fails that way, the SDK's retry goes through.
 * lost-response: every attempt reaches storage, every answer is lost.
 * lost-first-response: the first attempt's answer is lost, the retries get theirs.
 */
type FaultMode = "persistent" | "transient" | "lost-response" | "lost-first-response";

interface FaultSpec {
  mode: FaultMode;
  kind: FaultKind;
}

const BEFORE_STORAGE: FaultKind[] = ["throttling", "server-error", "timeout", "connection-reset"];
const FAULTS: FaultSpec[] = [
  ...BEFORE_STORAGE.map((kind): FaultSpec => ({ mode: "persistent", kind })),
  ...BEFORE_STORAGE.map((kind): FaultSpec => ({ mode: "transient", kind })),
  // A throttled request did not run, so only these can hit after a commit.
  ...(["server-error", "timeout", "connection-reset"] as const).map(
    (kind): FaultSpec => ({ mode: "lost-response", kind }),
  ),
  ...(["timeout", "connection-reset"] as const).map(
    (kind): FaultSpec => ({ mode: "lost-first-response", kind }),
  ),
];

type Service = "dynamodb" | "s3";

function faultError(service: Service, kind: FaultKind): Error {
  switch (kind) {
    case "throttling":
      return service === "dynamodb"
        ? new ProvisionedThroughputExceededException({
            message: "The level of configured provisioned throughput for the table was exceeded.",
            $metadata: { httpStatusCode: 400 },
          })
        : new S3ServiceException({
            name: "SlowDown",
            $fault: "server",
            message: "Please reduce your request rate.",
            $metadata: { httpStatusCode: 503 },
          });
    case "server-error":
      return service === "dynamodb"
        ? new InternalServerError({
            message: "Internal server error",
            $metadata: { httpStatusCode: 500 },
          })
        : new S3ServiceException({
            name: "InternalError",
            $fault: "server",
            message: "We encountered an internal error. Please try again.",
            $metadata: { httpStatusCode: 500 },
          });
    case "timeout":
      // What the SDK's Node HTTP handler throws when requestTimeout elapses.
      return Object.assign(new Error("Connection timed out after 3000 ms"), {
        name: "TimeoutError",
      });
    case "connection-reset":
      return Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
  }
}

/** The SDK call log and the fault plan, shared by the middlewares of both clients. */
const injector = {
  recording: false,
  calls: [] as string[],
  plan: undefined as (FaultSpec & { call: number }) | undefined,
  fired: false,
};

interface CallContext {
  commandName?: string;
  faultCall?: number;
  faultAttempts?: number;
}

interface MiddlewareClient {
  middlewareStack: {
    add: (
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: CallContext,
      ) => (args: unknown) => Promise<unknown>,
      options: { step: "initialize" | "finalizeRequest"; priority: "low"; name: string },
    ) => void;
  };
}

/**
 * Two middlewares: one outside the SDK's retry loop numbers each logical
 * call; one inside it (after signing, so per attempt) applies the fault to
 * the planned call.
 */
function instrument(client: MiddlewareClient, service: Service): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (injector.recording) {
        injector.calls.push(`${service}:${(context.commandName ?? "?").replace(/Command$/, "")}`);
        context.faultCall = injector.calls.length;
        context.faultAttempts = 0;
      }
      return next(args);
    },
    { step: "initialize", priority: "low", name: "faultCallCounter" },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const plan = injector.plan;
      if (!plan || context.faultCall !== plan.call) return next(args);
      const attempt = (context.faultAttempts ?? 0) + 1;
      context.faultAttempts = attempt;
      injector.fired = true;
      const fault = faultError(service, plan.kind);
      switch (plan.mode) {
        case "persistent":
          throw fault;
        case "transient":
          if (attempt === 1) throw fault;
          return next(args);
        case "lost-response":
          await next(args).catch(() => undefined);
          throw fault;
        case "lost-first-response": {
          if (attempt > 1) return next(args);
          await next(args).catch(() => undefined);
          throw fault;
        }
      }
    },
    { step: "finalizeRequest", priority: "low", name: "faultInjector" },
  );
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  retryAfter: string | null;
  text: string;
}

interface WriteContext {
  tenant: string;
  key: string;
  user: string;
  sessionId?: string;
  /** Messages of events an append was acknowledged for: none may go missing. */
  acknowledged: string[];
  idempotencyKey?: string;
  /** Whatever the path needs to remember between runs. */
  value?: unknown;
}

/** The change a path makes, as seen in storage: absent, complete, or neither. */
type Observed = "none" | "whole" | { partial: string };

interface WritePath {
  name: string;
  /** Whether the path is an API route (the others are the job and the keys CLI's use case). */
  http: boolean;
  /** A path that changes nothing: after the retry the state is still "none". */
  readOnly?: boolean;
  setup: () => Promise<WriteContext>;
  /** One attempt at the change; an HTTP answer, or the use case's outcome mapped to one. */
  run: (context: WriteContext) => Promise<Answer>;
  success: number;
  observe: (context: WriteContext, state: TenantState) => Promise<Observed>;
  /** What repeating the request answers once the change committed. */
  repeatAfterCommit: (context: WriteContext, state: TenantState, answer: Answer) => string[];
}

let stack: LocalStack;
let dataDir: string;
let baseUrl: string;
let products: {
  createApiKey: typeof import("#shared/usecases/api-keys.ts").createApiKey;
  listApiKeys: typeof import("#shared/usecases/api-keys.ts").listApiKeys;
  authenticate: typeof import("#shared/usecases/api-keys.ts").authenticate;
  expireDueSessions: typeof import("#shared/usecases/expiry.ts").expireDueSessions;
  s3: typeof import("#shared/storage/s3-client.ts").s3;
  dynamo: typeof import("#shared/storage/clients.ts").dynamo;
  bucketName: typeof import("#shared/config.ts").bucketName;
  objectKeys: typeof import("#shared/storage/keys.ts").objectKeys;
};
let tenantCounter = 0;

async function call(
  method: string,
  path: string,
  key: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      "X-API-Key": key,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    retryAfter: response.headers.get("retry-after"),
    text,
  };
}

async function freshTenant(): Promise<{ tenant: string; key: string }> {
  tenantCounter += 1;
  const tenant = `fault-${process.pid}-${tenantCounter}`;
  const key = (await products.createApiKey(tenant, "admin")).plainKey;
  // The first call with a key runs the authorizer; later ones use its cached answer.
  const warm = await call("GET", "/sessions?limit=1", key);
  expect(warm.status).toBe(200);
  return { tenant, key };
}

async function startSession(
  context: { key: string; user: string },
  extra: Record<string, unknown> = {},
): Promise<string> {
  const answer = await call("POST", "/sessions", context.key, {
    user_id: context.user,
    performer_id: "fault",
    ...extra,
  });
  expect(answer.status).toBe(201);
  return String((answer.body.session as { session_id: string }).session_id);
}

async function withSession(
  status: "active" | "paused" = "active",
  extra: Record<string, unknown> = {},
): Promise<WriteContext> {
  const { tenant, key } = await freshTenant();
  const user = `user-${tenantCounter}`;
  const sessionId = await startSession({ key, user }, extra);
  if (status === "paused") {
    const paused = await call("POST", `/sessions/${sessionId}/pause`, key, {
      user_id: user,
      performer_id: "fault",
    });
    expect(paused.status).toBe(200);
  }
  return { tenant, key, user, sessionId, acknowledged: [] };
}

function partitionOf(state: TenantState, sessionId: string | undefined) {
  return state.partitions.find((partition) => partition.sessionId === sessionId);
}

function statusOf(state: TenantState, sessionId: string | undefined): unknown {
  return partitionOf(state, sessionId)?.session?.status;
}

function errorCode(answer: Answer): unknown {
  return answer.body.error_code;
}

const transition = (
  action: "end" | "pause" | "resume",
  from: "active" | "paused",
  to: string,
  repeatCode: string,
): WritePath => ({
  name: action,
  http: true,
  setup: () => withSession(from),
  run: (context) =>
    call("POST", `/sessions/${context.sessionId}/${action}`, context.key, {
      user_id: context.user,
      performer_id: "fault",
    }),
  success: 200,
  observe: async (context, state) => {
    const status = statusOf(state, context.sessionId);
    if (status === from) return "none";
    if (status === to) return "whole";
    return { partial: `status ${String(status)}` };
  },
  repeatAfterCommit: (_context, _state, answer) =>
    answer.status === 409 && errorCode(answer) === repeatCode
      ? []
      : [`a repeated ${action} answered ${answer.status} ${answer.text}, not 409 ${repeatCode}`],
});

function startPath(withIdempotencyKey: boolean): WritePath {
  return {
    name: withIdempotencyKey ? "start with Idempotency-Key" : "start",
    http: true,
    setup: async () => {
      const { tenant, key } = await freshTenant();
      return {
        tenant,
        key,
        user: `user-${tenantCounter}`,
        acknowledged: [],
        idempotencyKey: withIdempotencyKey ? `idem-${tenantCounter}` : undefined,
      };
    },
    run: async (context) => {
      const answer = await call(
        "POST",
        "/sessions",
        context.key,
        { user_id: context.user, performer_id: "fault" },
        context.idempotencyKey ? { "Idempotency-Key": context.idempotencyKey } : {},
      );
      if (answer.status === 201) {
        context.sessionId = String((answer.body.session as { session_id: string }).session_id);
      }
      return answer;
    },
    success: 201,
    observe: async (_context, state) => {
      const sessions = state.partitions.filter((partition) => partition.session);
      if (sessions.length === 0 && state.locks.size === 0) return "none";
      if (sessions.length === 1 && state.locks.size === 1) return "whole";
      return { partial: `${sessions.length} sessions, ${state.locks.size} locks` };
    },
    repeatAfterCommit: (context, state, answer) => {
      const created = state.partitions.find((partition) => partition.session)?.sessionId;
      if (context.idempotencyKey) {
        // The same key and body replay the first answer: the session that was created.
        const replayed = (answer.body.session as { session_id?: string } | undefined)?.session_id;
        return answer.status === 201 && replayed === created
          ? []
          : [`a repeated start with its Idempotency-Key answered ${answer.status} ${answer.text}`];
      }
      const named = (answer.body.details as { active_session_id?: string } | undefined)
        ?.active_session_id;
      return answer.status === 409 &&
        errorCode(answer) === "ACTIVE_SESSION_EXISTS" &&
        named === created
        ? []
        : [`a repeated start answered ${answer.status} ${answer.text}, not 409 naming ${created}`];
    },
  };
}

const APPENDED = 3;

const appendPath: WritePath = {
  name: "append",
  http: true,
  setup: () => withSession("active"),
  run: async (context) => {
    const messages = Array.from(
      { length: APPENDED },
      (_, index) => `m${context.acknowledged.length}-${index}`,
    );
    const answer = await call("POST", `/sessions/${context.sessionId}/events`, context.key, {
      events: messages.map((message) => ({ event_type: "info", message })),
    });
    context.value = messages;
    if (answer.status === 201) context.acknowledged.push(...messages);
    return answer;
  },
  success: 201,
  observe: async (context, state) => {
    const partition = partitionOf(state, context.sessionId);
    const messages = new Set(partition?.events.map((event) => event.message));
    const lost = context.acknowledged.filter((message) => !messages.has(message));
    if (lost.length > 0) return { partial: `acknowledged events missing: ${lost.join(",")}` };
    const attempted = (context.value as string[]).filter((message) => messages.has(message));
    if (attempted.length === 0) return "none";
    if (attempted.length === APPENDED) return "whole";
    return { partial: `${attempted.length} of ${APPENDED} events of one append stored` };
  },
  // Appends carry no idempotency key: a repeat after a lost answer appends again.
  repeatAfterCommit: (_context, _state, answer) =>
    answer.status === 201 ? [] : [`a repeated append answered ${answer.status} ${answer.text}`],
};

const deletePath: WritePath = {
  name: "delete",
  http: true,
  setup: async () => {
    const context = await withSession("active");
    const appended = await call("POST", `/sessions/${context.sessionId}/events`, context.key, {
      events: [{ event_type: "info", message: "before delete" }],
    });
    expect(appended.status).toBe(201);
    await products.s3().send(
      new PutObjectCommand({
        Bucket: products.bucketName(),
        Key: products.objectKeys.workspaceObject(
          context.tenant,
          context.sessionId ?? "",
          "logs/run.log",
        ),
        Body: "INFO started\n",
      }),
    );
    return context;
  },
  run: (context) => call("DELETE", `/sessions/${context.sessionId}`, context.key),
  success: 204,
  observe: async (context, state) => {
    const partition = partitionOf(state, context.sessionId);
    if (!partition?.session) {
      return partition && partition.events.length + partition.others.length > 0
        ? { partial: "events left without their session" }
        : "whole";
    }
    if (partition.session.deleting === true) return "whole";
    return partition.session.status === "active" && partition.events.length === 2
      ? "none"
      : {
          partial: `session ${String(partition.session.status)} with ${partition.events.length} events`,
        };
  },
  // A repeated delete finishes an interrupted purge; once purged, the id is gone.
  repeatAfterCommit: (_context, _state, answer) =>
    answer.status === 204 || (answer.status === 404 && errorCode(answer) === "NOT_FOUND")
      ? []
      : [`a repeated delete answered ${answer.status} ${answer.text}`],
};

/** How far the expiry job's clock runs ahead: past the 1-second TTL of the sessions it closes. */
const EXPIRY_CLOCK_AHEAD_MS = 2000;

/**
 * The expiry job run in this process, its report mapped onto the API's
 * answers. The job runs with its clock two seconds ahead instead of the test
 * waiting for the session's TTL to pass.
 */
const expirePath: WritePath = {
  name: "expire",
  http: false,
  setup: () => withSession("active", { ttl_seconds: 1 }),
  run: async () => {
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + EXPIRY_CLOCK_AHEAD_MS);
    try {
      const report = await products.expireDueSessions(() => true);
      if (report.failed > 0) {
        return { status: 503, body: { report }, retryAfter: "60", text: JSON.stringify(report) };
      }
      return { status: 200, body: { report }, retryAfter: null, text: JSON.stringify(report) };
    } catch (error) {
      return {
        status: 503,
        body: { error: error instanceof Error ? error.name : "unknown" },
        retryAfter: "60",
        text: String(error),
      };
    } finally {
      vi.useRealTimers();
    }
  },
  success: 200,
  observe: async (context, state) => {
    const status = statusOf(state, context.sessionId);
    if (status === "active") return "none";
    if (status === "expired") return "whole";
    return { partial: `status ${String(status)}` };
  },
  repeatAfterCommit: (_context, _state, answer) => {
    const report = answer.body.report as { expired?: number; failed?: number } | undefined;
    return answer.status === 200 && report?.expired === 0 && report.failed === 0
      ? []
      : [`a repeated expiry run answered ${answer.text}, not a run with nothing to do`];
  },
};

const keyCreatePath: WritePath = {
  name: "key create",
  http: false,
  setup: async () => {
    tenantCounter += 1;
    return {
      tenant: `fault-keys-${process.pid}-${tenantCounter}`,
      key: "",
      user: "",
      acknowledged: [],
    };
  },
  run: async (context) => {
    try {
      const created = await products.createApiKey(context.tenant, "app");
      context.value = created.plainKey;
      return { status: 201, body: {}, retryAfter: null, text: created.keyId };
    } catch (error) {
      return {
        status: 503,
        body: { error: error instanceof Error ? error.name : "unknown" },
        retryAfter: "1",
        text: String(error),
      };
    }
  },
  success: 201,
  observe: async (context) => {
    const stored = await products.listApiKeys(context.tenant);
    if (stored.length === 0) return "none";
    // A key whose answer was lost exists but was shown to nobody: harmless, revocable.
    if (stored.every((key) => key.tenant_id === context.tenant && key.role === "app")) {
      return "whole";
    }
    return { partial: JSON.stringify(stored) };
  },
  repeatAfterCommit: (_context, _state, answer) =>
    answer.status === 201 ? [] : [`a repeated key create answered ${answer.text}`],
};

/**
 * The gate in front of every write: the authorizer's key lookup. A fresh key
 * per scenario, so nothing is cached and the lookup is the first call.
 */
const authorizePath: WritePath = {
  name: "authorize (key lookup)",
  http: true,
  readOnly: true,
  setup: async () => {
    tenantCounter += 1;
    const tenant = `fault-auth-${process.pid}-${tenantCounter}`;
    const key = (await products.createApiKey(tenant, "app")).plainKey;
    return { tenant, key, user: "", acknowledged: [] };
  },
  run: (context) => call("GET", "/sessions?limit=1", context.key),
  success: 200,
  // Nothing is written: a failed lookup must not be remembered, so the retry goes through.
  observe: async () => "none",
  repeatAfterCommit: () => [],
};

const PATHS: WritePath[] = [
  authorizePath,
  startPath(false),
  startPath(true),
  transition("end", "active", "ended", "SESSION_ALREADY_ENDED"),
  transition("pause", "active", "paused", "INVALID_TRANSITION"),
  transition("resume", "paused", "active", "INVALID_TRANSITION"),
  appendPath,
  deletePath,
  expirePath,
  keyCreatePath,
];

/** Each scenario starts with a full SDK retry quota, as a fresh Lambda container does. */
async function refillRetryQuota(): Promise<void> {
  for (const client of [products.dynamo().client, products.s3()]) {
    const strategy: unknown = await client.config.retryStrategy();
    if (strategy && typeof strategy === "object" && "capacity" in strategy) {
      Object.assign(strategy, { capacity: 500 });
    }
  }
}

async function stateOf(context: WriteContext): Promise<TenantState> {
  return readTenant(context.tenant, {
    sessionIds: context.sessionId ? [context.sessionId] : [],
    users: context.user ? [context.user] : [],
  });
}

/** What a 5xx body may never carry: storage names, SDK error text, paths, stack traces. */
function leakPatterns(): RegExp[] {
  return [
    new RegExp(stack.endpoints.tableName),
    new RegExp(stack.endpoints.bucketName),
    new RegExp(dataDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
    /\barn:/i,
    /Exception|InternalServerError|SlowDown|TimeoutError|ECONNRESET|socket hang up|timed out/,
    /\$metadata|httpStatusCode|\bat [\w.<>]+ \(.*:\d+:\d+\)/,
  ];
}

/** The 5xx a fault must produce: the contract's error body and a retry hint. */
function unavailableProblems(path: WritePath, answer: Answer): string[] {
  const problems: string[] = [];
  if (answer.status !== 503 && answer.status !== 500) {
    problems.push(`answered ${answer.status}, not 503/500: ${answer.text}`);
  }
  if (answer.status === 503 && !(Number(answer.retryAfter) >= 1)) {
    problems.push(`a 503 without Retry-After: ${answer.text}`);
  }
  if (!path.http) return problems;
  const { error_code: code, message, details } = answer.body;
  if (
    code !== (answer.status === 503 ? "UNAVAILABLE" : "INTERNAL") ||
    typeof message !== "string" ||
    typeof details !== "object" ||
    Object.keys(answer.body).length !== 3
  ) {
    problems.push(`not the contract's error body: ${answer.text}`);
  }
  for (const pattern of leakPatterns()) {
    if (pattern.test(answer.text)) problems.push(`the body leaks ${pattern}: ${answer.text}`);
  }
  return problems;
}

const figure = {
  scenarios: 0,
  partialStates: 0,
  points: new Map<string, number>(),
  /** How each path answered a lost first response (the SDK retried a call that had committed). */
  lostFirstAnswers: new Map<string, Map<string, number>>(),
};

/** Runs the path once with the N-th SDK call failing as `fault` says; answers the problems found. */
async function scenario(path: WritePath, callNumber: number, fault: FaultSpec): Promise<string[]> {
  const context = await path.setup();
  await refillRetryQuota();
  injector.calls = [];
  injector.fired = false;
  injector.recording = true;
  injector.plan = { ...fault, call: callNumber };
  let answer: Answer;
  try {
    answer = await path.run(context);
  } finally {
    injector.plan = undefined;
    injector.recording = false;
  }
  const where = `${path.name} #${callNumber} ${fault.mode} ${fault.kind}`;
  const problems: string[] = [];
  if (!injector.fired) return [`${where}: the path made no call #${callNumber}`];
  figure.scenarios += 1;

  const after = await stateOf(context);
  const violations = invariantViolations(after);
  const observed = await path.observe(context, after);
  if (violations.length > 0 || typeof observed === "object") {
    figure.partialStates += 1;
    problems.push(...violations, ...(typeof observed === "object" ? [observed.partial] : []));
  }
  const succeeded = answer.status === path.success;
  if (fault.mode === "lost-first-response") {
    const answers = figure.lostFirstAnswers.get(path.name) ?? new Map<string, number>();
    const label = `${answer.status}${errorCode(answer) ? ` ${String(errorCode(answer))}` : ""}`;
    answers.set(label, (answers.get(label) ?? 0) + 1);
    figure.lostFirstAnswers.set(path.name, answers);
  }
  if (fault.mode === "transient" && !succeeded) {
    problems.push(`a fault the SDK retried through still failed: ${answer.status} ${answer.text}`);
  }
  if (!succeeded && fault.mode !== "lost-first-response") {
    problems.push(...unavailableProblems(path, answer));
  }
  if (succeeded && observed !== (path.readOnly ? "none" : "whole"))
    problems.push(`answered success but the change is ${JSON.stringify(observed)}`);
  if (fault.mode === "lost-first-response" && !succeeded && observed === "whole") {
    // The change committed; the SDK's retry of it was refused. The answer must still be one
    // a client can act on: exactly what repeating the request would answer.
    problems.push(...path.repeatAfterCommit(context, after, answer));
  }

  // The client retries without a fault.
  const retry = await path.run(context);
  if (observed === "whole" && !succeeded) {
    problems.push(...path.repeatAfterCommit(context, after, retry));
  } else if (observed === "none" && retry.status !== path.success) {
    problems.push(`the retry answered ${retry.status} ${retry.text}`);
  }
  const final = await stateOf(context);
  const finalViolations = invariantViolations(final);
  if (finalViolations.length > 0)
    problems.push(...finalViolations.map((v) => `after the retry: ${v}`));
  if ((await path.observe(context, final)) !== (path.readOnly ? "none" : "whole")) {
    problems.push("after the retry the change is not whole");
  }
  if (path === deletePath) {
    const partition = await readPartition(context.tenant, context.sessionId ?? "");
    if (partition.session || partition.events.length + partition.others.length > 0) {
      problems.push("after the retry the deleted session's partition is not empty");
    }
    if (pendingPurges(final).length > 0) problems.push("a purge is still pending after the retry");
  }
  return problems.map((problem) => `${where}: ${problem}`);
}

/** The SDK calls one clean run of the path makes, in order. */
async function callsOf(path: WritePath): Promise<string[]> {
  const context = await path.setup();
  injector.calls = [];
  injector.recording = true;
  let answer: Answer;
  try {
    answer = await path.run(context);
  } finally {
    injector.recording = false;
  }
  expect(answer.status, answer.text).toBe(path.success);
  expect(invariantViolations(await stateOf(context))).toEqual([]);
  return [...injector.calls];
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "session-trail-faults-"));
  const { startLocalStack } = await import("#infra/local/local-stack.ts");
  stack = await startLocalStack({
    dataDir,
    port: 0,
    inMemory: true,
    rateLimit: { rps: 0, burst: 0 },
    corsOrigins: [],
    authorizerCacheSeconds: 300,
    // The fan-out would react to each write in this process, with the clients counted here.
    pushStream: false,
  });
  baseUrl = stack.endpoints.baseUrl;
  const [apiKeys, expiry, clients, s3Client, config, storageKeys] = await Promise.all([
    import("#shared/usecases/api-keys.ts"),
    import("#shared/usecases/expiry.ts"),
    import("#shared/storage/clients.ts"),
    import("#shared/storage/s3-client.ts"),
    import("#shared/config.ts"),
    import("#shared/storage/keys.ts"),
  ]);
  products = {
    createApiKey: apiKeys.createApiKey,
    listApiKeys: apiKeys.listApiKeys,
    authenticate: apiKeys.authenticate,
    expireDueSessions: expiry.expireDueSessions,
    s3: s3Client.s3,
    dynamo: clients.dynamo,
    bucketName: config.bucketName,
    objectKeys: storageKeys.objectKeys,
  };
  // The counter keeps per-call state in the handler context, which a cached
  // middleware stack would share between calls: this client resolves per call.
  const table = clients.dynamo().client;
  table.config.cacheMiddleware = false;
  instrument(table as unknown as MiddlewareClient, "dynamodb");
  instrument(s3Client.s3() as unknown as MiddlewareClient, "s3");
}, 120_000);

afterAll(async () => {
  const points = [...figure.points.entries()].map(([name, count]) => `${name} ${count}`);
  console.log(
    `fault injection: ${[...figure.points.values()].reduce((a, b) => a + b, 0)} fault points (${points.join(", ")}) × ${FAULTS.length} faults = ${figure.scenarios} scenarios, partial states ${figure.partialStates}`,
  );
  for (const [name, answers] of figure.lostFirstAnswers) {
    const summary = [...answers.entries()].map(([label, count]) => `${label} ×${count}`);
    console.log(`  ${name}, first answer lost: ${summary.join(", ")}`);
  }
  await stack?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe("fault injection on every write path", () => {
  it("sees the handlers' SDK calls in this process", async () => {
    const calls = await callsOf(startPath(false));
    expect(calls).toEqual(["dynamodb:TransactWriteItems"]);
  });

  for (const path of PATHS) {
    it(`${path.name}: every fault at every SDK call leaves the whole change or none, and a retry succeeds`, async () => {
      const calls = await callsOf(path);
      figure.points.set(path.name, calls.length);
      const problems: string[] = [];
      for (let callNumber = 1; callNumber <= calls.length; callNumber += 1) {
        for (const fault of FAULTS) {
          problems.push(...(await scenario(path, callNumber, fault)));
        }
      }
      expect(problems, `SDK calls of ${path.name}: ${calls.join(" → ")}`).toEqual([]);
    }, 600_000);
  }

  it("found no partial state", () => {
    expect(figure.scenarios).toBeGreaterThan(0);
    expect(figure.partialStates).toBe(0);
  });
});
