/**
 * The function bundles, built exactly as the stack builds them: each stays
 * within the size budget, keeps the weight it was cut from out, and can send
 * exactly the SDK calls its declared access allows.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BuiltBundle,
  buildFunctionBundle,
  MAX_BUNDLE_BYTES,
  weightByPackage,
} from "#infra/bundling.ts";
import { FUNCTIONS, type FunctionDefinition } from "#shared/contract/routes.ts";
import { accessUsedBy } from "../support/bundle-access.ts";

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const definitions: Record<string, FunctionDefinition> = FUNCTIONS;

describe("function bundles", () => {
  const outDir = mkdtempSync(join(tmpdir(), "session-trail-bundles-"));
  const bundles = new Map<string, BuiltBundle>();

  beforeAll(async () => {
    for (const name of Object.keys(definitions)) {
      bundles.set(name, await buildFunctionBundle(PROJECT_ROOT, name, outDir));
    }
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it(`keeps every bundle within ${MAX_BUNDLE_BYTES / 1024} KB minified`, () => {
    for (const [name, bundle] of bundles) {
      const heaviest = weightByPackage(bundle, 5)
        .map(([source, bytes]) => `${source} ${Math.round(bytes / 1024)} KB`)
        .join(", ");
      expect(bundle.bytes, `${name} (heaviest: ${heaviest})`).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
    }
  });

  it("leaves the AWS SDK to the runtime, the OpenAPI builder out, and zod's locales but English", () => {
    for (const [name, bundle] of bundles) {
      const inputs = Object.values(bundle.metafile.outputs).flatMap((output) =>
        Object.keys(output.inputs),
      );
      for (const heavy of [
        "node_modules/@aws-sdk/",
        "node_modules/@smithy/",
        "zod-openapi",
        "zod/v4/locales/",
      ]) {
        const found = inputs.filter(
          (input) => input.includes(heavy) && !input.endsWith("zod/v4/locales/en.js"),
        );
        expect(found, `${name}: ${heavy}`).toEqual([]);
      }
    }
  });

  it("loads every runtime package with require, none with an ESM import", () => {
    for (const [name, bundle] of bundles) {
      const code = readFileSync(bundle.file, "utf8");
      expect(code.match(/(?:from|import)\s*"@(?:aws-sdk|smithy)\/[^"]+"/g), name).toBeNull();
    }
    // And the bundle loads: required packages resolve through NODE_PATH, which
    // on Lambda names the runtime's node_modules (an ESM import would ignore it).
    const file = bundles.get("get-session")?.file ?? "";
    const loaded = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        "const m = await import(process.argv[1]); process.stdout.write(typeof m.handler);",
        pathToFileURL(file).href,
      ],
      {
        encoding: "utf8",
        env: {
          ...process.env,
          NODE_PATH: join(PROJECT_ROOT, "node_modules"),
          TABLE_NAME: "t",
          BUCKET_NAME: "b",
        },
      },
    );
    expect(loaded).toBe("function");
  });

  it("keeps the route table's schemas out of the authorizer", () => {
    const authorizer = bundles.get("authorizer");
    const inputs = Object.keys(Object.values(authorizer?.metafile.outputs ?? {})[0]?.inputs ?? {});
    // The paths are the bundle's own: a check of a path no bundle has could not fail.
    const routeTable = "shared/contract/routes.ts";
    expect(Object.keys(bundles.get("get-session")?.metafile.inputs ?? {})).toContain(
      "shared/contract/schemas/session.ts",
    );
    expect(inputs.filter((input) => input === routeTable || input.includes("/schemas/"))).toEqual(
      [],
    );
  });

  it("builds only its own routes' definitions and schemas", async () => {
    for (const [name, bundle] of bundles) {
      const inputs = Object.keys(bundle.metafile.inputs);
      // No area list (routes/sessions.ts) and not the table: they import every route's schemas.
      const lists = inputs.filter((input) =>
        /^shared\/contract\/routes(\/[a-z]+)?\.ts$/.test(input),
      );
      expect(
        lists.filter((input) => !input.endsWith("/roles.ts")),
        name,
      ).toEqual([]);
      for (const input of inputs.filter((each) => each.startsWith("shared/contract/routes/"))) {
        const exported: Record<string, unknown> = await import(join(PROJECT_ROOT, input));
        for (const value of Object.values(exported)) {
          if (typeof value === "object" && value !== null && "operationId" in value) {
            const served = "function" in value ? value.function : undefined;
            expect(served, `${name} builds ${input}`).toBe(name);
          }
        }
      }
    }
    const schemasOf = (name: string) =>
      Object.keys(bundles.get(name)?.metafile.inputs ?? {})
        .filter((input) => input.startsWith("shared/contract/schemas/"))
        .sort();
    expect(schemasOf("get-session")).toEqual([
      "shared/contract/schemas/common.ts",
      "shared/contract/schemas/session.ts",
    ]);
    expect(schemasOf("query-events")).not.toContain("shared/contract/schemas/event-append.ts");
  });

  it("loads none of the SDK at start in a function that makes no SDK call, tracing on", () => {
    const sdkFree = Object.entries(definitions)
      .filter(([, { access, manageConnections }]) => {
        return access.table.length + access.bucket.length === 0 && !manageConnections;
      })
      .map(([name]) => name);
    expect(sdkFree).toEqual(expect.arrayContaining(["viewer", "openapi"]));
    for (const name of sdkFree) {
      const loaded = execFileSync(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `import { createRequire } from "node:module";
           await import(process.argv[1]);
           const files = Object.keys(createRequire(import.meta.url).cache);
           process.stdout.write(JSON.stringify(files.filter((file) => file.includes("/@aws-sdk/") || file.includes("/@smithy/"))));`,
          pathToFileURL(bundles.get(name)?.file ?? "").href,
        ],
        {
          encoding: "utf8",
          env: {
            PATH: process.env.PATH,
            NODE_PATH: join(PROJECT_ROOT, "node_modules"),
            AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
            AWS_REGION: "us-east-1",
            POWERTOOLS_TRACE_ENABLED: "true",
            AWS_XRAY_CONTEXT_MISSING: "IGNORE_ERROR",
          },
        },
      );
      expect(JSON.parse(loaded), name).toEqual([]);
    }
  });

  it("ships the OpenAPI document and the authorizer's route access as data", () => {
    const openapi = JSON.parse(readFileSync(join(outDir, "openapi", "openapi.json"), "utf8"));
    expect(openapi.openapi).toBe("3.1.0");
    const access = JSON.parse(
      readFileSync(join(outDir, "authorizer", "route-access.json"), "utf8"),
    );
    expect(access).toContainEqual({ method: "GET", path: "/health", roles: "public" });
    // The viewer's page inlines its script as built for the browser, not its TypeScript source.
    const viewerScript = readFileSync(join(outDir, "viewer", "viewer.js"), "utf8");
    expect(viewerScript).toContain("session-trail.api-key");
    expect(existsSync(join(outDir, "viewer", "assets", "viewer.ts"))).toBe(false);
  });

  it("declares exactly the table and bucket actions each function's code can perform", () => {
    for (const [name, bundle] of bundles) {
      const used = accessUsedBy(readFileSync(bundle.file, "utf8"));
      const declared = definitions[name]?.access;
      expect(used.table, `${name} table`).toEqual([...(declared?.table ?? [])].sort());
      expect(used.bucket, `${name} bucket`).toEqual([...(declared?.bucket ?? [])].sort());
    }
  });

  it("builds the table's low-level item commands only in its translation, so the access rules above hold", () => {
    const builders: string[] = [];
    for (const folder of ["shared", "functions"]) {
      for (const file of readdirSync(join(PROJECT_ROOT, folder), { recursive: true })) {
        const path = join(folder, String(file));
        if (!path.endsWith(".ts")) continue;
        const code = readFileSync(join(PROJECT_ROOT, path), "utf8");
        if (
          /new (GetItem|PutItem|UpdateItem|DeleteItem|BatchGetItem|BatchWriteItem|TransactWriteItems|QueryItems)Command\(/.test(
            code,
          )
        ) {
          builders.push(path);
        }
      }
    }
    expect(builders).toEqual(["shared/storage/documents.ts"]);
  });
});
