import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";
import type { oas31 } from "zod-openapi";
import { buildOpenApiDocument, errorStatusesOf, openApiPath } from "#shared/contract/openapi.ts";
import { COMMON_ERRORS, ROUTES, type RouteDefinition } from "#shared/contract/routes.ts";
import { STATUS_BY_CODE } from "#shared/domain/errors.ts";
import { WORKSPACE_PATH_PATTERN } from "#shared/domain/workspace-paths.ts";
import packageJson from "../../package.json" with { type: "json" };
import {
  type AnswerToCheck,
  checkAnswer,
  describeErrors,
  ResponseMismatchError,
  schemaValidator,
} from "../support/response-check.ts";

const document = buildOpenApiDocument();
const routes: readonly RouteDefinition[] = ROUTES;
type Method = Lowercase<RouteDefinition["method"]>;

function operationOf(route: RouteDefinition): oas31.OperationObject {
  const operation =
    document.paths?.[openApiPath(route.path)]?.[route.method.toLowerCase() as Method];
  if (!operation) throw new Error(`${route.method} ${route.path} is missing from the document`);
  return operation;
}

function responseOf(route: RouteDefinition, status: number): oas31.ResponseObject {
  const response = operationOf(route).responses?.[String(status)] as
    | oas31.ResponseObject
    | undefined;
  if (!response) throw new Error(`${route.operationId} has no ${status} response`);
  return response;
}

const routeName = (route: RouteDefinition) => `${route.method} ${route.path}`;

/** Every media type of the document with its example values, as [label, schema, value]. */
function documentedExamples(): [string, oas31.SchemaObject | oas31.ReferenceObject, unknown][] {
  const found: [string, oas31.SchemaObject | oas31.ReferenceObject, unknown][] = [];
  const examples = document.components?.examples ?? {};
  const exampleValue = (example: oas31.ExampleObject | oas31.ReferenceObject) =>
    "$ref" in example
      ? (examples[example.$ref.replace("#/components/examples/", "")] as oas31.ExampleObject)?.value
      : example.value;
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of ["get", "post", "put", "patch", "delete"] as const) {
      const operation = item[method];
      if (!operation) continue;
      const media: [string, oas31.MediaTypeObject | undefined][] = [
        [
          `${method} ${path} request`,
          (operation.requestBody as oas31.RequestBodyObject)?.content?.["application/json"],
        ],
        ...Object.entries(operation.responses ?? {}).map(
          ([status, response]): [string, oas31.MediaTypeObject | undefined] => [
            `${method} ${path} ${status}`,
            (response as oas31.ResponseObject).content?.["application/json"],
          ],
        ),
      ];
      for (const [label, content] of media) {
        if (!content?.schema) continue;
        if (content.example !== undefined) found.push([label, content.schema, content.example]);
        for (const [name, example] of Object.entries(content.examples ?? {})) {
          found.push([`${label} example ${name}`, content.schema, exampleValue(example)]);
        }
      }
    }
  }
  return found;
}

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    // The validator dereferences in place: give it a copy (as JSON, which is what clients read).
    const copy: Parameters<typeof SwaggerParser.validate>[0] = JSON.parse(JSON.stringify(document));
    await expect(SwaggerParser.validate(copy)).resolves.toBeDefined();
  });

  it("is the same every time it is built", () => {
    expect(buildOpenApiDocument()).toEqual(document);
  });

  it("names the API, its version, the stage and the API key scheme", () => {
    expect(document.info.title).toBe("Session Trail API");
    expect(document.info.version).toBe(packageJson.version);
    expect(document.info.description).toContain("?after={seq of the last item received}&order=asc");
    expect(document.servers?.[0]?.url).toBe("/v1");
    expect(document.components?.securitySchemes?.ApiKey).toMatchObject({
      type: "apiKey",
      in: "header",
      name: "X-API-Key",
    });
  });

  it("has exactly one operation per route, with its operationId, and no other", () => {
    const operations = Object.values(document.paths ?? {}).flatMap((item) =>
      (["get", "post", "put", "patch", "delete"] as const).flatMap((method) =>
        item[method] ? [item[method]?.operationId] : [],
      ),
    );
    expect(operations.sort()).toEqual(routes.map((route) => route.operationId).sort());
    for (const route of routes) {
      expect(operationOf(route).operationId, routeName(route)).toBe(route.operationId);
      expect(operationOf(route).summary, routeName(route)).toBe(route.summary);
    }
  });

  it("writes greedy path parameters as plain OpenAPI parameters", () => {
    expect(openApiPath("/sessions/{id}/files/{path+}")).toBe("/sessions/{id}/files/{path}");
    expect(Object.keys(document.paths ?? {}).filter((path) => path.includes("+"))).toEqual([]);
  });

  it.each(routes.map((route) => [routeName(route), route] as const))(
    "%s: requires a key with the route's roles, or none when public",
    (_name, route) => {
      const operation = operationOf(route);
      if (route.roles === "public") {
        expect(operation.security).toEqual([]);
        expect(operation["x-required-roles"]).toEqual([]);
      } else {
        expect(operation.security).toEqual([{ ApiKey: [] }]);
        expect(operation["x-required-roles"]).toEqual([...route.roles]);
      }
    },
  );

  it.each(routes.map((route) => [routeName(route), route] as const))(
    "%s: documents every path parameter, query parameter, header and the body",
    (_name, route) => {
      const operation = operationOf(route);
      const parameters = (operation.parameters ?? []) as oas31.ParameterObject[];
      const pathNames = [...openApiPath(route.path).matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(parameters.filter((p) => p.in === "path").map((p) => p.name)).toEqual(pathNames);
      for (const parameter of parameters.filter((p) => p.in === "path")) {
        expect(parameter.required).toBe(true);
      }
      for (const name of Object.keys(route.request?.headers ?? {})) {
        expect(parameters.some((p) => p.in === "header" && p.name === name)).toBe(true);
      }
      // Query strings arrive as text, but the document says what they stand
      // for: numbers are integers with both bounds, everything else a string.
      for (const parameter of parameters.filter((p) => p.in === "query")) {
        const schema = parameter.schema as oas31.SchemaObject;
        expect(["string", "integer"], parameter.name).toContain(schema.type);
        if (schema.type === "integer") {
          expect(schema.minimum, parameter.name).toBeTypeOf("number");
          expect(schema.maximum, parameter.name).toBeTypeOf("number");
        } else {
          expect(schema.pattern, parameter.name).not.toBe("^[0-9]+$");
        }
      }
      for (const parameter of parameters) {
        expect(parameter.description, `${parameter.in} ${parameter.name}`).toBeTruthy();
      }
      const query = route.request?.query;
      if (query && "shape" in query) {
        expect(parameters.filter((p) => p.in === "query").map((p) => p.name)).toEqual(
          Object.keys(query.shape as object),
        );
      }
      const body = (operation.requestBody as oas31.RequestBodyObject | undefined)?.content?.[
        "application/json"
      ];
      expect(body !== undefined, "request body").toBe(route.request?.body !== undefined);
      if (body) expect(body.example, "request body example").toBeDefined();
    },
  );

  it.each(routes.map((route) => [routeName(route), route] as const))(
    "%s: every success answer with a body has a schema and an example",
    (_name, route) => {
      for (const [status, success] of Object.entries(route.responses)) {
        const response = responseOf(route, Number(status));
        for (const header of success.headers ?? []) {
          expect(response.headers?.[header], `${status} ${header}`).toBeDefined();
        }
        if (status === "204" || status === "307") {
          expect(response.content, status).toBeUndefined();
          continue;
        }
        if (success.contentType) {
          // A page: documented as its media type, never as JSON.
          expect(Object.keys(response.content ?? {}), status).toEqual([success.contentType]);
          continue;
        }
        expect(success.schema, `${routeName(route)} ${status} needs a schema`).toBeDefined();
        const media = response.content?.["application/json"];
        expect(media?.schema, status).toBeDefined();
        const example = media?.example ?? media?.examples?.success;
        expect(example, `${routeName(route)} ${status} needs an example`).toBeDefined();
      }
    },
  );

  it.each(routes.map((route) => [routeName(route), route] as const))(
    "%s: every error code the route can answer is documented under its status",
    (_name, route) => {
      const common =
        route.roles === "public"
          ? COMMON_ERRORS.filter((code) => code !== "UNAUTHORIZED" && code !== "FORBIDDEN")
          : COMMON_ERRORS;
      const codes = [...new Set([...route.errors, ...common])];
      for (const code of codes) {
        const response = responseOf(route, STATUS_BY_CODE[code]);
        expect(response.description, code).toContain(code);
        const media = response.content?.["application/json"];
        expect(media?.examples?.[code], code).toBeDefined();
        const schema = media?.schema as oas31.SchemaObject;
        const refs = JSON.stringify(schema);
        expect(refs, code).toContain("#/components/schemas/Error");
      }
      if (route.roles === "public") {
        expect(operationOf(route).responses?.["401"]).toBeUndefined();
        expect(operationOf(route).responses?.["403"]).toBeUndefined();
      }
      expect([...errorStatusesOf(route).keys()]).toEqual(
        expect.arrayContaining(codes.map((code) => STATUS_BY_CODE[code])),
      );
    },
  );

  it("merges codes that share a status into one response that lists them all", () => {
    const end = routes.find((route) => route.operationId === "endSession");
    if (!end) throw new Error("endSession is missing");
    const conflict = responseOf(end, 409);
    for (const code of ["SESSION_ALREADY_ENDED", "INVALID_TRANSITION"]) {
      expect(conflict.description).toContain(code);
      expect(conflict.content?.["application/json"]?.examples?.[code]).toBeDefined();
    }
  });

  it("has examples that match their own schemas", () => {
    const examples = documentedExamples();
    expect(examples.length).toBeGreaterThan(routes.length);
    const failures = examples.flatMap(([label, schema, value]) => {
      const validate = schemaValidator(`example ${label}`, schema);
      return validate(value) ? [] : [`${label}:\n${describeErrors(validate.errors)}`];
    });
    expect(failures).toEqual([]);
  });
});

describe("the response check of the integration suite", () => {
  const session = document.components?.schemas?.Session as oas31.SchemaObject;
  const exampleSession = session.example as Record<string, unknown>;
  const answer = (over: Partial<AnswerToCheck>): AnswerToCheck => ({
    method: "GET",
    path: `/sessions/${exampleSession.session_id}`,
    status: 200,
    headers: new Headers({ "content-type": "application/json; charset=utf-8", etag: '"1"' }),
    text: JSON.stringify(exampleSession),
    ...over,
  });

  it("accepts an answer the document describes", () => {
    expect(() => checkAnswer(answer({}))).not.toThrow();
    expect(() =>
      checkAnswer(
        answer({
          status: 404,
          text: JSON.stringify({ error_code: "NOT_FOUND", message: "Gone.", details: {} }),
        }),
      ),
    ).not.toThrow();
  });

  it("rejects a body that misses a field or adds one", () => {
    const { last_seq: _dropped, ...missing } = exampleSession;
    expect(() => checkAnswer(answer({ text: JSON.stringify(missing) }))).toThrow(
      ResponseMismatchError,
    );
    expect(() =>
      checkAnswer(answer({ text: JSON.stringify({ ...exampleSession, surprise: 1 }) })),
    ).toThrow(/does not match/);
  });

  it("rejects a status the document does not list for the route", () => {
    expect(() => checkAnswer(answer({ status: 418 }))).toThrow(/lists no 418/);
    expect(() =>
      checkAnswer(answer({ method: "DELETE", status: 200, text: JSON.stringify(exampleSession) })),
    ).toThrow(/lists no 200/);
  });

  it("rejects an error body that is not the error format", () => {
    expect(() =>
      checkAnswer(answer({ status: 404, text: JSON.stringify({ message: "Not Found" }) })),
    ).toThrow(ResponseMismatchError);
  });

  it("requires a documented required header and an empty 204", () => {
    expect(() =>
      checkAnswer(
        answer({
          method: "GET",
          path: `/sessions/${exampleSession.session_id}/files/input/a.txt`,
          status: 307,
          text: "",
        }),
      ),
    ).toThrow(/Location header is required/);
    expect(() => checkAnswer(answer({ method: "DELETE", status: 204, text: "{}" }))).toThrow(
      /no body/,
    );
  });

  it("requires the error body on paths with no route", () => {
    const unknown = answer({
      path: "/nowhere",
      status: 404,
      text: JSON.stringify({ error_code: "NOT_FOUND", message: "No route.", details: {} }),
    });
    expect(() => checkAnswer(unknown)).not.toThrow();
    expect(() => checkAnswer({ ...unknown, text: "Not Found" })).toThrow(/not JSON/);
    expect(() => checkAnswer({ ...unknown, status: 200 })).toThrow(/must answer 404/);
  });
});

describe("the document states what the server enforces", () => {
  const parameter = (path: string, method: "get" | "post", name: string) =>
    ((document.paths?.[path]?.[method]?.parameters ?? []) as oas31.ParameterObject[]).find(
      (p) => p.name === name,
    )?.schema as oas31.SchemaObject;
  const component = (name: string) => document.components?.schemas?.[name] as oas31.SchemaObject;

  it("gives every number in a query string as an integer with its range", () => {
    const events = "/sessions/{id}/events";
    expect(parameter(events, "get", "after")).toMatchObject({
      type: "integer",
      minimum: 0,
      maximum: 999_999_999_999,
    });
    expect(parameter(events, "get", "before")).toMatchObject({
      type: "integer",
      minimum: 0,
      maximum: 999_999_999_999,
    });
    expect(parameter(events, "get", "limit")).toMatchObject({
      type: "integer",
      minimum: 1,
      maximum: 1000,
    });
    expect(parameter("/sessions", "get", "limit")).toMatchObject({
      type: "integer",
      minimum: 1,
      maximum: 100,
    });
    expect(parameter("/sessions/{id}/investigate", "get", "log_lines")).toMatchObject({
      type: "integer",
      minimum: 1,
      maximum: 100,
    });
  });

  it("gives since as a date-time", () => {
    expect(parameter("/sessions/{id}/events", "get", "since")).toMatchObject({
      type: "string",
      format: "date-time",
    });
  });

  it("gives the Idempotency-Key's pattern and length, and documents Idempotent-Replayed", () => {
    expect(parameter("/sessions", "post", "Idempotency-Key")).toMatchObject({
      pattern: "^[A-Za-z0-9_.:-]{1,255}$",
      minLength: 1,
      maxLength: 255,
    });
    const created = document.paths?.["/sessions"]?.post?.responses?.["201"] as oas31.ResponseObject;
    expect(created.headers?.["Idempotent-Replayed"]).toMatchObject({ schema: { enum: ["true"] } });
  });

  it("gives workspace paths their pattern and byte limits, and size_bytes its maximum", () => {
    const upload = component("CreateUploadRequest");
    const path = upload.properties?.path as oas31.SchemaObject;
    expect(path.pattern).toBe(WORKSPACE_PATH_PATTERN.source);
    expect(path).toMatchObject({ "x-max-utf8-bytes": 512, "x-max-segment-utf8-bytes": 233 });
    expect(parameter("/sessions/{id}/files/{path}", "get", "path").pattern).toBe(
      WORKSPACE_PATH_PATTERN.source,
    );
    expect(upload.properties?.size_bytes).toMatchObject({ maximum: 5 * 1024 ** 3 });
  });

  it("names a license and a contact", () => {
    expect(document.info.license?.name).toBeTruthy();
    expect(document.info.contact?.name).toBeTruthy();
  });
});
