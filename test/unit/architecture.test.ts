/**
 * The route table and the handlers agree: every function that serves routes
 * hands `apiHandler` exactly the routes the table gives it (the very
 * definitions, so the schemas it parses with are the ones the stack, the
 * gateway and the document use), and every function in the table has its
 * folder.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FUNCTIONS, ROUTES, type RouteDefinition } from "#shared/contract/routes.ts";
import type { RouteHandler } from "#shared/http/api-handler.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const functionNames = Object.keys(FUNCTIONS) as (keyof typeof FUNCTIONS)[];
const serving = functionNames.filter((name) => ROUTES.some((route) => route.function === name));

async function handlerOf(name: string): Promise<RouteHandler> {
  const module: { handler: RouteHandler } = await import(
    join(ROOT, "functions", name, "handler.ts")
  );
  return module.handler;
}

describe("the route table and the handlers", () => {
  it("has a handler folder for every function, and a function for every route", () => {
    for (const name of functionNames) {
      expect(existsSync(join(ROOT, "functions", name, "handler.ts")), name).toBe(true);
    }
    for (const route of ROUTES) expect(functionNames).toContain(route.function);
  });

  it.each(serving)("%s serves exactly its routes of the table, as defined there", async (name) => {
    const handler = await handlerOf(name);
    const fromTable = ROUTES.filter((route: RouteDefinition) => route.function === name);
    expect(handler.routes.map((route) => route.operationId).sort()).toEqual(
      fromTable.map((route) => route.operationId).sort(),
    );
    for (const route of handler.routes) expect(fromTable).toContain(route);
  });
});
