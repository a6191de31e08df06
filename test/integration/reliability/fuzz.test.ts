/**
 * Fuzzing from the OpenAPI document. For every operation the document lists,
 * fast-check builds requests from the document itself: path parameters,
 * query parameters and JSON bodies from their schemas (valid ones), and the
 * same requests with one part broken (wrong types, huge and odd strings,
 * prototype keys, deep nesting, special numbers, traversal in ids and paths,
 * repeated and unknown query parameters, other content types, truncated or
 * non-object JSON). Every answer must be one the document lists for the
 * route, with a body that passes its schema, never a 5xx, and never show a
 * table or bucket name, an ARN, a file system path, a stack frame or an SDK
 * error name.
 *
 * Requests are sent through test/support/api.ts when fetch can send them as
 * they are, and over node:http (checked with the same checker) when fetch
 * would rewrite them (dot segments, backslashes, raw percent-encoding).
 */
import { request as httpRequest } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { oas31 } from "zod-openapi";
import { readEndpoints } from "#infra/local/local-stack.ts";
import { buildOpenApiDocument } from "#shared/contract/openapi.ts";
import { appendEventsRoute } from "#shared/contract/routes/events.ts";
import { listSessionsRoute, startSessionRoute } from "#shared/contract/routes/sessions.ts";
import { createUploadRoute } from "#shared/contract/routes/workspaces.ts";
import { ROUTES } from "#shared/contract/routes.ts";
import { type ErrorCode, STATUS_BY_CODE } from "#shared/domain/errors.ts";
import {
  type ApiAnswer,
  api,
  baseUrl,
  newKey,
  uniqueTenant,
  uniqueUser,
  uploadThroughApi,
  useStackStorage,
} from "../../support/api.ts";
import { refusal, stackClient, statusOf } from "../../support/client.ts";
import { DocumentJudge, type Verdict } from "../../support/document-judge.ts";
import { checkAnswer, ResponseMismatchError } from "../../support/response-check.ts";
import {
  describedRange,
  type FieldPath,
  type Schema,
  SchemaArbitraries,
} from "../../support/schema-arbitrary.ts";
import { describeTransportError } from "../../support/transport.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_121);
/** Requests generated in `npm test`; the issue asks for at least 10,000. */
const TOTAL_RUNS = Number(process.env.FUZZ_RUNS ?? 10_400);
const MIN_REQUESTS = Number(process.env.FUZZ_MIN_REQUESTS ?? 10_000);
/**
 * Requests in flight at once. The local stack is CPU-bound on two cores: more
 * only queues, and slows the suites that share the stack past their timeouts.
 */
const CONCURRENCY = 4;
/** Independent generators per operation, so slow operations do not hold the others up. */
const LANES_PER_OPERATION = 2;
/** Sessions the valid requests read and change. */
const POOL_SIZE = 24;
/** Files uploaded to the first pool sessions, so downloads and investigate find content. */
const WORKSPACE_FILES = ["logs/blender.log", "status.json", "input/scan.usdz"] as const;

// Placeholders in generated requests, replaced when a request is sent: the
// target session is only known then (pool sessions change, fresh ones are made).
const SESSION_ID = "@@SESSION_ID@@";
const SESSION_USER = "@@SESSION_USER@@";
const UNIQUE = "@@UNIQUE@@";

type KeyChoice = "admin" | "app" | "support" | "none" | "unknown";
type SessionChoice = { pool: number } | "fresh" | "none";

/** One request, as generated: what to send and which mutation (if any) it carries. */
interface Plan {
  kind: string;
  key: KeyChoice;
  session: SessionChoice;
  /** Path parameter values as they go into the URL (already percent-encoded). */
  params: Record<string, string>;
  /** The raw query string, without `?`. */
  query: string;
  /** `latin1`: each character is one byte, so the text can hold bytes that are not UTF-8. */
  body?: { text: string; encoding: "utf8" | "utf16le" | "latin1"; contentType: string | undefined };
  headers: Record<string, string>;
}

interface Operation {
  operationId: string;
  method: string;
  template: string;
  isPublic: boolean;
  roles: string[];
  pathParams: oas31.ParameterObject[];
  queryParams: oas31.ParameterObject[];
  headerParams: oas31.ParameterObject[];
  body: Schema | undefined;
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

function operationsOf(document: oas31.OpenAPIObject): Operation[] {
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const parameters = (operation.parameters ?? []).filter(
        (parameter): parameter is oas31.ParameterObject => "in" in parameter,
      );
      const requestBody = operation.requestBody;
      const body =
        requestBody && "content" in requestBody
          ? requestBody.content["application/json"]?.schema
          : undefined;
      const roles = operation["x-required-roles"];
      operations.push({
        operationId: operation.operationId ?? `${method} ${template}`,
        method: method.toUpperCase(),
        template,
        isPublic: (operation.security ?? document.security ?? []).length === 0,
        roles: Array.isArray(roles) ? roles.map(String) : [],
        pathParams: parameters.filter((parameter) => parameter.in === "path"),
        queryParams: parameters.filter((parameter) => parameter.in === "query"),
        headerParams: parameters.filter((parameter) => parameter.in === "header"),
        body,
      });
    }
  }
  return operations;
}

// ---------------------------------------------------------------------------
// Hostile values
// ---------------------------------------------------------------------------

/** Strings that break naive parsers and storage: emoji, RTL, NUL, controls, lone surrogates. */
const UNICODE_STRINGS = [
  "😀🚀👩‍👩‍👧‍👦",
  "مرحبا بالعالم",
  "\u202Eevil\u202C",
  "a\u0000b",
  "\u0000",
  "\u0001\u0002\u0003\u0007\b\u001b[31m",
  "line\r\nInjected: header",
  "\ud800",
  "\udfff\ud800",
  "\uFEFF",
  "\uFFFF\uFFFE",
  "Z\u0351\u0360\u036B\u0343\u036A\u0302\u036B\u033D\u034F\u0334\u0319\u0324\u031E\u0349",
  "ﷺ",
  "\u0085\u2028\u2029",
];

const NUMERIC_STRINGS = ["NaN", "Infinity", "-Infinity", "-0", "1e309", "-1e309", "0x1F", "1_000"];
const RAW_NUMBER_TOKENS = [
  "NaN",
  "Infinity",
  "-Infinity",
  "-0",
  "1e309",
  "-1e309",
  "1e-400",
  // Non-zero literals that a double turns into zero.
  "-1e-400",
  "1e-330",
  "0.5e-350",
  "-7E-1000",
  "123456789012345678901234567890",
  "9007199254740993",
  "0.1e1",
  "01",
  "1.",
];

const TRAVERSAL_STRINGS = [
  "..",
  "../",
  "../../../../etc/passwd",
  "..\\..\\windows\\win.ini",
  "%2e%2e/%2e%2e/etc/passwd",
  "..%2f..%2fetc%2fpasswd",
  "%252e%252e%252f",
  "input/../../other",
  "input/%2e%2e/%2e%2e/x",
  "/etc/passwd",
  "//server/share",
  "C:\\Windows\\system32",
  "input/\u0000.txt",
  "input/a%00.txt",
  "logs/./blender.log",
  "logs//blender.log",
  "~/.aws/credentials",
  "input/....//....//x",
];

/** The same traversals as they go into a URL path segment, some sent as raw bytes. */
const URL_TRAVERSALS = [
  "..",
  "../..",
  "../../..",
  "../../statistics",
  "%2e%2e",
  "%2e%2e/%2e%2e/statistics",
  "%2E%2E%2F%2E%2E%2Fstatistics",
  "..%2f..%2fstatistics",
  "..%2F..%2F..%2Fetc%2Fpasswd",
  "%252e%252e%252f",
  ".%2e/.%2e/",
  "..\\..\\statistics",
  "%5c..%5c..%5c",
  "%00",
  "sess_aaaaaaaaaaaaaaaaaaaaaa%00",
  "%00..%2f",
  "/etc/passwd",
  "%2Fetc%2Fpasswd",
  "C:%5CWindows",
  ".",
  "./",
  "%2e",
  "~",
  "%ED%A0%80",
  "%C0%AE%C0%AE%2F",
  "%FF%FE",
  "%",
  "%zz",
  "%E0%A4%A",
];

const PROTO_PAIRS = [
  '"__proto__": {"polluted": "yes", "isAdmin": true}',
  '"__proto__": null',
  '"__proto__": []',
  '"__proto__": "x"',
  '"constructor": {"prototype": {"polluted": "yes"}}',
  '"prototype": {"polluted": "yes"}',
  '"__proto__": {"toString": "x", "valueOf": 1}',
  '"constructor": "x"',
  '"constructor": {"name": "Set"}',
  '"toString": "x"',
  '"hasOwnProperty": "x"',
  '"valueOf": "x"',
  '"__defineGetter__": "x"',
];

/** Byte sequences that are not UTF-8: invalid, overlong, a surrogate, truncated, above U+10FFFF. */
const INVALID_UTF8 = [
  [0xff, 0xfe],
  [0xc0, 0xae],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0x80],
  [0xf4, 0x90, 0x80, 0x80],
].map((bytes) => `A${Buffer.from(bytes).toString("latin1")}B`);

const INVALID_BYTES = "@@INVALID_BYTES@@";

const UNKNOWN_FIELD_NAMES = [
  "extra",
  "timestamp",
  "source",
  "record_id",
  "seq",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "__defineGetter__",
  "constructor",
  "",
  " ",
  "a.b",
  "😀",
];

const QUERY_NAMES_UNKNOWN = [
  "foo",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "limit[]",
  "a.b",
  "%00",
  "",
];

/** A string of at least 100 KB (or the size given), made of a short repeated unit. */
function hugeString(minBytes = 100_000, maxBytes = 300_000): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.oneof(
        fc.string({ minLength: 1, maxLength: 6 }),
        fc.constantFrom("a", "😀", "\u0000", "../", "مرحبا"),
      ),
      fc.integer({ min: minBytes, max: maxBytes }),
    )
    .map(([unit, size]) => unit.repeat(Math.ceil(size / Buffer.byteLength(unit))));
}

const deepJson = fc
  .tuple(fc.integer({ min: 50, max: 5000 }), fc.constantFrom("array", "object", "mixed"))
  .map(([depth, shape]) => {
    if (shape === "array") return `${"[".repeat(depth)}1${"]".repeat(depth)}`;
    if (shape === "object") return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    return `${'{"a":['.repeat(depth)}1${"]}".repeat(depth)}`;
  });

/** A JSON value of another type than the schema allows. */
function wrongTypeValue(schemas: SchemaArbitraries, schema: Schema): fc.Arbitrary<unknown> {
  const allowed = schemas.typesOf(schema);
  const candidates: fc.Arbitrary<unknown>[] = [];
  if (!allowed.includes("number") && !allowed.includes("integer")) {
    candidates.push(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })));
  }
  if (!allowed.includes("string")) candidates.push(fc.string({ maxLength: 20 }));
  if (!allowed.includes("boolean")) candidates.push(fc.boolean());
  if (!allowed.includes("null")) candidates.push(fc.constant(null));
  if (!allowed.includes("array")) candidates.push(fc.array(fc.jsonValue({ maxDepth: 1 })));
  if (!allowed.includes("object")) {
    candidates.push(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 })));
  }
  // A schema that takes any JSON has no wrong type: the member is left out instead.
  return candidates.length ? fc.oneof(...candidates) : fc.constant(undefined);
}

/** Values just outside the schema's limits. */
function boundaryValues(schemas: SchemaArbitraries, schema: Schema, current: unknown): unknown[] {
  const resolved = schemas.resolve(schema);
  const values: unknown[] = [];
  if (typeof resolved.minimum === "number")
    values.push(resolved.minimum - 1, resolved.minimum - 0.5);
  if (typeof resolved.maximum === "number") values.push(resolved.maximum + 1, resolved.maximum * 2);
  if (resolved.type === "integer") values.push(1.5, 2 ** 53 + 1, -(2 ** 63), 1e21);
  if (typeof resolved.maxLength === "number") values.push("x".repeat(resolved.maxLength + 1));
  if (typeof resolved.minLength === "number" && resolved.minLength > 0) {
    values.push("x".repeat(resolved.minLength - 1), " ".repeat(resolved.minLength + 2));
  }
  if (resolved.type === "array" && Array.isArray(current)) {
    values.push([]);
    if (typeof resolved.maxItems === "number") {
      values.push(Array.from({ length: resolved.maxItems + 1 }, () => current[0] ?? null));
    }
  }
  if (resolved.enum)
    values.push(`${String(resolved.enum[0])}x`, String(resolved.enum[0]).toUpperCase());
  return values;
}

// ---------------------------------------------------------------------------
// JSON text surgery: the body is built as text so that `__proto__`, repeated
// keys and non-JSON number tokens survive (JSON.stringify would drop them).
// ---------------------------------------------------------------------------

const RAW_VALUE = "@@RAW_VALUE@@";
const RAW_PAIR_KEY = "@@RAW_PAIR@@";

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function setAt(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const container = (root ?? (typeof path[0] === "number" ? [] : {})) as Record<
    string | number,
    unknown
  >;
  if (typeof container !== "object") return root;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  container[head] = setAt(container[head], rest, value);
  return container;
}

function deleteAt(root: unknown, path: readonly (string | number)[]): void {
  const parent = getAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (parent && typeof parent === "object" && last !== undefined) {
    delete (parent as Record<string | number, unknown>)[last];
  }
}

function getAt(root: unknown, path: readonly (string | number)[]): unknown {
  let current = root;
  for (const part of path) {
    if (!current || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/** The value's JSON with the member at `path` replaced by raw JSON text. */
function withRawValue(value: unknown, path: readonly (string | number)[], raw: string): string {
  const copy = setAt(clone(value), path, RAW_VALUE);
  return JSON.stringify(copy).replace(JSON.stringify(RAW_VALUE), () => raw);
}

/** The value's JSON with a raw `"key": value` pair added to the object at `path`. */
function withRawPair(value: unknown, path: readonly (string | number)[], pair: string): string {
  const copy = clone(value);
  const target = path.length === 0 ? copy : getAt(copy, path);
  if (!target || typeof target !== "object" || Array.isArray(target)) {
    return JSON.stringify(copy);
  }
  (target as Record<string, unknown>)[RAW_PAIR_KEY] = 0;
  return JSON.stringify(copy).replace(`${JSON.stringify(RAW_PAIR_KEY)}:0`, () => pair);
}

// ---------------------------------------------------------------------------
// Request generation, per operation
// ---------------------------------------------------------------------------

function encodeSegment(value: string): string {
  return encodeURIComponent(value);
}

/** Percent-encodes a query value the way a careful client would, lone surrogates included. */
function encodeQueryValue(value: string): string {
  let out = "";
  for (const char of value) {
    try {
      out += encodeURIComponent(char);
    } catch {
      // A lone surrogate: send the bytes a careless encoder would (CESU-8).
      const code = char.charCodeAt(0);
      out += `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`;
    }
  }
  return out;
}

class PlanBuilder {
  private readonly fields: FieldPath[];
  private readonly objects: (string | number)[][];

  constructor(
    private readonly schemas: SchemaArbitraries,
    private readonly operation: Operation,
  ) {
    this.fields = operation.body ? schemas.fieldsOf(operation.body) : [];
    this.objects = operation.body ? schemas.objectsOf(operation.body) : [[]];
  }

  private get hasSession(): boolean {
    return this.operation.pathParams.some((parameter) => parameter.name === "id");
  }

  private key(): fc.Arbitrary<KeyChoice> {
    return fc.oneof(
      { arbitrary: fc.constant<KeyChoice>("admin"), weight: 16 },
      { arbitrary: fc.constant<KeyChoice>("app"), weight: 2 },
      { arbitrary: fc.constant<KeyChoice>("support"), weight: 2 },
      { arbitrary: fc.constant<KeyChoice>("none"), weight: 1 },
      { arbitrary: fc.constant<KeyChoice>("unknown"), weight: 1 },
    );
  }

  private session(): fc.Arbitrary<SessionChoice> {
    if (!this.hasSession) return fc.constant<SessionChoice>("none");
    // Deleting a pool session would starve the other operations: delete fresh ones.
    if (this.operation.method === "DELETE") return fc.constant<SessionChoice>("fresh");
    return fc.oneof(
      {
        arbitrary: fc.nat({ max: POOL_SIZE - 1 }).map((pool): SessionChoice => ({ pool })),
        weight: 3,
      },
      { arbitrary: fc.constant<SessionChoice>("fresh"), weight: 1 },
    );
  }

  private pathParam(parameter: oas31.ParameterObject): fc.Arbitrary<string> {
    if (parameter.name === "id") return fc.constant(SESSION_ID);
    if (parameter.name === "path") {
      // Greedy: its slashes go as they are, each segment encoded.
      return fc
        .constantFrom(...WORKSPACE_FILES)
        .map((path) => path.split("/").map(encodeSegment).join("/"));
    }
    return this.schemas.valid(parameter.schema ?? {}).map((value) => encodeSegment(String(value)));
  }

  private queryValue(parameter: oas31.ParameterObject): fc.Arbitrary<string> {
    const schema = this.schemas.resolve(parameter.schema ?? {});
    const range = describedRange(schema.description ?? parameter.description);
    if (range && schema.type === "string" && schema.pattern === undefined) {
      return fc.integer({ min: range[0], max: range[1] }).map(String);
    }
    return this.schemas.valid(schema).map(String);
  }

  private query(): fc.Arbitrary<[string, string][]> {
    const parameters = this.operation.queryParams;
    if (parameters.length === 0) return fc.constant([]);
    const model: Record<string, fc.Arbitrary<string>> = {};
    for (const parameter of parameters) model[parameter.name] = this.queryValue(parameter);
    const required = parameters.filter((p) => p.required).map((p) => p.name);
    return fc
      .record(model, { requiredKeys: required })
      .map((values) => Object.entries(values) as [string, string][]);
  }

  /** A valid body value, with the session's own user where the body names one. */
  private bodyValue(): fc.Arbitrary<Record<string, unknown> | undefined> {
    const schema = this.operation.body;
    if (!schema) return fc.constant(undefined);
    return fc
      .tuple(this.schemas.valid(schema), fc.integer({ min: 0, max: 9 }))
      .map(([generated, dice]) => {
        if (typeof generated !== "object" || generated === null) return undefined;
        const value = { ...(generated as Record<string, unknown>) };
        if (this.hasSession) {
          // Mostly the session's own user, so transitions get past the user check.
          if ("user_id" in value && dice < 8) value.user_id = SESSION_USER;
          if ("session_id" in value && dice < 8) value.session_id = SESSION_ID;
        } else if (typeof value.user_id === "string") {
          // A user has one open session: a start for a new user each time.
          value.user_id = `${value.user_id.slice(0, 100)}${UNIQUE}`;
        }
        return value;
      });
  }

  private headerValues(): fc.Arbitrary<Record<string, string>> {
    const model: Record<string, fc.Arbitrary<string>> = {};
    for (const parameter of this.operation.headerParams) {
      model[parameter.name] = fc.string({ minLength: 1, maxLength: 40, unit: "grapheme-ascii" });
    }
    return fc.record(model, { requiredKeys: [] }) as fc.Arbitrary<Record<string, string>>;
  }

  private parts() {
    return fc.record({
      key: this.key(),
      session: this.session(),
      params: fc.record(
        Object.fromEntries(
          this.operation.pathParams.map((parameter) => [parameter.name, this.pathParam(parameter)]),
        ),
      ) as fc.Arbitrary<Record<string, string>>,
      query: this.query(),
      body: this.bodyValue(),
      headers: this.headerValues(),
    });
  }

  private static plan(
    kind: string,
    parts: {
      key: KeyChoice;
      session: SessionChoice;
      params: Record<string, string>;
      query: [string, string][] | string;
      headers: Record<string, string>;
    },
    body: Plan["body"],
  ): Plan {
    const query =
      typeof parts.query === "string"
        ? parts.query
        : parts.query.map(([name, value]) => `${name}=${encodeQueryValue(value)}`).join("&");
    return {
      kind,
      key: parts.key,
      session: parts.session,
      params: parts.params,
      query,
      headers: parts.headers,
      ...(body ? { body } : {}),
    };
  }

  private static json(text: string, contentType = "application/json"): Plan["body"] {
    return { text, encoding: "utf8", contentType };
  }

  valid(): fc.Arbitrary<Plan> {
    return this.parts().map((parts) =>
      PlanBuilder.plan(
        "valid",
        parts,
        parts.body === undefined ? undefined : PlanBuilder.json(JSON.stringify(parts.body)),
      ),
    );
  }

  /** Every mutation that applies to this operation, each one broken part of a valid request. */
  mutated(): fc.Arbitrary<Plan> {
    // A part first, then one of its mutations, so a route with many body
    // fields does not starve its path and query of attention.
    const groups: { arbitrary: fc.Arbitrary<Plan>; weight: number }[] = [
      { arbitrary: fc.oneof(...this.queryMutations()), weight: 2 },
      {
        arbitrary: this.operation.body
          ? fc.oneof(...this.bodyMutations())
          : this.bodyOnBodilessRoute(),
        weight: this.operation.body ? 4 : 1,
      },
    ];
    const path = this.pathMutations();
    if (path.length) groups.push({ arbitrary: fc.oneof(...path), weight: 2 });
    const headers = this.headerMutations();
    if (headers.length) groups.push({ arbitrary: fc.oneof(...headers), weight: 1 });
    return fc.oneof(...groups);
  }

  /** A body of its own in place of the valid one. */
  private withBody(kind: string, bodies: fc.Arbitrary<Plan["body"]>): fc.Arbitrary<Plan> {
    return fc
      .tuple(this.parts(), bodies)
      .map(([parts, body]) => PlanBuilder.plan(kind, parts, body));
  }

  /** A mutation of the valid body value: `mutate` turns the value into the text to send. */
  private mutateBody(
    kind: string,
    mutate: (value: Record<string, unknown>) => fc.Arbitrary<Plan["body"]>,
  ): fc.Arbitrary<Plan> {
    return this.parts().chain((parts) =>
      mutate(parts.body ?? {}).map((body) => PlanBuilder.plan(kind, parts, body)),
    );
  }

  private field(): fc.Arbitrary<FieldPath> {
    return fc.constantFrom(...this.fields);
  }

  /** A place in the body a string goes (a string field if there is one, else a new member). */
  private stringField(): fc.Arbitrary<(string | number)[]> {
    const strings = this.fields.filter((field) =>
      this.schemas.typesOf(field.schema).includes("string"),
    );
    return strings.length
      ? fc.constantFrom(...strings).map((field) => field.path)
      : fc.constant(["note"]);
  }

  private bodyMutations(): fc.Arbitrary<Plan>[] {
    const json = (text: string) => PlanBuilder.json(text);
    const mutations: fc.Arbitrary<Plan>[] = [];
    if (this.fields.length > 0) {
      mutations.push(
        this.mutateBody("field: wrong type", (value) =>
          this.field().chain((field) =>
            wrongTypeValue(this.schemas, field.schema).map((wrong) =>
              json(JSON.stringify(setAt(clone(value), field.path, wrong))),
            ),
          ),
        ),
        this.mutateBody("field: huge string", (value) =>
          fc
            .tuple(this.field(), hugeString())
            .map(([field, huge]) => json(JSON.stringify(setAt(clone(value), field.path, huge)))),
        ),
        this.mutateBody("field: unicode", (value) =>
          fc
            .tuple(
              this.field(),
              fc.oneof(
                fc.constantFrom(...UNICODE_STRINGS),
                fc.string({ unit: "binary", maxLength: 30 }),
              ),
            )
            .map(([field, text]) => json(JSON.stringify(setAt(clone(value), field.path, text)))),
        ),
        this.mutateBody("field: NaN/Infinity as a string", (value) =>
          fc
            .tuple(this.field(), fc.constantFrom(...NUMERIC_STRINGS))
            .map(([field, text]) => json(JSON.stringify(setAt(clone(value), field.path, text)))),
        ),
        this.mutateBody("field: raw number token", (value) =>
          fc
            .tuple(this.field(), fc.constantFrom(...RAW_NUMBER_TOKENS))
            .map(([field, token]) => json(withRawValue(value, field.path, token))),
        ),
        this.mutateBody("field: just past a limit", (value) =>
          this.field().chain((field) => {
            const values = boundaryValues(this.schemas, field.schema, getAt(value, field.path));
            if (values.length === 0) return fc.constant(json(JSON.stringify(value)));
            return fc
              .constantFrom(...values)
              .map((edge) => json(JSON.stringify(setAt(clone(value), field.path, edge))));
          }),
        ),
        this.mutateBody("field: path traversal", (value) =>
          fc
            .tuple(this.field(), fc.constantFrom(...TRAVERSAL_STRINGS))
            .map(([field, text]) => json(JSON.stringify(setAt(clone(value), field.path, text)))),
        ),
        this.mutateBody("field: deep nesting", (value) =>
          fc
            .tuple(this.field(), deepJson)
            .map(([field, deep]) => json(withRawValue(value, field.path, deep))),
        ),
        this.mutateBody("field: removed", (value) =>
          this.field().map((field) => {
            const copy = clone(value);
            deleteAt(copy, field.path);
            return json(JSON.stringify(copy));
          }),
        ),
      );
    }
    mutations.push(
      this.mutateBody("object: __proto__/constructor/prototype key", (value) =>
        fc
          .tuple(fc.constantFrom(...this.objects), fc.constantFrom(...PROTO_PAIRS))
          .map(([path, pair]) => json(withRawPair(value, path, pair))),
      ),
      this.mutateBody("object: repeated key", (value) =>
        fc
          .tuple(fc.constantFrom(...this.objects), fc.jsonValue({ maxDepth: 1 }))
          .map(([path, other]) => {
            const target = getAt(value, path);
            const names = target && typeof target === "object" ? Object.keys(target) : ["user_id"];
            const name = names[0] ?? "user_id";
            return json(
              withRawPair(value, path, `${JSON.stringify(name)}: ${JSON.stringify(other)}`),
            );
          }),
      ),
      this.mutateBody("object: unknown field", (value) =>
        fc
          .tuple(
            fc.constantFrom(...this.objects),
            fc.constantFrom(...UNKNOWN_FIELD_NAMES),
            fc.jsonValue({ maxDepth: 1 }),
          )
          .map(([path, name, extra]) =>
            json(withRawPair(value, path, `${JSON.stringify(name)}: ${JSON.stringify(extra)}`)),
          ),
      ),
      this.mutateBody("body: truncated JSON", (value) => {
        const text = JSON.stringify(value);
        return fc
          .integer({ min: 0, max: Math.max(0, text.length - 1) })
          .map((cut) => json(text.slice(0, cut)));
      }),
      this.withBody("body: empty", fc.constantFrom("", " ", "\n").map(json)),
      this.mutateBody("body: JSON that is not an object", (value) =>
        fc
          .constantFrom(
            "[]",
            "null",
            "true",
            "0",
            "-0",
            "1e309",
            '"text"',
            '""',
            JSON.stringify([value]),
            JSON.stringify(JSON.stringify(value)),
            "{}",
          )
          .map(json),
      ),
      this.withBody("body: deep nesting", deepJson.map(json)),
      this.mutateBody("body: other content type", (value) => {
        const text = JSON.stringify(value);
        return fc.constantFrom<Plan["body"]>(
          { text, encoding: "utf8", contentType: "text/plain" },
          { text, encoding: "utf8", contentType: undefined },
          { text, encoding: "utf8", contentType: "application/xml" },
          { text, encoding: "utf8", contentType: "application/json-patch+json" },
          { text, encoding: "utf8", contentType: "application/jsonx" },
          { text, encoding: "utf8", contentType: "json" },
          { text, encoding: "utf8", contentType: "application/json, text/plain" },
          { text, encoding: "utf16le", contentType: "application/json; charset=utf-16" },
          { text, encoding: "utf8", contentType: "APPLICATION/JSON; charset=UTF-8" },
          {
            text: new URLSearchParams(
              Object.entries(value).map(([name, member]): [string, string] => [
                name,
                typeof member === "string" ? member : JSON.stringify(member),
              ]),
            ).toString(),
            encoding: "utf8",
            contentType: "application/x-www-form-urlencoded",
          },
          {
            text: `--fuzz\r\nContent-Disposition: form-data; name="body"\r\nContent-Type: application/json\r\n\r\n${text}\r\n--fuzz--\r\n`,
            encoding: "utf8",
            contentType: "multipart/form-data; boundary=fuzz",
          },
        );
      }),
      this.mutateBody("body: not UTF-8 or with a BOM", (value) =>
        fc.constantFrom(
          json(`\uFEFF${JSON.stringify(value)}`),
          json("\uFFFD\uFFFE"),
          json(`${JSON.stringify(value)}\u0000`),
          json(`${JSON.stringify(value)} trailing`),
          json(`${JSON.stringify(value)}${JSON.stringify(value)}`),
        ),
      ),
      this.mutateBody("body: bytes that are not UTF-8 in a string", (value) =>
        fc.tuple(this.stringField(), fc.constantFrom(...INVALID_UTF8)).map(([path, bytes]) => ({
          // The body's UTF-8 read as one character a byte, the bad bytes put in a string.
          text: Buffer.from(JSON.stringify(setAt(clone(value), path, INVALID_BYTES)))
            .toString("latin1")
            .replace(INVALID_BYTES, bytes),
          encoding: "latin1" as const,
          contentType: "application/json",
        })),
      ),
      this.mutateBody("body: larger than the limit", (value) =>
        fc.integer({ min: 1_048_600, max: 1_300_000 }).map((size) => {
          const copy = clone(value);
          copy.padding = "x".repeat(size);
          return json(JSON.stringify(copy));
        }),
      ),
    );
    return mutations;
  }

  private bodyOnBodilessRoute(): fc.Arbitrary<Plan> {
    return this.withBody(
      "body: sent to a route that takes none",
      fc
        .tuple(
          fc.constantFrom<string | undefined>("application/json", "text/plain", undefined),
          fc.oneof(fc.constantFrom("{}", "[", "null", '{"__proto__": {"a": 1}}'), deepJson),
        )
        .map(([contentType, text]) => ({ text, encoding: "utf8" as const, contentType })),
    );
  }

  private queryMutations(): fc.Arbitrary<Plan>[] {
    const parameters = this.operation.queryParams;
    const names = parameters.map((parameter) => parameter.name);
    const base = this.parts();
    const append = (kind: string, extra: fc.Arbitrary<string>) =>
      fc.tuple(base, extra).map(([parts, suffix]) => {
        const plan = PlanBuilder.plan(kind, parts, this.validBody(parts.body));
        plan.query = plan.query ? `${plan.query}&${suffix}` : suffix;
        return plan;
      });
    const mutations = [
      append(
        "query: unknown parameter",
        fc
          .tuple(fc.constantFrom(...QUERY_NAMES_UNKNOWN), fc.string({ maxLength: 10 }))
          .map(([name, value]) => `${name}=${encodeQueryValue(value)}`),
      ),
      append(
        "query: repeated parameter",
        fc
          .tuple(
            fc.constantFrom(...(names.length ? names : QUERY_NAMES_UNKNOWN)),
            fc.string({ maxLength: 8 }),
            fc.string({ maxLength: 8 }),
          )
          .map(
            ([name, first, second]) =>
              `${name}=${encodeQueryValue(first)}&${name}=${encodeQueryValue(second)}`,
          ),
      ),
      append(
        "query: raw encoding junk",
        fc
          .tuple(
            fc.constantFrom(...(names.length ? names : ["q"])),
            fc.constantFrom(
              "%",
              "%zz",
              "%ED%A0%80",
              "%00",
              "%FF",
              "+",
              "%2B",
              "%26x%3D1",
              "a%0d%0aX:1",
            ),
          )
          .map(([name, junk]) => `${name}=${junk}`),
      ),
      append(
        "query: name without a value",
        fc.constantFrom(...(names.length ? names : ["q"])).map((name) => name),
      ),
    ];
    if (parameters.length === 0) return mutations;
    const appendValue = (kind: string, values: fc.Arbitrary<string>) =>
      append(
        kind,
        fc
          .tuple(fc.constantFrom(...names), values)
          .map(([name, value]) => `${name}=${encodeQueryValue(value)}`),
      );
    // Each of these replaces a parameter: the valid value, if any, is dropped first.
    const replacing = (kind: string, values: fc.Arbitrary<string>) =>
      fc.tuple(base, fc.constantFrom(...names), values).map(([parts, name, value]) => {
        const kept = (parts.query as [string, string][]).filter(([other]) => other !== name);
        return PlanBuilder.plan(
          kind,
          { ...parts, query: [...kept, [name, value]] },
          this.validBody(parts.body),
        );
      });
    return [
      ...mutations,
      replacing(
        "query: wrong format",
        fc.oneof(
          fc.string({ maxLength: 30 }),
          fc.jsonValue().map((v) => JSON.stringify(v) ?? ""),
        ),
      ),
      replacing("query: unicode", fc.constantFrom(...UNICODE_STRINGS)),
      replacing(
        "query: NaN/Infinity as a string",
        fc.constantFrom(...NUMERIC_STRINGS, "", " ", "-1", "0", "1.5", "99999999999999999999"),
      ),
      replacing("query: huge value", hugeString(20_000, 120_000)),
      replacing("query: path traversal", fc.constantFrom(...TRAVERSAL_STRINGS)),
      appendValue("query: valid parameter given twice", fc.string({ maxLength: 4 })),
    ];
  }

  private validBody(body: Record<string, unknown> | undefined): Plan["body"] {
    return body === undefined ? undefined : PlanBuilder.json(JSON.stringify(body));
  }

  private pathMutations(): fc.Arbitrary<Plan>[] {
    const mutations: fc.Arbitrary<Plan>[] = [];
    for (const parameter of this.operation.pathParams) {
      const values: fc.Arbitrary<string>[] = [
        fc.constantFrom(...URL_TRAVERSALS),
        fc.constantFrom(...UNICODE_STRINGS).map(encodeQueryValue),
        fc.string({ minLength: 1, maxLength: 40 }).map(encodeQueryValue),
        fc.integer({ min: 300, max: 12_000 }).map((length) => "a".repeat(length)),
        fc.constantFrom(...TRAVERSAL_STRINGS).map(encodeQueryValue),
      ];
      if (parameter.name === "id") {
        // Well-formed ids that name no session (or not this tenant's).
        values.push(
          fc
            .stringMatching(
              new RegExp(String(this.schemas.resolve(parameter.schema ?? {}).pattern)),
            )
            .map(encodeSegment),
          fc.constantFrom(
            `${SESSION_ID}x`,
            `x${SESSION_ID}`,
            `${SESSION_ID}%00`,
            `${SESSION_ID}/..`,
            SESSION_ID.toLowerCase(),
          ),
        );
      } else {
        values.push(
          fc.constantFrom(...WORKSPACE_FILES).map((path) => `${path}/../../${path}`),
          fc.constantFrom(...WORKSPACE_FILES).map((path) => `${path}%00.txt`),
          fc.constantFrom(
            "input/",
            "input",
            "logs/missing.log",
            "output/a/b/c/d.txt",
            "input%2Fscan.usdz",
            "input/%20",
            "status.json/",
          ),
        );
      }
      mutations.push(
        fc
          .tuple(this.parts(), fc.oneof(...values))
          .map(([parts, value]) =>
            PlanBuilder.plan(
              `path: ${parameter.name} mutated`,
              { ...parts, params: { ...parts.params, [parameter.name]: value } },
              this.validBody(parts.body),
            ),
          ),
      );
    }
    return mutations;
  }

  private headerMutations(): fc.Arbitrary<Plan>[] {
    return this.operation.headerParams.map((parameter) =>
      fc
        .tuple(
          this.parts(),
          fc.oneof(
            fc.constantFrom("", " ", "a", "\t", "null", "%00", "../../x"),
            fc.integer({ min: 1_000, max: 8_000 }).map((length) => "k".repeat(length)),
            fc.string({ unit: "grapheme-ascii", maxLength: 200 }),
          ),
        )
        .map(([parts, value]) =>
          PlanBuilder.plan(
            `header: ${parameter.name} mutated`,
            { ...parts, headers: { ...parts.headers, [parameter.name]: value } },
            this.validBody(parts.body),
          ),
        ),
    );
  }
}

// ---------------------------------------------------------------------------
// Sending and judging
// ---------------------------------------------------------------------------

interface Tally {
  /** Every request sent and checked: the generated ones and the session starts they needed. */
  requests: number;
  generated: number;
  serverErrors: number;
  schemaFailures: number;
  leaks: number;
  transportFailures: number;
  wrongErrorCodes: number;
  unsendableHeaders: number;
  unhealthyReports: number;
  successes: number;
  /** Requests the document says are valid / invalid, and answers that contradict it. */
  documentValid: number;
  documentInvalid: number;
  validAnswered400: number;
  invalidAnswered2xx: number;
  byStatus: Map<number, number>;
  byOperation: Map<string, { requests: number; successes: number }>;
  byKind: Map<string, number>;
}

const tally: Tally = {
  requests: 0,
  generated: 0,
  serverErrors: 0,
  schemaFailures: 0,
  leaks: 0,
  transportFailures: 0,
  wrongErrorCodes: 0,
  unsendableHeaders: 0,
  unhealthyReports: 0,
  successes: 0,
  documentValid: 0,
  documentInvalid: 0,
  validAnswered400: 0,
  invalidAnswered2xx: 0,
  byStatus: new Map(),
  byOperation: new Map(),
  byKind: new Map(),
};

interface PoolSession {
  id: string;
  user: string;
}

interface Context {
  keys: Record<"admin" | "app" | "support", string>;
  pool: PoolSession[];
  leakMarkers: string[];
  s3Endpoint: string;
}

let context: Context;
let uniqueCounter = 0;

/** SDK error names and other texts that must never reach a caller. */
const SDK_ERROR_NAMES = [
  "ConditionalCheckFailed",
  "TransactionCanceled",
  "ValidationException",
  "ResourceNotFoundException",
  "ProvisionedThroughputExceeded",
  "NoSuchKey",
  "NoSuchBucket",
  "S3ServiceException",
  "DynamoDBServiceException",
  "$metadata",
  "node_modules",
  "arn:",
  "/work",
  "/tmp",
  "/home",
];
const STACK_FRAME = /(?:\n|\\n)\s*at \S/;
const EXCEPTION_NAME = /\b[A-Z][A-Za-z]+Exception\b/;

class Gate {
  private waiting: (() => void)[] = [];

  constructor(private free: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free === 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.free -= 1;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    }
  }
}

const gate = new Gate(CONCURRENCY);

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** Sends the request byte for byte (fetch would normalise `..`, backslashes and encoding). */
function sendRaw(
  method: string,
  pathAndQuery: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
): Promise<Answer> {
  const base = new URL(baseUrl());
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method,
        path: `${base.pathname}${pathAndQuery}`,
        headers: { ...headers, ...(body ? { "Content-Length": String(body.length) } : {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const answerHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            for (const one of Array.isArray(value) ? value : [value]) {
              if (one !== undefined) answerHeaders.append(name, one);
            }
          }
          resolve({
            status: response.statusCode ?? 0,
            headers: answerHeaders,
            text: Buffer.concat(chunks).toString("utf8"),
          });
        });
        response.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/**
 * The path the server routes on: the request target as sent. Like API
 * Gateway, the local gateway resolves no `.` or `..` segment and reads a
 * backslash as itself, so a dot segment reaches the route, whose path rules
 * refuse it.
 */
function routedPath(pathAndQuery: string): string {
  return pathAndQuery;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Strings the caller sent may come back in a message; everything else is a leak. */
function leaksIn(answer: Answer, sent: string): string[] {
  let text = answer.text;
  try {
    // Presigned URLs name the bucket by design: they are what the caller asked for.
    text = JSON.stringify(JSON.parse(answer.text), (_name, value: unknown) =>
      typeof value === "string" && value.startsWith(context.s3Endpoint) ? "(presigned url)" : value,
    );
  } catch {
    // Not JSON: judged as it is.
  }
  const found = context.leakMarkers.filter(
    (marker) => text.includes(marker) && !sent.includes(marker),
  );
  if (STACK_FRAME.test(text) && !STACK_FRAME.test(sent)) found.push("a stack frame");
  const exception = EXCEPTION_NAME.exec(text)?.[0];
  if (exception && !sent.includes(exception)) found.push(exception);
  return found;
}

// Printable ASCII, tab and obs-text: what HTTP (and fetch) accept in a header value.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Headers an answer tells the caller to send (an upload ticket's) must be sendable as they are. */
function unsendableHeaders(answer: Answer): string[] {
  if (answer.status >= 300) return [];
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return [];
  }
  const headers = (body as { headers?: unknown } | null)?.headers;
  if (!headers || typeof headers !== "object") return [];
  return Object.entries(headers)
    .filter(([, value]) => typeof value !== "string" || !HEADER_VALUE.test(value))
    .map(([name, value]) => `${name}: ${JSON.stringify(value)}`);
}

async function startFresh(): Promise<PoolSession> {
  const user = uniqueUser("fuzz-fresh");
  tally.requests += 1;
  const answer = await stackClient(context.keys.admin)
    .call(startSessionRoute, { body: { user_id: user, performer_id: "fuzz" } })
    .catch((error: unknown) => {
      throw new Error(`could not start a session: ${String(error)}`, { cause: error });
    });
  return { id: answer.body.session.session_id, user };
}

function describePlan(operation: Operation, plan: Plan, path: string): string {
  const body = plan.body
    ? ` ${plan.body.contentType ?? "(no content type)"} ${plan.body.text.slice(0, 300)}`
    : "";
  return `${operation.method} ${path.slice(0, 300)} [${plan.kind}, key ${plan.key}]${body}`;
}

function count<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** What the document says about a request as sent, after routing and decoding like the gateway. */
function judgeAgainstDocument(
  operation: Operation,
  pathAndQuery: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
): Verdict {
  const routed = routedPath(pathAndQuery);
  const [pathname = "", query = ""] = routed.split(/\?(.*)/s);
  const names: string[] = [];
  const source = operation.template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    names.push(name);
    return name === "path" ? "(.+)" : "([^/]+)";
  });
  const found = new RegExp(`^${source}$`).exec(pathname);
  if (!found) return { verdict: "unjudged", reason: "routed to another path" };
  const pathParams: Record<string, string> = {};
  try {
    names.forEach((name, index) => {
      pathParams[name] = decodeURIComponent(found[index + 1] ?? "");
    });
  } catch {
    return { verdict: "unjudged", reason: "a path parameter is not valid percent-encoding" };
  }
  const contentType = Object.entries(headers).find(
    ([name]) => name.toLowerCase() === "content-type",
  )?.[1];
  return judge.judge({
    operationId: operation.operationId,
    pathParams,
    query,
    headers,
    ...(body ? { body: { bytes: body, contentType } } : {}),
  });
}

/** Sends one planned request and returns what is wrong with the answer (empty: nothing). */
async function execute(operation: Operation, plan: Plan): Promise<string[]> {
  const session =
    plan.session === "fresh"
      ? await startFresh()
      : plan.session === "none"
        ? undefined
        : context.pool[plan.session.pool];
  const fill = (text: string) =>
    text
      .replaceAll(SESSION_ID, session?.id ?? "sess_AAAAAAAAAAAAAAAAAAAAAA")
      .replaceAll(SESSION_USER, session?.user ?? "nobody")
      .replaceAll(UNIQUE, () => {
        uniqueCounter += 1;
        return `-u${uniqueCounter}`;
      });
  const path = fill(
    operation.template.replace(/\{(\w+)\}/g, (_match, name: string) => plan.params[name] ?? ""),
  );
  const pathAndQuery = plan.query ? `${path}?${fill(plan.query)}` : path;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(plan.headers)) headers[name] = fill(value);
  if (plan.key === "unknown") headers["X-API-Key"] = "st_fuzz-not-a-real-key";
  else if (plan.key !== "none") headers["X-API-Key"] = context.keys[plan.key];
  let bodyText: string | undefined;
  let bodyBytes: Buffer | undefined;
  if (plan.body) {
    bodyText = fill(plan.body.text);
    bodyBytes = Buffer.from(bodyText, plan.body.encoding);
    if (plan.body.contentType !== undefined) headers["Content-Type"] = plan.body.contentType;
  }
  const where = describePlan(
    operation,
    {
      ...plan,
      ...(plan.body && bodyText !== undefined ? { body: { ...plan.body, text: bodyText } } : {}),
    },
    pathAndQuery,
  );
  const sent = `${safeDecode(pathAndQuery)} ${pathAndQuery} ${bodyText ?? ""} ${JSON.stringify(headers)}`;
  const url = `${baseUrl()}${pathAndQuery}`;
  // fetch cannot send a body with GET, and rewrites paths the URL parser normalises.
  const raw = new URL(url).href !== url || (operation.method === "GET" && bodyBytes !== undefined);
  const problems: string[] = [];
  let answer: Answer;
  try {
    if (raw) {
      answer = await sendRaw(operation.method, pathAndQuery, headers, bodyBytes);
      checkAnswer({ method: operation.method, path: routedPath(pathAndQuery), ...answer });
    } else {
      const options: Parameters<typeof api>[2] = { headers };
      if (bodyBytes !== undefined) options.rawBody = bodyBytes;
      const received: ApiAnswer = await api(operation.method, pathAndQuery, options);
      answer = received;
    }
  } catch (error) {
    tally.requests += 1;
    if (error instanceof ResponseMismatchError) {
      tally.schemaFailures += 1;
      const status = Number(/answered (\d{3})/.exec(error.message)?.[1] ?? 0);
      count(tally.byStatus, status);
      if (status >= 500) tally.serverErrors += 1;
      return [`schema: ${error.message.slice(0, 600)} <- ${where}`];
    }
    tally.transportFailures += 1;
    return [`transport: ${describeTransportError(error)} <- ${where}`];
  }
  tally.requests += 1;
  count(tally.byStatus, answer.status);
  const perOperation = tally.byOperation.get(operation.operationId) ?? {
    requests: 0,
    successes: 0,
  };
  perOperation.requests += 1;
  if (answer.status < 400) {
    perOperation.successes += 1;
    tally.successes += 1;
  }
  tally.byOperation.set(operation.operationId, perOperation);
  const errorCode =
    answer.status >= 400
      ? (JSON.parse(answer.text) as { error_code?: ErrorCode }).error_code
      : undefined;
  if (answer.status >= 500 && errorCode === undefined) {
    // Not an error but the document's own 5xx body: /health reporting that a
    // dependency did not answer within its check's time limit (a loaded machine).
    tally.unhealthyReports += 1;
  } else if (answer.status >= 500) {
    tally.serverErrors += 1;
    problems.push(`5xx: ${answer.status} ${answer.text.slice(0, 300)} <- ${where}`);
  } else if (errorCode !== undefined && STATUS_BY_CODE[errorCode] !== answer.status) {
    tally.wrongErrorCodes += 1;
    problems.push(`error code ${errorCode} with status ${answer.status} <- ${where}`);
  }
  const unsendable = unsendableHeaders(answer);
  if (unsendable.length) {
    tally.unsendableHeaders += 1;
    problems.push(`headers a client cannot send: ${unsendable.join(", ")} <- ${where}`);
  }
  const verdict = judgeAgainstDocument(operation, pathAndQuery, headers, bodyBytes);
  if (verdict.verdict === "valid") {
    tally.documentValid += 1;
    // 413 too: a byte limit the document leaves out is answered with it.
    if (answer.status === 400 || answer.status === 413) {
      tally.validAnswered400 += 1;
      problems.push(
        `a request the document says is valid answered ${answer.status}: ${answer.text.slice(0, 300)} <- ${where}`,
      );
    }
  } else if (verdict.verdict === "invalid") {
    tally.documentInvalid += 1;
    if (answer.status >= 200 && answer.status < 300) {
      tally.invalidAnswered2xx += 1;
      problems.push(
        `a request the document says is invalid (${verdict.reason.slice(0, 200)}) answered ${answer.status} <- ${where}`,
      );
    }
  }
  const leaks = leaksIn(answer, sent);
  if (leaks.length) {
    tally.leaks += 1;
    problems.push(`leak of ${leaks.join(", ")}: ${answer.text.slice(0, 300)} <- ${where}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------
// Setup and the properties
// ---------------------------------------------------------------------------

const document = buildOpenApiDocument();
const operations = operationsOf(document);
const schemas = new SchemaArbitraries(document);
const judge = new DocumentJudge(document);

async function upload(sessionId: string, path: string, content: string): Promise<void> {
  await uploadThroughApi(context.keys.admin, sessionId, path, content);
}

const FILE_CONTENT: Record<(typeof WORKSPACE_FILES)[number], string> = {
  "logs/blender.log": "2026-11-21T12:00:00Z INFO start\n2026-11-21T12:00:01Z ERROR boom\n",
  "status.json": JSON.stringify({ status: "failed", error_message: "boom", progress: 40 }),
  "input/scan.usdz": "scan bytes",
};

beforeAll(async () => {
  useStackStorage();
  const dataDir = inject("dataDir");
  const endpoints = readEndpoints(dataDir);
  const tenant = uniqueTenant("fuzz");
  const [admin, app, support] = await Promise.all([
    newKey(tenant, "admin"),
    newKey(tenant, "app"),
    newKey(tenant, "support"),
  ]);
  context = {
    keys: { admin, app, support },
    pool: [],
    leakMarkers: [
      ...new Set([endpoints.tableName, endpoints.bucketName, dataDir, ...SDK_ERROR_NAMES]),
    ],
    s3Endpoint: endpoints.s3Endpoint,
  };
  context.pool = await Promise.all(
    Array.from({ length: POOL_SIZE }, async (_unused, index) => {
      const session = await startFresh();
      const appended = await stackClient(admin).call(appendEventsRoute, {
        params: { id: session.id },
        body: { events: [{ event_type: "info", message: `pool ${index}` }] },
      });
      expect(appended.status).toBe(201);
      if (index < POOL_SIZE / 2) {
        for (const path of WORKSPACE_FILES) await upload(session.id, path, FILE_CONTENT[path]);
      }
      return session;
    }),
  );
});

afterAll(() => {
  const statuses = [...tally.byStatus]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}:${n}`);
  const kinds = [...tally.byKind].sort(([, a], [, b]) => b - a).map(([kind, n]) => `${kind} ${n}`);
  console.log(`fuzz: kinds ${kinds.join("; ")}`);
  console.log(`fuzz: statuses ${statuses.join(" ")}; 2xx/3xx ${tally.successes}`);
  console.log(
    `fuzz: ${tally.generated} requests generated from the document, ${tally.requests - tally.generated} session starts for them; health reported a slow dependency ${tally.unhealthyReports} times`,
  );
  console.log(
    `fuzz: requests ${tally.requests}, 5xx ${tally.serverErrors}, schema failures ${tally.schemaFailures}, leaks ${tally.leaks}, seed ${SEED}`,
  );
  console.log(
    `fuzz: the document says ${tally.documentValid} valid (${tally.validAnswered400} answered 400 or 413), ${tally.documentInvalid} invalid (${tally.invalidAnswered2xx} answered 2xx)`,
  );
});

describe("fuzzing every operation of the OpenAPI document", () => {
  it("finds every route of the route table in the document, each with valid and mutated requests", () => {
    expect(operations.map((operation) => operation.operationId).sort()).toEqual(
      ROUTES.map((route) => route.operationId).sort(),
    );
    for (const operation of operations) {
      const builder = new PlanBuilder(schemas, operation);
      expect(fc.sample(builder.valid(), { numRuns: 3, seed: SEED })).toHaveLength(3);
      expect(fc.sample(builder.mutated(), { numRuns: 3, seed: SEED })).toHaveLength(3);
    }
  });

  it(`answers ${TOTAL_RUNS} generated requests with documented statuses and bodies, no 5xx and no leaks`, async () => {
    console.log(`fuzz: seed ${SEED} (set FUZZ_SEED to replay), ${TOTAL_RUNS} requests planned`);
    const lanes = operations.flatMap((operation, index) =>
      Array.from({ length: LANES_PER_OPERATION }, (_unused, lane) => ({ operation, index, lane })),
    );
    const runsPerLane = Math.ceil(TOTAL_RUNS / lanes.length);
    const failures: string[] = [];
    await Promise.all(
      lanes.map(async ({ operation, index, lane }) => {
        const builder = new PlanBuilder(schemas, operation);
        const plans = fc.oneof(
          { arbitrary: builder.valid(), weight: 2 },
          { arbitrary: builder.mutated(), weight: 3 },
        );
        const seed = SEED + index * 100 + lane;
        const details = await fc.check(
          fc.asyncProperty(plans, async (plan) => {
            count(tally.byKind, plan.kind);
            tally.generated += 1;
            const problems = await gate.run(() => execute(operation, plan));
            if (problems.length) throw new Error(problems.join("\n"));
          }),
          // Each run is a real request against a stateful service: report the
          // failing request as it was instead of shrinking by replaying it.
          { numRuns: runsPerLane, seed, endOnFailure: true },
        );
        if (details.failed) {
          const reason =
            details.errorInstance instanceof Error
              ? details.errorInstance.message
              : String(details.errorInstance);
          failures.push(
            `${operation.operationId} (seed ${seed}, run ${details.numRuns}): ${reason}`,
          );
        }
      }),
    );
    expect(failures).toEqual([]);
    expect(tally.transportFailures).toBe(0);
    expect(tally.wrongErrorCodes).toBe(0);
    expect(tally.serverErrors).toBe(0);
    expect(tally.schemaFailures).toBe(0);
    expect(tally.leaks).toBe(0);
    // The document is exact: what it calls valid is never a 400, what it calls invalid never a 2xx.
    expect(tally.validAnswered400).toBe(0);
    expect(tally.invalidAnswered2xx).toBe(0);
    expect(tally.documentValid).toBeGreaterThan(TOTAL_RUNS / 4);
    expect(tally.documentInvalid).toBeGreaterThan(TOTAL_RUNS / 4);
    expect(tally.generated).toBeGreaterThanOrEqual(MIN_REQUESTS);
    // The generator must reach the handlers, not only the validation at the edge.
    expect(tally.successes / tally.requests).toBeGreaterThanOrEqual(0.1);
    for (const operation of operations) {
      expect(
        tally.byOperation.get(operation.operationId)?.successes ?? 0,
        `${operation.operationId} never succeeded`,
      ).toBeGreaterThan(0);
    }
  }, 900_000);
});

/** Each of these was a finding of the fuzzer; it stays as a fixed request so it cannot return. */
describe("answers to what the fuzzer once broke", () => {
  it("ignores repeated and prototype-named query parameters on routes that take none (were 400 and 502)", async () => {
    const session = await startFresh();
    const statistics = await api("GET", "/statistics?a=1&a=2", { key: context.keys.admin });
    const read = await api("GET", `/sessions/${session.id}?constructor=1&constructor=2`, {
      key: context.keys.admin,
    });
    const health = await api("GET", "/health?__proto__=x&toString=y&hasOwnProperty=z");

    expect([statistics.status, read.status, health.status]).toEqual([200, 200, 200]);
  });

  it("refuses `constructor` and `__proto__` as unknown query parameters where a route takes some", async () => {
    const named = await api("GET", "/sessions?constructor=1", { key: context.keys.admin });
    const proto = await api("GET", "/sessions?__proto__=1", { key: context.keys.admin });

    expect([named.status, proto.status]).toEqual([400, 400]);
    expect(named.text).toContain("constructor");
    expect(proto.text).toContain("__proto__");
  });

  it("answers a request line above the parser's limit with 413 and the error body (was a bodiless 431)", async () => {
    const answer = await refusal(
      stackClient(context.keys.admin).call(listSessionsRoute, {
        query: { user_id: "a".repeat(20_000) },
      }),
    );

    expect(answer.status).toBe(413);
    expect(answer.error_code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("lists nothing for an empty creation-time range; a cursor sent with other bounds is 400 (was 500)", async () => {
    const client = stackClient(context.keys.admin);
    const list = (query: { cursor?: string; created_after?: string; created_before?: string }) =>
      client.call(listSessionsRoute, { query });
    const first = await client.call(listSessionsRoute, { query: { limit: 1 } });
    const cursor = first.body.next_cursor ?? "";
    const pages = await Promise.all([
      list({ created_after: "2030-01-01T00:00:00Z", created_before: "2020-01-01T00:00:00Z" }),
      list({ created_after: "2020-01-01T00:00:00Z", created_before: "2020-01-01T00:00:00Z" }),
    ]);
    // A cursor is bound to the filters it was issued for, so it never lies outside their range.
    const outside = await Promise.all([
      refusal(list({ cursor, created_after: "2100-01-01T00:00:00Z" })),
      refusal(list({ cursor, created_before: "2000-01-01T00:00:00Z" })),
    ]);

    expect(cursor).not.toBe("");
    for (const page of pages) {
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ items: [], returned: 0, next_cursor: null });
    }
    for (const page of outside) {
      expect(page.status).toBe(400);
      expect(page.details).toMatchObject({ field: "cursor" });
    }
  });

  it("refuses event_data nested deeper than 100 levels with 400 (was a 500 from a stack overflow)", async () => {
    const session = await startFresh();
    const nested = (depth: number) => `${'{"a":['.repeat(depth)}1${"]}".repeat(depth)}`;
    // Written as text: a body 5000 levels deep is the point, not an object to stringify.
    const append = (depth: number) =>
      api("POST", `/sessions/${session.id}/events`, {
        key: context.keys.admin,
        headers: { "Content-Type": "application/json" },
        rawBody: `{"events":[{"event_type":"info","event_data":${nested(depth)}}]}`,
      });

    const deep = await append(5000);
    const limit = await append(50);

    expect(deep.status).toBe(400);
    expect(deep.text).toContain("events.0.event_data");
    expect(limit.status).toBe(201);
  });

  it("refuses a content_type with a line break or control character, which the ticket hands back as a header", async () => {
    const session = await startFresh();
    const ticket = (contentType: string) =>
      statusOf(
        stackClient(context.keys.admin).call(createUploadRoute, {
          params: { id: session.id },
          body: { path: "input/scan.usdz", content_type: contentType, size_bytes: 3 },
        }),
      );

    const answers = await Promise.all(
      ["text/plain\r\n; x=y", "text/plain;\ncharset=utf-8", 'text/plain; a="\u0000"'].map(ticket),
    );
    const plain = await ticket('text/plain; charset="utf-8"');

    expect(answers).toEqual([400, 400, 400]);
    expect(plain).toBe(201);
  });
});
