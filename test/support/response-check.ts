/**
 * Checks an HTTP answer against the OpenAPI document: the route (by method and
 * path template), the status (listed for that route), documented required
 * headers, and the JSON body (validated with Ajv against the response's
 * schema). The document is built in-process, once per worker.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import type { oas31 } from "zod-openapi";
import { buildOpenApiDocument, openApiPath } from "#shared/contract/openapi.ts";
import { ROUTES, type RouteDefinition } from "#shared/contract/routes.ts";

export interface AnswerToCheck {
  method: string;
  /** Path below the stage, with or without a query string: `/sessions/{id}?limit=5`. */
  path: string;
  status: number;
  headers: Headers;
  text: string;
}

export class ResponseMismatchError extends Error {
  override name = "ResponseMismatchError";
}

interface CompiledRoute {
  route: RouteDefinition;
  pattern: RegExp;
}

let document: oas31.OpenAPIObject | undefined;
let ajv: Ajv2020 | undefined;
let routes: CompiledRoute[] | undefined;
const validators = new Map<string, ValidateFunction>();

export function openApiDocument(): oas31.OpenAPIObject {
  document ??= buildOpenApiDocument();
  return document;
}

function validator(): Ajv2020 {
  if (!ajv) {
    // OpenAPI 3.1 schemas are JSON Schema 2020-12 plus annotations such as `example`.
    ajv = new Ajv2020({ allErrors: true, strict: false });
    formats.default(ajv);
  }
  return ajv;
}

/** The same path matching as the gateway: `{name}` is one segment, `{name+}` one or more. */
function compile(route: RouteDefinition): CompiledRoute {
  const source = route.path
    .split("/")
    .map((segment) => {
      if (/^\{\w+\+\}$/.test(segment)) return ".+";
      if (/^\{\w+\}$/.test(segment)) return "[^/]+";
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { route, pattern: new RegExp(`^${source}$`) };
}

export function findRoute(method: string, path: string): RouteDefinition | undefined {
  routes ??= (ROUTES as readonly RouteDefinition[]).map(compile);
  const pathname = path.split("?")[0] ?? "";
  return routes.find(
    (compiled) => compiled.route.method === method.toUpperCase() && compiled.pattern.test(pathname),
  )?.route;
}

/** A validator for a schema of the document; `$ref`s resolve against its components. */
export function schemaValidator(
  key: string,
  schema: oas31.SchemaObject | oas31.ReferenceObject,
): ValidateFunction {
  let validate = validators.get(key);
  if (!validate) {
    validate = validator().compile({ ...schema, components: openApiDocument().components });
    validators.set(key, validate);
  }
  return validate;
}

export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map(
      (error) =>
        `  ${error.instancePath || "(body)"} ${error.message ?? ""} ${JSON.stringify(error.params)}`,
    )
    .join("\n");
}

function isReference(value: object): value is oas31.ReferenceObject {
  return "$ref" in value;
}

function resolveHeader(
  header: oas31.HeaderObject | oas31.ReferenceObject,
): oas31.HeaderObject | undefined {
  if (!isReference(header)) return header;
  const name = header.$ref.replace("#/components/headers/", "");
  const resolved = openApiDocument().components?.headers?.[name];
  return resolved && !isReference(resolved) ? resolved : undefined;
}

function parseBody(answer: AnswerToCheck, where: string): unknown {
  try {
    return JSON.parse(answer.text);
  } catch {
    throw new ResponseMismatchError(`${where}: the body is not JSON: ${answer.text.slice(0, 200)}`);
  }
}

function validateBody(
  key: string,
  schema: oas31.SchemaObject | oas31.ReferenceObject,
  body: unknown,
  where: string,
): void {
  const validate = schemaValidator(key, schema);
  if (!validate(body)) {
    throw new ResponseMismatchError(
      `${where}: the body does not match the document's schema:\n${describeErrors(validate.errors)}\nbody: ${JSON.stringify(body).slice(0, 2000)}`,
    );
  }
}

/** Throws a ResponseMismatchError when the answer is not one the document describes. */
export function checkAnswer(answer: AnswerToCheck): void {
  const method = answer.method.toUpperCase();
  const where = `${method} ${answer.path} answered ${answer.status}`;
  // CORS preflights are answered by the gateway and are not operations of the API.
  if (method === "OPTIONS") {
    if (answer.status !== 204) throw new ResponseMismatchError(`${where}: expected 204.`);
    return;
  }
  const route = findRoute(method, answer.path);
  if (!route) {
    if (answer.status !== 404) {
      throw new ResponseMismatchError(
        `${where}: no route matches, so the gateway must answer 404.`,
      );
    }
    const errorSchema = { $ref: "#/components/schemas/Error" };
    validateBody("gateway-404", errorSchema, parseBody(answer, where), `${where} (no route)`);
    return;
  }
  const template = openApiPath(route.path);
  const operation =
    openApiDocument().paths?.[template]?.[
      method.toLowerCase() as Lowercase<RouteDefinition["method"]>
    ];
  if (!operation)
    throw new ResponseMismatchError(`${where}: ${method} ${template} is not in the document.`);
  const response = operation.responses?.[String(answer.status)] as
    | oas31.ResponseObject
    | oas31.ReferenceObject
    | undefined;
  const routeName = `${method} ${template} (${operation.operationId})`;
  if (!response || isReference(response)) {
    const listed = Object.keys(operation.responses ?? {}).join(", ");
    throw new ResponseMismatchError(
      `${where}: the document lists no ${answer.status} for ${routeName}; it lists ${listed}.`,
    );
  }
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const resolved = resolveHeader(header);
    if (resolved?.required && !answer.headers.has(name)) {
      throw new ResponseMismatchError(`${where}: the ${name} header is required for ${routeName}.`);
    }
  }
  const page = response.content?.["text/html"];
  if (page) {
    const contentType = answer.headers.get("content-type") ?? "";
    if (!contentType.startsWith("text/html")) {
      throw new ResponseMismatchError(
        `${where}: ${routeName} answers text/html, not "${contentType}".`,
      );
    }
    return;
  }
  const media = response.content?.["application/json"];
  if (!media?.schema) {
    if (answer.status === 204 && answer.text !== "") {
      throw new ResponseMismatchError(`${where}: a 204 for ${routeName} must have no body.`);
    }
    return;
  }
  const contentType = answer.headers.get("content-type") ?? "";
  if (!contentType.startsWith("application/json")) {
    throw new ResponseMismatchError(
      `${where}: ${routeName} answers application/json, not "${contentType}".`,
    );
  }
  validateBody(
    `${method} ${template} ${answer.status}`,
    media.schema,
    parseBody(answer, where),
    `${where} (${routeName})`,
  );
}
