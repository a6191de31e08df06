/** The OpenAPI document. */
import { OpenApiDocumentBody } from "#shared/contract/schemas/openapi.ts";
import type { RouteDefinition } from "../../route-definition.ts";

export const getOpenApiDocumentRoute = {
  method: "GET",
  path: "/openapi.json",
  function: "openapi",
  roles: "public",
  operationId: "getOpenApiDocument",
  summary: "This API's OpenAPI 3.1 document, generated from the route table and its schemas.",
  responses: { 200: { description: "The document.", schema: OpenApiDocumentBody } },
  errors: [],
} as const satisfies RouteDefinition;
