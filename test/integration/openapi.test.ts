import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "#shared/contract/openapi.ts";
import { api } from "../support/api.ts";

describe("GET /v1/openapi.json", () => {
  it("answers the generated OpenAPI 3.1 document without an API key", async () => {
    const answer = await api<{ openapi: string }>("GET", "/openapi.json");

    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    expect(answer.headers.get("cache-control")).toBe("public, max-age=300");
    expect(answer.body.openapi).toMatch(/^3\.1\.\d+$/);
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });

  it("is answered even with an unknown key, since the route is public", async () => {
    const answer = await api("GET", "/openapi.json", { key: "st_not-a-real-key" });

    expect(answer.status).toBe(200);
  });
});
