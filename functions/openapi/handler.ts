import { buildOpenApiDocument } from "#infra/openapi.ts";
import { apiHandler } from "#shared/http/api-handler.ts";

// Built once per cold start: the document depends only on the deployed code.
const document = buildOpenApiDocument();

export const handler = apiHandler({ public: true }, async () => ({
  status: 200,
  body: document,
  headers: { "Cache-Control": "public, max-age=300" },
}));
