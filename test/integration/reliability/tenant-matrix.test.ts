/**
 * Tenant and role matrix, generated from the route table: every route is
 * called with every kind of credential (the owner tenant's keys of each role,
 * the owner tenant's own-scoped keys of each role (which did not start the
 * sessions the requests name), another tenant's admin key, a revoked key, unknown and malformed keys, no
 * key) and the answer is compared with what the contract says it must be.
 * A route without an entry in REQUESTS fails the suite, so a new route cannot
 * ship without its row.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "#shared/client/client.ts";
import { appendEventsRoute } from "#shared/contract/routes/events.ts";
import {
  getSessionRoute,
  listSessionsRoute,
  pauseSessionRoute,
  startSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import { ROUTES, type RouteDefinition } from "#shared/contract/routes.ts";
import { STATUS_BY_CODE } from "#shared/domain/errors.ts";
import type { Role } from "#shared/domain/principal.ts";
import { createApiKey, revokeApiKey } from "#shared/usecases/api-keys.ts";
import {
  type ApiAnswer,
  api,
  newKey,
  uniqueTenant,
  uniqueUser,
  uploadThroughApi,
  useStackStorage,
} from "../../support/api.ts";
import { errorBody, stackClient } from "../../support/client.ts";

type CredentialKind =
  | "owner"
  | "own-scoped"
  | "other-tenant"
  | "revoked"
  | "unknown"
  | "malformed"
  | "none";

interface Credential {
  name: string;
  kind: CredentialKind;
  role?: Role;
  key: string | undefined;
}

/** A valid request of one route for the owner tenant, built fresh for each cell. */
interface PreparedRequest {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** The owner's session the request names, if the path has `{id}`. */
  sessionId?: string;
  /** The user a start would open a session for (to prove a refused start wrote nothing). */
  userId?: string;
}

interface MatrixEntry {
  /** Roles the contract (DESIGN.md §2) gives the route: the table must say the same. */
  contractRoles: readonly Role[] | "public";
  prepare: () => Promise<PreparedRequest>;
  /** Extra checks on a successful answer; returns a deviation or undefined. */
  checkSuccess?: (
    answer: ApiAnswer,
    request: PreparedRequest,
    credential: Credential,
  ) => string | undefined;
}

const WRITERS: readonly Role[] = ["app", "admin"];
const ANY: readonly Role[] = ["app", "support", "admin"];
const ALL_ROLES: readonly Role[] = ["app", "support", "admin"];

let ownerTenant: string;
let ownerKeys: Record<Role, string>;
let credentials: Credential[];
/** Read-only session with events and a workspace file, shared by the read routes. */
let shared: { id: string; user: string };
const ownerSessionIds = new Set<string>();

interface Answered {
  session: { session_id: string; status: string; last_seq: number };
}

async function startOwned(status: "active" | "paused" = "active") {
  const user = uniqueUser("matrix");
  const owner = stackClient(ownerKeys.admin);
  const started = await owner.call(startSessionRoute, {
    body: { user_id: user, performer_id: "matrix" },
  });
  expect(started.status).toBe(201);
  const id = started.body.session.session_id;
  ownerSessionIds.add(id);
  if (status === "paused") {
    const paused = await owner.call(pauseSessionRoute, {
      params: { id },
      body: { user_id: user, performer_id: "matrix" },
    });
    expect(paused.status).toBe(200);
  }
  return { id, user };
}

async function uploadFile(sessionId: string, path: string, content: string): Promise<void> {
  await uploadThroughApi(ownerKeys.admin, sessionId, path, content, "text/plain");
}

const transition = (action: "end" | "pause" | "resume"): MatrixEntry => ({
  contractRoles: WRITERS,
  prepare: async () => {
    const { id, user } = await startOwned(action === "resume" ? "paused" : "active");
    return {
      path: `/sessions/${id}/${action}`,
      body: { user_id: user, performer_id: "matrix" },
      sessionId: id,
    };
  },
  checkSuccess: (answer, request) => {
    const body = answer.body as Answered;
    const wanted = { end: "ended", pause: "paused", resume: "active" }[action];
    return body.session?.session_id === request.sessionId && body.session.status === wanted
      ? undefined
      : `expected the session ${wanted}, got ${answer.text}`;
  },
});

/** The owner's read routes answer the owner's session. */
const namesSharedSession = (answer: ApiAnswer): string | undefined => {
  const body = answer.body as { session_id?: string };
  return body.session_id === shared.id ? undefined : `expected ${shared.id} in ${answer.text}`;
};

/** Routes without `{id}` answer another tenant, or an own-scoped key, with its own data only. */
const showsNoOwnerSession = (answer: ApiAnswer, _request: PreparedRequest, who: Credential) => {
  if (who.kind !== "other-tenant" && who.kind !== "own-scoped") return undefined;
  const leaked = [...ownerSessionIds].filter((id) => answer.text.includes(id));
  return leaked.length === 0 ? undefined : `${who.name} saw ${leaked.join(", ")}`;
};

/** Sessions each own-scoped credential started in the matrix, which its /statistics must count. */
const startedByOwnKey = new Map<string, number>();

/** One entry per operationId of the route table. */
const REQUESTS: Record<string, MatrixEntry> = {
  startSession: {
    contractRoles: WRITERS,
    prepare: async () => {
      const user = uniqueUser("matrix-start");
      return { path: "/sessions", body: { user_id: user, performer_id: "matrix" }, userId: user };
    },
    checkSuccess: (answer, _request, who) => {
      const body = answer.body as Answered;
      if (who.kind === "owner") ownerSessionIds.add(body.session?.session_id ?? "");
      if (who.kind === "own-scoped") {
        startedByOwnKey.set(who.name, (startedByOwnKey.get(who.name) ?? 0) + 1);
      }
      return answer.headers.get("location")?.endsWith(body.session?.session_id ?? "-") &&
        body.session?.status === "active"
        ? undefined
        : `expected a started session with its Location: ${answer.text}`;
    },
  },
  listSessions: {
    contractRoles: ANY,
    prepare: async () => ({ path: "/sessions?limit=100" }),
    checkSuccess: (answer, request, who) => {
      const leak = showsNoOwnerSession(answer, request, who);
      if (leak) return leak;
      if (who.kind === "owner" && !answer.text.includes(shared.id)) {
        return "the owner's list misses its own session";
      }
      return undefined;
    },
  },
  getSession: {
    contractRoles: ANY,
    prepare: async () => ({ path: `/sessions/${shared.id}`, sessionId: shared.id }),
    checkSuccess: namesSharedSession,
  },
  updateSession: {
    contractRoles: WRITERS,
    prepare: async () => {
      const { id } = await startOwned();
      return { path: `/sessions/${id}`, body: { labels: { matrix: "yes" } }, sessionId: id };
    },
    checkSuccess: (answer, request) => {
      const body = answer.body as { session?: { session_id?: string; labels?: unknown } };
      return body.session?.session_id === request.sessionId &&
        JSON.stringify(body.session?.labels) === '{"matrix":"yes"}'
        ? undefined
        : `expected the label set, got ${answer.text}`;
    },
  },
  endSession: transition("end"),
  pauseSession: transition("pause"),
  resumeSession: transition("resume"),
  deleteSession: {
    contractRoles: ["admin"],
    prepare: async () => {
      const { id } = await startOwned();
      return { path: `/sessions/${id}`, sessionId: id };
    },
  },
  listEvents: {
    contractRoles: ANY,
    prepare: async () => ({
      path: `/sessions/${shared.id}/events?order=asc`,
      sessionId: shared.id,
    }),
    checkSuccess: namesSharedSession,
  },
  appendEvents: {
    contractRoles: WRITERS,
    prepare: async () => {
      const { id } = await startOwned();
      return {
        path: `/sessions/${id}/events`,
        body: { events: [{ event_type: "info", message: "matrix" }] },
        sessionId: id,
      };
    },
  },
  createUpload: {
    contractRoles: WRITERS,
    prepare: async () => ({
      path: `/sessions/${shared.id}/uploads`,
      body: { path: "input/matrix.txt", content_type: "text/plain", size_bytes: 6 },
      sessionId: shared.id,
    }),
  },
  getWorkspaceFile: {
    contractRoles: ANY,
    prepare: async () => ({
      path: `/sessions/${shared.id}/files/input/scan.txt`,
      sessionId: shared.id,
    }),
    checkSuccess: (answer) =>
      answer.headers.get("location") ? undefined : "a 307 without a Location header",
  },
  investigateSession: {
    contractRoles: ANY,
    prepare: async () => ({
      path: `/sessions/${shared.id}/investigate?log_lines=5`,
      sessionId: shared.id,
    }),
    checkSuccess: namesSharedSession,
  },
  getSessionStatistics: {
    contractRoles: ANY,
    prepare: async () => ({ path: `/sessions/${shared.id}/statistics`, sessionId: shared.id }),
    checkSuccess: namesSharedSession,
  },
  createStreamTicket: {
    contractRoles: ANY,
    prepare: async () => ({ path: "/stream-tickets" }),
    checkSuccess: (answer) =>
      typeof (answer.body as { ticket?: unknown }).ticket === "string"
        ? undefined
        : "a 201 without a ticket",
  },
  getStatistics: {
    contractRoles: ["admin", "support"],
    prepare: async () => ({ path: "/statistics" }),
    checkSuccess: (answer, _request, who) => {
      if (who.kind !== "own-scoped") return undefined;
      const total = (answer.body as { total?: unknown }).total;
      const started = startedByOwnKey.get(who.name) ?? 0;
      return total === started
        ? undefined
        : `an own-scoped key counted ${String(total)} sessions, it started ${started}`;
    },
  },
  getHealth: {
    contractRoles: "public",
    prepare: async () => ({ path: "/health" }),
  },
  getViewer: {
    contractRoles: "public",
    prepare: async () => ({ path: "/viewer" }),
    checkSuccess: (answer) =>
      answer.headers.get("content-type")?.startsWith("text/html") &&
      answer.headers.get("content-security-policy")?.includes("default-src 'none'")
        ? undefined
        : "not the viewer page with its Content-Security-Policy",
  },
  getOpenApiDocument: {
    contractRoles: "public",
    prepare: async () => ({ path: "/openapi.json" }),
    checkSuccess: (answer) =>
      typeof (answer.body as { openapi?: unknown }).openapi === "string"
        ? undefined
        : "not an OpenAPI document",
  },
};

/** The route's documented answers other than errors: its first is the one builders aim for. */
function successStatuses(route: RouteDefinition): number[] {
  const statuses = Object.keys(route.responses).map(Number);
  if (statuses.length === 0) throw new Error(`${route.operationId} has no documented response`);
  return statuses;
}

/**
 * What the contract says this credential gets from this route: an error code,
 * or any of the route's documented answers (/health documents 503 for a slow
 * dependency; that is its normal answer too, whoever asks).
 */
function expectedAnswer(
  route: RouteDefinition,
  who: Credential,
): { statuses: number[]; code?: string } {
  const success = { statuses: successStatuses(route) };
  const error = (code: "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND") => ({
    statuses: [STATUS_BY_CODE[code]],
    code,
  });
  if (route.roles === "public") return success;
  if (who.kind !== "owner" && who.kind !== "own-scoped" && who.kind !== "other-tenant") {
    return error("UNAUTHORIZED");
  }
  if (!who.role || !route.roles.includes(who.role)) return error("FORBIDDEN");
  if ((who.kind === "other-tenant" || who.kind === "own-scoped") && route.path.includes("{id}")) {
    return error("NOT_FOUND");
  }
  return success;
}

function neverExistingId(): string {
  return `sess_${randomBytes(16).toString("base64url")}`;
}

/** Every route of the table with every credential, malformed keys included: sent as prepared. */
async function send(route: RouteDefinition, request: PreparedRequest, key: string | undefined) {
  return api(route.method, request.path, {
    key,
    body: request.body,
    headers: request.headers,
  });
}

/** The owner's view of a session: its body, or the error body that answered instead. */
async function readOwned(id: string): Promise<unknown> {
  return stackClient(ownerKeys.admin)
    .call(getSessionRoute, { params: { id } })
    .then(
      (answer) => answer.body,
      (error: unknown) => {
        if (error instanceof ApiError) return errorBody(error);
        throw error;
      },
    );
}

/** Whether a refused call left the owner's data as it was. */
async function untouched(request: PreparedRequest, before: unknown): Promise<string | undefined> {
  if (request.sessionId) {
    const now = await readOwned(request.sessionId);
    return JSON.stringify(now) === JSON.stringify(before)
      ? undefined
      : `a refused call changed the session: ${JSON.stringify(before)} -> ${JSON.stringify(now)}`;
  }
  if (request.userId) {
    const listed = await stackClient(ownerKeys.admin).call(listSessionsRoute, {
      query: { user_id: request.userId },
    });
    return listed.body.items.length === 0 ? undefined : "a refused start created a session";
  }
  return undefined;
}

/** Runs one cell and returns its deviations (empty when it answered as the contract says). */
async function runCell(
  route: RouteDefinition,
  entry: MatrixEntry,
  who: Credential,
): Promise<string[]> {
  const request = await entry.prepare();
  const before = request.sessionId ? await readOwned(request.sessionId) : undefined;
  const answer = await send(route, request, who.key);
  const expected = expectedAnswer(route, who);
  const deviations: string[] = [];
  const where = `${route.method} ${route.path} as ${who.name}`;
  if (!expected.statuses.includes(answer.status)) {
    deviations.push(
      `${where}: expected ${expected.statuses.join(" or ")}, got ${answer.status} ${answer.text}`,
    );
    return deviations;
  }
  if (expected.code) {
    const body = answer.body as { error_code?: unknown; message?: unknown; details?: unknown };
    if (
      body.error_code !== expected.code ||
      typeof body.message !== "string" ||
      typeof body.details !== "object" ||
      Object.keys(body).length !== 3
    ) {
      deviations.push(`${where}: expected the ${expected.code} error body, got ${answer.text}`);
    }
    const changed = await untouched(request, before);
    if (changed) deviations.push(`${where}: ${changed}`);
  } else if (answer.status === expected.statuses[0]) {
    const problem = entry.checkSuccess?.(answer, request, who);
    if (problem) deviations.push(`${where}: ${problem}`);
  }
  if (expected.code === "NOT_FOUND" && request.sessionId) {
    // Another tenant's session must be indistinguishable from one that never existed.
    const ghostId = neverExistingId();
    const ghost = await send(
      route,
      {
        ...request,
        path: request.path.replace(request.sessionId, ghostId),
      },
      who.key,
    );
    const mask = (text: string, id: string) => text.split(id).join("{id}");
    if (
      ghost.status !== answer.status ||
      mask(ghost.text, ghostId) !== mask(answer.text, request.sessionId)
    ) {
      deviations.push(
        `${where}: a hidden session's 404 differs from a never-existing id's: ${answer.text} vs ${ghost.status} ${ghost.text}`,
      );
    }
  }
  return deviations;
}

const tally = { cells: 0, deviations: [] as string[], routes: 0 };

beforeAll(async () => {
  useStackStorage();
  ownerTenant = uniqueTenant("matrix");
  const otherTenant = uniqueTenant("matrix-other");
  const [admin, app, support, otherAdmin, revoked, ...ownScoped] = await Promise.all([
    newKey(ownerTenant, "admin"),
    newKey(ownerTenant, "app"),
    newKey(ownerTenant, "support"),
    newKey(otherTenant, "admin"),
    createApiKey(ownerTenant, "admin", "revoked by the matrix"),
    ...ALL_ROLES.map((role) => createApiKey(ownerTenant, role, "own by the matrix", "own")),
  ]);
  await revokeApiKey(revoked.keyId);
  ownerKeys = { admin, app, support };
  credentials = [
    ...ALL_ROLES.map(
      (role): Credential => ({
        name: `owner ${role}`,
        kind: "owner",
        role,
        key: ownerKeys[role],
      }),
    ),
    ...ownScoped.map(
      (created): Credential => ({
        name: `own-scoped ${created.role}`,
        kind: "own-scoped",
        role: created.role,
        key: created.plainKey,
      }),
    ),
    { name: "other tenant's admin", kind: "other-tenant", role: "admin", key: otherAdmin },
    { name: "revoked admin key", kind: "revoked", key: revoked.plainKey },
    {
      name: "unknown well-formed key",
      kind: "unknown",
      key: `st_${randomBytes(32).toString("base64url")}`,
    },
    { name: 'malformed key "x"', kind: "malformed", key: "x" },
    { name: "malformed 300-character key", kind: "malformed", key: "k".repeat(300) },
    { name: "malformed non-ASCII key", kind: "malformed", key: "clé-Schlüssel-ñ" },
    { name: "empty key", kind: "malformed", key: "" },
    { name: "no key", kind: "none", key: undefined },
  ];
  shared = await startOwned();
  const appended = await stackClient(ownerKeys.app).call(appendEventsRoute, {
    params: { id: shared.id },
    body: { events: [{ event_type: "info", message: "shared" }] },
  });
  expect(appended.status).toBe(201);
  await uploadFile(shared.id, "input/scan.txt", "scan bytes");
});

afterAll(() => {
  console.log(
    `tenant matrix: ${tally.routes} routes × ${credentials?.length ?? 0} credentials = ${tally.cells} cells checked, deviations ${tally.deviations.length}`,
  );
});

describe("tenant and role matrix", () => {
  it("has an entry for every route in the route table, with the contract's roles", () => {
    const problems: string[] = [];
    for (const route of ROUTES as readonly RouteDefinition[]) {
      const entry = REQUESTS[route.operationId];
      if (!entry) {
        problems.push(`no matrix entry for ${route.operationId} (${route.method} ${route.path})`);
        continue;
      }
      const tableRoles = route.roles === "public" ? "public" : [...route.roles].sort().join(",");
      const contract =
        entry.contractRoles === "public" ? "public" : [...entry.contractRoles].sort().join(",");
      if (tableRoles !== contract) {
        problems.push(
          `${route.operationId}: the table allows ${tableRoles}, the contract ${contract}`,
        );
      }
    }
    expect(problems).toEqual([]);
  });

  for (const route of ROUTES as readonly RouteDefinition[]) {
    it(`${route.method} ${route.path} (${route.operationId}) answers every credential as the contract says`, async () => {
      const entry = REQUESTS[route.operationId];
      if (!entry) throw new Error(`no matrix entry for ${route.operationId}`);
      const results = await Promise.all(credentials.map((who) => runCell(route, entry, who)));
      const deviations = results.flat();
      tally.routes += 1;
      tally.cells += credentials.length;
      tally.deviations.push(...deviations);
      expect(deviations).toEqual([]);
    });
  }

  it("found no deviation in any cell", () => {
    expect(tally.routes).toBe(ROUTES.length);
    expect(tally.cells).toBe(ROUTES.length * credentials.length);
    expect(tally.deviations).toEqual([]);
  });
});
