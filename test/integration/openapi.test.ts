import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "#shared/contract/openapi.ts";
import { getOpenApiDocumentRoute } from "#shared/contract/routes/service.ts";
import { stackClient } from "../support/client.ts";

describe("GET /v1/openapi.json", () => {
  it("answers the generated OpenAPI 3.1 document without an API key", async () => {
    const answer = await stackClient().call(getOpenApiDocumentRoute);

    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    expect(answer.headers.get("cache-control")).toBe("public, max-age=300");
    expect(answer.body.openapi).toMatch(/^3\.1\.\d+$/);
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });

  it("is answered even with an unknown key, since the route is public", async () => {
    const answer = await stackClient("st_not-a-real-key").call(getOpenApiDocumentRoute);

    expect(answer.status).toBe(200);
  });
});
