import { describe, expect, it } from "vitest";
import { decodePathParameter, requestTarget } from "#infra/local/request-target.ts";

describe("the local gateway's request target", () => {
  it.each([
    ["/v1/sessions/s/files/input/../input/a.txt", "/v1/sessions/s/files/input/../input/a.txt"],
    [
      "/v1/sessions/s/files/input/%2e%2e/input/a.txt",
      "/v1/sessions/s/files/input/%2e%2e/input/a.txt",
    ],
    ["/v1/sessions/s/files/input/%2E/a.txt", "/v1/sessions/s/files/input/%2E/a.txt"],
    ["/v1/sessions/s/files/input/%2e%2e/%ZZ/x", "/v1/sessions/s/files/input/%2e%2e/%ZZ/x"],
    ["/v1/../v1/health", "/v1/../v1/health"],
    ["/v1/a\\b", "/v1/a\\b"],
    ["http://localhost:3000/v1/x/../health", "/v1/x/../health"],
  ])("keeps %j as sent", (raw, pathname) => {
    expect(requestTarget(raw).pathname).toBe(pathname);
  });

  it("parses the query and leaves it out of the path", () => {
    const target = requestTarget("/v1/sessions/s/files/input/../a.txt?redirect=false&x=%2e%2e&x=2");
    expect(target.pathname).toBe("/v1/sessions/s/files/input/../a.txt");
    expect(target.searchParams.get("redirect")).toBe("false");
    expect(target.searchParams.getAll("x")).toEqual(["..", "2"]);
  });

  it("decodes a path parameter once, and hands on one that is not valid percent-encoding as sent", () => {
    expect(decodePathParameter("input/%2e%2e/a.txt")).toBe("input/../a.txt");
    expect(decodePathParameter("input/%252e%252e/a.txt")).toBe("input/%2e%2e/a.txt");
    expect(decodePathParameter("input/%2e%2e/%ZZ/x")).toBe("input/%2e%2e/%ZZ/x");
  });
});
