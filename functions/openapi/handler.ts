import { createHash } from "node:crypto";
import { readBundledJson } from "#shared/bundle-data.ts";
import { getOpenApiDocumentRoute } from "#shared/contract/routes/service/openapi.ts";
import { apiHandler } from "#shared/http/api-handler.ts";

/**
 * The deployed bundle carries the document as JSON built when it was bundled
 * (zod-openapi and every schema stay out of the function); from source it is
 * built here. The specifier is a variable so the bundler leaves the builder out.
 */
async function loadDocument(): Promise<unknown> {
  const bundled = readBundledJson(import.meta.url, "./openapi.json");
  if (bundled !== undefined) return bundled;
  const source = "#shared/contract/openapi.ts";
  const module: typeof import("#shared/contract/openapi.ts") = await import(source);
  return module.buildOpenApiDocument();
}

// Serialized once per instance: the document depends only on the deployed code.
const json = JSON.stringify(await loadDocument());
const etag = `"${createHash("sha256").update(json).digest("base64url").slice(0, 27)}"`;

export const handler = apiHandler(getOpenApiDocumentRoute, async ({ headers }) => {
  const cacheHeaders = { "Cache-Control": "public, max-age=300", ETag: etag };
  if (headers["if-none-match"] === etag) return { status: 304, headers: cacheHeaders };
  return { status: 200, json, headers: cacheHeaders };
});
