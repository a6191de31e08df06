/**
 * No import circles among product modules (functions/, shared/, infra/).
 * Type-only imports count: a reader following a type meets the same circle.
 * The graph comes from the TypeScript scanner, with relative specifiers and
 * the package.json `#shared/*` and `#infra/*` aliases resolved to files.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const PRODUCT = ["functions", "shared", "infra"];
const ALIASES: Record<string, string> = { "#shared/": "shared/", "#infra/": "infra/" };

type Graph = Map<string, string[]>;

function productFiles(): string[] {
  return PRODUCT.flatMap((folder) =>
    readdirSync(join(ROOT, folder), { recursive: true, encoding: "utf8" })
      .filter((name) => /\.(ts|mts|cts|js|mjs)$/.test(name) && !name.endsWith(".d.ts"))
      .map((name) => join(folder, name)),
  );
}

/** The repository-relative file a specifier names, or undefined for a package. */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  const alias = Object.keys(ALIASES).find((prefix) => specifier.startsWith(prefix));
  let target: string;
  if (alias !== undefined) target = join(ROOT, ALIASES[alias] ?? "", specifier.slice(alias.length));
  else if (specifier.startsWith(".")) target = resolve(ROOT, dirname(from), specifier);
  else return undefined;
  return existsSync(target) ? relative(ROOT, target) : undefined;
}

function importGraph(files: readonly string[], read: (file: string) => string): Graph {
  const graph: Graph = new Map();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(read(file), true, true);
    const targets = importedFiles
      .map(({ fileName }) => resolveSpecifier(file, fileName))
      .filter((target): target is string => target !== undefined && files.includes(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The shortest way back to `start` from `start`, inside one group of modules. */
function shortestCircle(graph: Graph, start: string, group: ReadonlySet<string>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() ?? start;
    for (const next of graph.get(node) ?? []) {
      if (!group.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = node; at !== start; at = cameFrom.get(at) ?? start) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return [];
}

/** Groups of modules that reach each other (Tarjan's strongly connected components). */
function stronglyConnected(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    groups.push(group);
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return groups;
}

/** Every circle as `a → b → a`: the shortest one through each module caught in one. */
function circlesOf(graph: Graph): string[] {
  const circles = new Set<string>();
  for (const group of stronglyConnected(graph)) {
    const members = new Set(group);
    const selfLoop =
      group.length === 1 && (graph.get(group[0] ?? "") ?? []).includes(group[0] ?? "");
    if (group.length < 2 && !selfLoop) continue;
    for (const start of [...members].sort()) {
      const circle = shortestCircle(graph, start, members).slice(0, -1);
      if (circle.length === 0) continue;
      // One spelling per circle: start it at its alphabetically first module.
      const first = circle.indexOf([...circle].sort()[0] ?? "");
      const turned = [...circle.slice(first), ...circle.slice(0, first)];
      circles.add([...turned, turned[0]].join(" → "));
    }
  }
  return [...circles].sort();
}

describe("import circles", () => {
  it("has none among the modules of functions/, shared/ and infra/", () => {
    const files = productFiles();
    const graph = importGraph(files, (file) => readFileSync(join(ROOT, file), "utf8"));
    expect(graph.size).toBeGreaterThan(50);
    const circles = circlesOf(graph);
    expect(circles, `import circles:\n${circles.join("\n")}`).toEqual([]);
  });

  it("finds a circle through type-only imports and aliases, and reports it as a path", () => {
    const sources: Record<string, string> = {
      "shared/a.ts": 'import type { B } from "./b.ts";\nexport type A = { b?: B };',
      "shared/b.ts": 'import { c } from "#shared/c.ts";\nexport type B = number;',
      "shared/c.ts": 'export type { A } from "./a.ts";\nexport const c = 1;',
      "shared/d.ts": 'import { c } from "./c.ts";\nimport * as z from "zod";',
    };
    const graph = new Map<string, string[]>();
    for (const [file, text] of Object.entries(sources)) {
      const { importedFiles } = ts.preProcessFile(text, true, true);
      graph.set(
        file,
        importedFiles.map(({ fileName }) =>
          fileName.startsWith("#shared/")
            ? `shared/${fileName.slice("#shared/".length)}`
            : join(dirname(file), fileName),
        ),
      );
    }
    expect(circlesOf(graph)).toEqual(["shared/a.ts → shared/b.ts → shared/c.ts → shared/a.ts"]);
  });
});
