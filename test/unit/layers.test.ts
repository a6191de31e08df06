/**
 * The layering DESIGN §1 describes, kept by a test: runtime code (functions/
 * and shared/) never imports infra/ (CDK, the local stack, the CLIs), shared/
 * never imports functions/, and the domain has no AWS SDK import.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");

function sources(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((name) => /\.(ts|js|mjs|cjs)$/.test(name))
    .map((name) => join(folder, name));
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const specifiers = [
    ...text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g),
    // A specifier kept in a variable so the bundler leaves it out still names a module.
    ...text.matchAll(/=\s*["'](#[^"']+\.ts)["']/g),
  ];
  return specifiers.map((match) => match[1] ?? "");
}

const reachesInfra = (specifier: string) =>
  specifier.startsWith("#infra/") || /(^|\/)infra\//.test(specifier);

describe("layers", () => {
  it("keeps runtime code (functions/, shared/) free of infra/ imports", () => {
    const offenders = [...sources("functions"), ...sources("shared")].flatMap((file) =>
      importsOf(file)
        .filter(reachesInfra)
        .map((specifier) => `${file} imports ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });

  it("keeps shared/ from importing functions/", () => {
    const offenders = sources("shared").flatMap((file) =>
      importsOf(file)
        .filter((specifier) => /(^|\/)functions\//.test(specifier))
        .map((specifier) => `${file} imports ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });

  it("keeps the domain free of the AWS SDK", () => {
    const offenders = sources(join("shared", "domain")).flatMap((file) =>
      importsOf(file)
        .filter(
          (specifier) => specifier.startsWith("@aws-sdk/") || specifier.startsWith("@smithy/"),
        )
        .map((specifier) => `${file} imports ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });

  it("finds the imports it checks, variable specifiers included", () => {
    const authorizer = importsOf(join("functions", "authorizer", "handler.ts"));
    expect(authorizer).toContain("#shared/contract/routes.ts");
    expect(reachesInfra("#infra/routes.ts")).toBe(true);
    expect(reachesInfra("../../infra/local/gateway/server.ts")).toBe(true);
  });
});
