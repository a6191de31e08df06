/**
 * The OpenAPI 3.1 document, derived from the route table and the zod schemas
 * the handlers validate with. Nothing here lists a route, a field or an error
 * code a second time: a new route in ROUTES appears in the document as it is.
 * Its parts are in openapi/: operations, error answers, prose.
 */
import { createDocument, type oas31, type ZodOpenApiPathsObject } from "zod-openapi";
import { readConfig } from "#shared/config.ts";
import type { ErrorCode } from "#shared/domain/errors.ts";
import packageJson from "../../package.json" with { type: "json" };
import { ERROR_EXAMPLES, errorExampleId, RETRY_AFTER_HEADER } from "./openapi/errors.ts";
import { openApiPath, operationOf } from "./openapi/operations.ts";
import {
  API_KEY_HEADER,
  API_KEY_SCHEME,
  DESCRIPTION,
  RESPONSE_HEADERS,
  TAGS,
} from "./openapi/text.ts";
import { ROUTES, type RouteDefinition, STAGE } from "./routes.ts";

export { errorStatusesOf } from "./openapi/errors.ts";
export { openApiPath } from "./openapi/operations.ts";
export { API_KEY_SCHEME };

export function buildOpenApiDocument(): oas31.OpenAPIObject {
  const routes: readonly RouteDefinition[] = ROUTES;
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const method = route.method.toLowerCase() as Lowercase<RouteDefinition["method"]>;
    const item = paths[path] ?? {};
    if (item[method]) throw new Error(`Two routes for ${route.method} ${route.path}.`);
    item[method] = operationOf(route);
    paths[path] = item;
  }
  const document = createDocument({
    openapi: "3.1.0",
    info: {
      title: "Session Trail API",
      version: packageJson.version,
      description: DESCRIPTION,
      license: { name: "Proprietary (UNLICENSED)", identifier: "LicenseRef-Proprietary" },
      contact: {
        name: "Session Trail maintainers",
        url: "https://github.com/session-trail/session-trail/issues",
      },
    },
    servers: [
      {
        url: `/${STAGE}`,
        description: `Stage ${STAGE}, relative to the API's host (https://{api}.execute-api.{region}.amazonaws.com, or http://127.0.0.1:3000 for npm start).`,
      },
    ],
    security: [{ [API_KEY_SCHEME]: [] }],
    tags: TAGS.map(({ name, description }) => ({ name, description })),
    paths,
    components: {
      securitySchemes: {
        [API_KEY_SCHEME]: {
          type: "apiKey",
          in: "header",
          name: API_KEY_HEADER,
          description:
            "A tenant's API key with one role (app, support or admin), shown once when created with `npm run keys -- create`.",
        },
      },
      headers: {
        [RETRY_AFTER_HEADER]: { ...RESPONSE_HEADERS["Retry-After"], required: false },
      },
      examples: Object.fromEntries(
        Object.entries(ERROR_EXAMPLES).map(([code, { meaning, message }]) => [
          errorExampleId(code as ErrorCode),
          { summary: meaning, value: { error_code: code, message, details: {} } },
        ]),
      ),
    },
  });
  limitUploadSize(document);
  return document;
}

/** The upload limit is the deployment's setting, so the document reads it when built. */
function limitUploadSize(document: oas31.OpenAPIObject): void {
  const upload = document.components?.schemas?.CreateUploadRequest;
  const size = upload && "properties" in upload ? upload.properties?.size_bytes : undefined;
  if (!size || "$ref" in size) {
    throw new Error("CreateUploadRequest.size_bytes is not in the document.");
  }
  // Read, not cached: the document may be built before the process's settings are complete.
  size.maximum = readConfig().MAX_UPLOAD_BYTES;
}
