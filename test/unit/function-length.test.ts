/**
 * Functions at the edges stay short enough to read in one screen: a handler,
 * a store, a use case or the local gateway that grows past the limit fails
 * here and is split into named steps.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const MAX_LINES = 60;
const FOLDERS = ["functions", "shared/http", "shared/storage", "shared/usecases", "infra/local"];

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .map((name) => relative(ROOT, join(ROOT, folder, name)))
    .sort();
}

interface Measured {
  name: string;
  line: number;
  lines: number;
}

function nameOf(node: ts.FunctionLikeDeclaration, source: ts.SourceFile): string {
  if (node.name !== undefined) return node.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) {
    return parent.name.getText(source);
  }
  return "(anonymous)";
}

/** Every function-like node with its line span, nested ones included. */
function measureFunctions(fileName: string, text: string): Measured[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: Measured[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ name: nameOf(node, source), line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("no function at the edges is longer than about a screen", () => {
  const files = FOLDERS.flatMap(sourceFiles);

  it("finds the modules it guards and measures what it should", () => {
    expect(files).toContain(join("infra", "local", "gateway", "server.ts"));
    expect(files).toContain(join("shared", "storage", "sessions", "transition.ts"));
    expect(files).toContain(join("functions", "viewer", "assets", "viewer.ts"));
    expect(files).not.toContain(join("shared", "usecases", "investigate.ts"));
    const sample = [
      "function a() {",
      ...Array.from({ length: MAX_LINES }, () => "  work();"),
      "}",
      "const b = () => 1;",
      "class C { m() {\n return 2;\n } }",
    ].join("\n");
    expect(measureFunctions("sample.ts", sample)).toEqual([
      { name: "a", line: 1, lines: MAX_LINES + 2 },
      { name: "b", line: MAX_LINES + 3, lines: 1 },
      { name: "m", line: MAX_LINES + 4, lines: 3 },
    ]);
  });

  it.each(files)(`%s has no function over ${MAX_LINES} lines`, (file) => {
    const long = measureFunctions(file, readFileSync(join(ROOT, file), "utf8"))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ name, line, lines }) => `${name} (line ${line}): ${lines} lines`);
    expect(long).toEqual([]);
  });
});
