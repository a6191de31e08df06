/**
 * The route table and the handlers agree: every function that serves routes
 * hands `apiHandler` exactly the routes the table gives it (the very
 * definitions, so the schemas it parses with are the ones the stack, the
 * gateway and the document use), and every function in the table has its
 * folder. The README's "Add a route" recipe names the files a route touches;
 * this keeps it true.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
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

const README = readFileSync(join(ROOT, "README.md"), "utf8");

function recipe(): string {
  const start = README.indexOf("### Add a route");
  const end = README.indexOf("\n## ", start);
  return start === -1 ? "" : README.slice(start, end === -1 ? undefined : end);
}

describe('the README\'s "Add a route" recipe', () => {
  it("names only files and folders that exist (placeholders: their folder)", () => {
    const paths = [...recipe().matchAll(/`([\w./<>-]+\/[\w./<>-]*)`/g)].map(
      (match) => match[1] ?? "",
    );
    expect(paths.length).toBeGreaterThan(8);
    const missing = paths.filter((path) => {
      const known = path.includes("<") ? path.slice(0, path.indexOf("<")) : path;
      return !existsSync(join(ROOT, known));
    });
    expect(missing).toEqual([]);
  });

  it("describes where every route's parts are: a route module, its handler and both suites' entries", () => {
    const routesDir = join(ROOT, "shared", "contract", "routes");
    const routeModules = readdirSync(routesDir, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .map((file) => readFileSync(join(routesDir, file), "utf8"));
    const matrix = readFileSync(
      join(ROOT, "test", "integration", "reliability", "tenant-matrix.test.ts"),
      "utf8",
    );
    const outage = readFileSync(
      join(ROOT, "test", "integration", "reliability", "dependency-outage.test.ts"),
      "utf8",
    );
    const gaps = ROUTES.flatMap((route: RouteDefinition) => {
      const handler = readFileSync(join(ROOT, "functions", route.function, "handler.ts"), "utf8");
      const named = `${route.operationId}Route`;
      return [
        routeModules.some((text) => text.includes(`export const ${named}`))
          ? []
          : [`${route.operationId}: no definition in shared/contract/routes/`],
        handler.includes(named) ? [] : [`${route.operationId}: its handler does not name ${named}`],
        matrix.includes(route.operationId) ? [] : [`${route.operationId}: no tenant-matrix entry`],
        outage.includes(`${route.method} ${route.path}`)
          ? []
          : [`${route.operationId}: no call in the outage suite`],
      ].flat();
    });
    expect(gaps).toEqual([]);
  });
});
