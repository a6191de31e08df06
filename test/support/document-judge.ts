/**
 * What the OpenAPI document says about a request, judged from the document
 * alone: `valid` (every parameter, header and the body pass their schemas and
 * the byte limits the document states in its `x-` keywords), `invalid` (one
 * of them fails, a required part is missing, or the body is not JSON), or
 * `unjudged` when the document has nothing to say (a query parameter it does
 * not list, a repeated one, a body sent to an operation that takes none), or
 * when the request depends on a rule the document states only in words (its
 * description's "Rules the schemas cannot state"). The fuzzing suite checks
 * that a valid request is never answered 400 and an invalid one never 2xx.
 */
import type { oas31 } from "zod-openapi";
import { MAX_EVENT_DATA_DEPTH, nestingDepth } from "#shared/domain/events.ts";
import { findAlteredNumber } from "#shared/domain/number-literals.ts";
import { describeErrors, schemaValidator } from "./response-check.ts";

export type Verdict =
  | { verdict: "valid" }
  | { verdict: "invalid"; reason: string }
  | { verdict: "unjudged"; reason: string };

export interface RequestToJudge {
  operationId: string;
  /** Path parameter values as the server reads them (percent-decoded). */
  pathParams: Record<string, string>;
  /** The query string as sent, without `?`. */
  query: string;
  headers: Record<string, string>;
  body?: { bytes: Buffer; contentType: string | undefined };
}

type Schema = oas31.SchemaObject | oas31.ReferenceObject;

const INTEGER_TEXT = /^[+-]?[0-9]+$/;
/** The edge refuses a larger body with 413, as the document says in words. */
const MAX_BODY_BYTES = 1024 * 1024;

function isReference(value: object): value is oas31.ReferenceObject {
  return "$ref" in value;
}

/** A value's verdict against one schema; query and path values arrive as text. */
function checkText(key: string, schema: Schema, value: string): string | undefined {
  if (!isReference(schema) && schema.type === "integer") {
    if (!INTEGER_TEXT.test(value)) return `${key}: not an integer`;
    const number = Number(value);
    if (schema.minimum !== undefined && number < schema.minimum) return `${key}: below minimum`;
    if (schema.maximum !== undefined && number > schema.maximum) return `${key}: above maximum`;
    return undefined;
  }
  const validate = schemaValidator(`judge ${key} ${JSON.stringify(schema)}`, schema);
  if (!validate(value)) return `${key}: ${describeErrors(validate.errors)}`;
  return byteLimitProblem(key, schema, value);
}

/** The limits JSON Schema cannot count (UTF-8 bytes, normalisation), from the `x-` keywords. */
function byteLimitProblem(key: string, schema: Schema, value: string): string | undefined {
  if (isReference(schema)) return undefined;
  const limits = schema as Record<string, unknown>;
  const whole = limits["x-max-utf8-bytes"];
  const segment = limits["x-max-segment-utf8-bytes"];
  if (typeof whole === "number" && Buffer.byteLength(value) > whole)
    return `${key}: too many bytes`;
  if (
    typeof segment === "number" &&
    value.split("/").some((part) => Buffer.byteLength(part) > segment)
  ) {
    return `${key}: a name with too many bytes`;
  }
  if (limits["x-unicode-normalization"] === "NFC" && value.normalize("NFC") !== value) {
    return `${key}: not NFC`;
  }
  return undefined;
}

/** Every string in a JSON value, with where it is, for the byte-limit keywords. */
function byteLimitProblemsInBody(
  document: oas31.OpenAPIObject,
  schema: Schema,
  value: unknown,
): string | undefined {
  const resolved = resolve(document, schema);
  if (typeof value === "string") return byteLimitProblem("body", resolved, value);
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  for (const [name, member] of Object.entries(value)) {
    const property = resolved.properties?.[name];
    if (!property) continue;
    const problem = byteLimitProblemsInBody(document, property, member);
    if (problem) return problem;
  }
  return undefined;
}

function resolve(document: oas31.OpenAPIObject, schema: Schema): oas31.SchemaObject {
  if (!isReference(schema)) return schema;
  const target = document.components?.schemas?.[schema.$ref.replace("#/components/schemas/", "")];
  if (!target) throw new Error(`Unresolvable ${schema.$ref}`);
  return resolve(document, target);
}

function hasMember(value: unknown, name: string): boolean {
  const pending = [value];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next === null || typeof next !== "object") continue;
    if (Object.hasOwn(next, name)) return true;
    pending.push(...Object.values(next));
  }
  return false;
}

/** Numbers DynamoDB cannot hold: the document's event_data description refuses them in words. */
function hasUnstorableNumber(value: unknown): boolean {
  const pending = [value];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next === "number") {
      const size = Math.abs(next);
      if (!Number.isFinite(next) || size >= 1e126 || (size !== 0 && size < 1e-130)) return true;
    } else if (next !== null && typeof next === "object") {
      pending.push(...Object.values(next));
    }
  }
  return false;
}

/** An update that sets a label: the limit of 20 applies to the labels after the merge. */
function setsLabels(request: RequestToJudge, value: unknown): boolean {
  if (request.operationId !== "updateSession") return false;
  const labels = (value as { labels?: unknown }).labels;
  return (
    typeof labels === "object" &&
    labels !== null &&
    Object.values(labels).some((label) => label !== null)
  );
}

export class DocumentJudge {
  private readonly operations = new Map<string, oas31.OperationObject>();

  constructor(private readonly document: oas31.OpenAPIObject) {
    for (const item of Object.values(document.paths ?? {})) {
      for (const operation of [item.get, item.post, item.put, item.patch, item.delete]) {
        if (operation?.operationId) this.operations.set(operation.operationId, operation);
      }
    }
  }

  judge(request: RequestToJudge): Verdict {
    const operation = this.operations.get(request.operationId);
    if (!operation) throw new Error(`No operation ${request.operationId}`);
    const parameters = (operation.parameters ?? []).filter(
      (parameter): parameter is oas31.ParameterObject => "in" in parameter,
    );
    const problems: string[] = [];
    const unjudged: string[] = [];

    for (const parameter of parameters.filter((p) => p.in === "path")) {
      const value = request.pathParams[parameter.name];
      if (value === undefined) problems.push(`path ${parameter.name}: missing`);
      else {
        const problem = checkText(`path ${parameter.name}`, parameter.schema ?? {}, value);
        if (problem) problems.push(problem);
      }
    }

    const declared = new Map(
      parameters.filter((p) => p.in === "query").map((p) => [p.name, p] as const),
    );
    const seen = new Set<string>();
    for (const [name, value] of new URLSearchParams(request.query)) {
      const parameter = declared.get(name);
      if (!parameter) unjudged.push(`query ${name} is not in the document`);
      else if (seen.has(name)) unjudged.push(`query ${name} given twice`);
      else {
        const problem = checkText(`query ${name}`, parameter.schema ?? {}, value);
        if (problem) problems.push(problem);
        if (name === "cursor") unjudged.push("a cursor is valid only as the server issued it");
      }
      seen.add(name);
    }

    const headerNames = new Map(
      Object.keys(request.headers).map((name) => [name.toLowerCase(), name] as const),
    );
    for (const parameter of parameters.filter((p) => p.in === "header")) {
      const sentName = headerNames.get(parameter.name.toLowerCase());
      // HTTP strips the spaces and tabs around a field value. An empty one is a
      // value the schema judges, unless the header's description says it counts as none.
      const stripped =
        sentName === undefined
          ? undefined
          : request.headers[sentName]?.replace(/^[ \t]+|[ \t]+$/g, "");
      const emptyIsNone = /\bor empty\b|empty value counts as no/i.test(
        parameter.description ?? "",
      );
      const value = stripped === "" && emptyIsNone ? undefined : stripped;
      if (value === undefined) {
        if (parameter.required) problems.push(`header ${parameter.name}: missing`);
      } else {
        const problem = checkText(`header ${parameter.name}`, parameter.schema ?? {}, value);
        if (problem) problems.push(problem);
      }
    }

    const requestBody = operation.requestBody;
    const content =
      requestBody && !isReference(requestBody)
        ? requestBody.content["application/json"]
        : undefined;
    if (!content?.schema) {
      if (request.body) unjudged.push("a body sent to an operation that takes none");
    } else {
      const problem = this.bodyProblem(content.schema, request, unjudged);
      if (problem) problems.push(problem);
    }

    if (problems.length) return { verdict: "invalid", reason: problems.join("; ") };
    if (unjudged.length) return { verdict: "unjudged", reason: unjudged.join("; ") };
    return { verdict: "valid" };
  }

  private bodyProblem(
    schema: Schema,
    request: RequestToJudge,
    unjudged: string[],
  ): string | undefined {
    const body = request.body;
    if (!body || body.bytes.length === 0) return "body: missing";
    const mediaType = (body.contentType ?? "").split(";")[0]?.trim().toLowerCase();
    if (mediaType !== "application/json") return `body: sent as ${body.contentType ?? "nothing"}`;
    const charset = /;\s*charset=([^;]+)/i
      .exec(body.contentType ?? "")?.[1]
      ?.trim()
      .toLowerCase();
    if (charset !== undefined && charset !== "utf-8") return `body: charset ${charset}`;
    let value: unknown;
    try {
      // A byte order mark is kept: JSON text does not start with one.
      value = JSON.parse(
        new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body.bytes),
      );
    } catch {
      return "body: not JSON";
    }
    const validate = schemaValidator(`judge body ${JSON.stringify(schema)}`, schema);
    if (!validate(value)) return `body: ${describeErrors(validate.errors)}`;
    const limits = byteLimitProblemsInBody(this.document, schema, value);
    if (limits) return limits;
    if (hasMember(value, "__proto__")) unjudged.push("a __proto__ member");
    const named = (value as { session_id?: unknown }).session_id;
    if (named !== undefined && named !== request.pathParams.id) {
      unjudged.push("session_id is not the path's session");
    }
    if (hasUnstorableNumber(value)) unjudged.push("a number DynamoDB cannot hold");
    // Stated in the document's rules: refused, not stored changed.
    const altered = findAlteredNumber(new TextDecoder().decode(body.bytes));
    if (altered) return `body: ${altered.path.join(".")} ${altered.message}`;
    if (setsLabels(request, value)) {
      unjudged.push("whether the merged labels stay within 20 depends on the session's labels");
    }
    if (body.bytes.length > MAX_BODY_BYTES) unjudged.push("a body above the 1 MiB limit");
    // event_data's nesting limit is stated in words, like the numbers above.
    if (nestingDepth(value, MAX_EVENT_DATA_DEPTH + 10) > MAX_EVENT_DATA_DEPTH) {
      unjudged.push("nesting deeper than event_data may go");
    }
    return undefined;
  }
}
