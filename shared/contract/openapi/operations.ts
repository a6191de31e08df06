/**
 * One route as an OpenAPI operation: its parameters, headers, body and every
 * answer (success bodies with their examples, and the error answers).
 */
import * as z from "zod";
import type {
  ZodOpenApiOperationObject,
  ZodOpenApiResponseObject,
  ZodOpenApiResponsesObject,
} from "zod-openapi";
import type { ErrorCode } from "#shared/domain/errors.ts";
import type { RouteDefinition } from "../route-definition.ts";
import { ErrorBody } from "../routes.ts";
import { errorResponse, errorStatusesOf } from "./errors.ts";
import { API_KEY_SCHEME, RESPONSE_HEADERS, tagOf } from "./text.ts";

/** API Gateway's greedy `{path+}` is a plain `{path}` parameter in OpenAPI. */
export function openApiPath(resourcePath: string): string {
  return resourcePath.replace(/\{(\w+)\+\}/g, "{$1}");
}

function exampleOf(schema: z.ZodType): unknown {
  return schema.meta()?.example;
}

function jsonContent(schema: z.ZodType, example: unknown = exampleOf(schema)) {
  return {
    "application/json": example === undefined ? { schema } : { schema, example },
  };
}

function successResponse(
  status: number,
  success: RouteDefinition["responses"][number],
  errorCodes: readonly ErrorCode[] | undefined,
): ZodOpenApiResponseObject {
  const response: ZodOpenApiResponseObject = { description: success.description };
  if (success.headers?.length) {
    response.headers = Object.fromEntries(
      success.headers.map((name) => [
        name,
        RESPONSE_HEADERS[name] ?? { description: name, required: true, schema: { type: "string" } },
      ]),
    );
  }
  if (success.contentType) {
    response.content = { [success.contentType]: { schema: { type: "string" } } };
    return response;
  }
  if (!success.schema) return response;
  if (!errorCodes) {
    response.content = jsonContent(success.schema);
    return response;
  }
  // The status is also an error status: either body may come back.
  const error = errorResponse(status, errorCodes);
  const successExample = exampleOf(success.schema);
  response.description = `${success.description} Or an error: ${error.description}`;
  response.headers ??= error.headers;
  response.content = {
    "application/json": {
      schema: z.union([success.schema, ErrorBody]),
      examples: {
        ...(successExample === undefined ? {} : { success: { value: successExample } }),
        ...error.content?.["application/json"]?.examples,
      },
    },
  };
  return response;
}

function responsesOf(route: RouteDefinition): ZodOpenApiResponsesObject {
  const errors = errorStatusesOf(route);
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, success] of Object.entries(route.responses)) {
    responses[`${Number(status)}` as `2${string}`] = successResponse(
      Number(status),
      success,
      errors.get(Number(status)),
    );
  }
  for (const [status, codes] of errors) {
    const key = `${status}` as `4${string}`;
    if (!(key in responses)) responses[key] = errorResponse(status, codes);
  }
  return responses;
}

function requestParamsOf(route: RouteDefinition): ZodOpenApiOperationObject["requestParams"] {
  const { params, query } = route.request ?? {};
  if (!params && !query) return undefined;
  return {
    ...(params ? { path: asObject(params, route, "params") } : {}),
    ...(query ? { query: asObject(query, route, "query") } : {}),
  };
}

function asObject(schema: z.ZodType, route: RouteDefinition, part: string): z.ZodObject {
  if (schema instanceof z.ZodObject) return schema;
  throw new Error(`${route.method} ${route.path}: request.${part} must be a zod object schema.`);
}

export function operationOf(route: RouteDefinition): ZodOpenApiOperationObject {
  const isPublic = route.roles === "public";
  const roles = isPublic ? [] : [...route.roles];
  const operation: ZodOpenApiOperationObject = {
    operationId: route.operationId,
    summary: route.summary,
    description: isPublic
      ? "Public: no API key needed."
      : `Roles: ${roles.join(", ")}. Other roles get 403 FORBIDDEN.`,
    tags: [tagOf(route.path)],
    security: isPublic ? [] : [{ [API_KEY_SCHEME]: [] }],
    "x-required-roles": roles,
    responses: responsesOf(route),
  };
  const greedy = [...route.path.matchAll(/\{(\w+)\+\}/g)].map((match) => `\`${match[1]}\``);
  if (greedy.length) {
    operation.description += ` ${greedy.join(", ")} may span several segments: send its slashes as they are or percent-encoded as %2F, which the server reads alike.`;
  }
  const requestParams = requestParamsOf(route);
  if (requestParams) operation.requestParams = requestParams;
  const headers = Object.entries(route.request?.headers ?? {});
  if (headers.length) {
    operation.parameters = headers.map(([name, header]) => ({
      name,
      in: "header",
      description: header.description,
      required: header.required,
      schema: {
        type: "string",
        pattern: header.pattern.source,
        minLength: 1,
        maxLength: header.maxLength,
      },
    }));
  }
  if (route.request?.body) {
    const content = jsonContent(route.request.body);
    operation.requestBody = {
      required: true,
      // The edge reads a PATCH body sent as a JSON merge patch (RFC 7396) as JSON.
      content:
        route.method === "PATCH"
          ? { ...content, "application/merge-patch+json": content["application/json"] }
          : content,
    };
  }
  return operation;
}
