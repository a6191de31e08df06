/**
 * `shared/storage/keys.ts` promises to be the only place that knows key
 * strings and index attribute names. This keeps the promise: a storage or
 * use-case module that spells a key prefix, an index attribute or takes a key
 * apart by hand fails here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { INDEX_KEY_ATTRIBUTES } from "#shared/storage/keys.ts";

const ROOT = join(import.meta.dirname, "..", "..", "shared");
const KEY_MODULE = join("storage", "keys.ts");

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .map((name) => join(folder, name))
    .filter((name) => name !== KEY_MODULE);
}

const tableAttributes = new Set<string>(Object.values(INDEX_KEY_ATTRIBUTES.table));
const indexAttributes = [
  ...new Set(
    Object.values(INDEX_KEY_ATTRIBUTES).flatMap((attributes) => [
      attributes.partition,
      attributes.sort,
    ]),
  ),
].filter((name) => !tableAttributes.has(name));

/** Code only: comments may name keys to explain them. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

const FORBIDDEN: { what: string; pattern: RegExp }[] = [
  { what: 'a key prefix such as "T#" or "E#"', pattern: /["'`][A-Z]{1,8}#/ },
  { what: 'taking a key apart with split("#")', pattern: /split\(\s*["'`]#["'`]\s*\)/ },
  { what: 'a placeholder key (pk: "")', pattern: /\b(pk|sk)\s*:\s*["'`]["'`]/ },
  ...indexAttributes.map((name) => ({
    what: `the index attribute ${name}`,
    pattern: new RegExp(`\\b${name}\\b`),
  })),
];

describe("the key module is the only place that knows key strings", () => {
  const files = ["storage", "usecases", "domain", "http"].flatMap(sourceFiles);

  it("finds the modules it guards", () => {
    expect(files).toContain(join("storage", "sessions", "create.ts"));
    expect(files).toContain(join("storage", "events", "ranges.ts"));
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files)("%s spells no key prefix, index attribute or hand-made key", (file) => {
    const text = withoutComments(readFileSync(join(ROOT, file), "utf8"));
    const found = FORBIDDEN.filter(({ pattern }) => pattern.test(text)).map(({ what }) => what);
    expect(found).toEqual([]);
  });

  it("would catch a module that builds a key by hand", () => {
    const sample = 'const pk = "T#" + tenant; query("gsi1pk = :p"); sk.split("#");';
    const found = FORBIDDEN.filter(({ pattern }) => pattern.test(sample)).map(({ what }) => what);
    expect(found).toEqual(expect.arrayContaining([FORBIDDEN[0]?.what, FORBIDDEN[1]?.what]));
    expect(found).toContain("the index attribute gsi1pk");
  });
});
