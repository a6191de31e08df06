import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkWorkspacePath,
  classifyWorkspaceEntry,
  MAX_SEGMENT_BYTES,
  MAX_WORKSPACE_PATH_BYTES,
  WORKSPACE_PATH_PATTERN,
} from "#shared/domain/workspace-paths.ts";

function reasonFor(path: string): string | undefined {
  const check = checkWorkspacePath(path);
  return check.ok ? undefined : check.reason;
}

describe("workspace paths that are accepted", () => {
  it.each([
    ["input/scan.usdz", "input", "scan.usdz"],
    ["output/models/scan.glb", "output", "models/scan.glb"],
    ["logs/blender.log", "logs", "blender.log"],
    ["input/photo 01 (front).jpg", "input", "photo 01 (front).jpg"],
    ["input/..hidden", "input", "..hidden"],
  ])("accepts %s as a file in %s/", (path, folder, name) => {
    expect(checkWorkspacePath(path)).toEqual({
      ok: true,
      value: { kind: "folder", folder, path, name },
    });
  });

  it.each(["status.json", "params.json", "meta.json"])("accepts the root file %s", (path) => {
    expect(checkWorkspacePath(path)).toEqual({
      ok: true,
      value: { kind: "root", file: path, path, name: path },
    });
  });
});

describe("workspace paths at the storage limits", () => {
  it("accepts a name of exactly 233 bytes and a path of exactly 512 bytes", () => {
    expect(MAX_SEGMENT_BYTES).toBe(233);
    expect(checkWorkspacePath(`input/${"a".repeat(233)}`).ok).toBe(true);
    expect(checkWorkspacePath(`input/${"é".repeat(116)}a`).ok).toBe(true);
    const long = `input/${"b".repeat(200)}/${"c".repeat(200)}/${"d".repeat(512 - 6 - 402)}`;
    expect(Buffer.byteLength(long)).toBe(512);
    expect(checkWorkspacePath(long).ok).toBe(true);
  });
});

describe("workspace paths that are refused", () => {
  it.each([
    ["/etc/passwd", /relative/],
    ["/input/scan.usdz", /relative/],
    ["~/input/x", /relative/],
    ["C:/input/x", /relative/],
    ["input/../status.json", /\.\. segments/],
    ["..", /\.\. segments/],
    ["input/%2e%2e/status.json", /\.\. segments/],
    ["input/%2E%2E/x", /\.\. segments/],
    ["input/%252e%252e/x", /\.\. segments/],
    ["input%2F..%2Fx", /\.\. segments/],
    ["input\\scan.usdz", /backslash/],
    ["input/%5c..", /backslash/],
    ["input/scan\u0000.usdz", /control characters/],
    ["input/scan\n.usdz", /control characters/],
    ["input/scan%0a.usdz", /control characters/],
    ["input/\u0085x", /control characters/],
    ["input//scan.usdz", /empty segments/],
    ["input/", /empty segments/],
    ["input/./scan.usdz", /\. segments/],
    ["input/%2e/scan.usdz", /\. segments/],
    ["input/%2E/scan.usdz", /\. segments/],
    ["input/.%2E/x", /\.\. segments/],
    ["input/%2E./x", /\.\. segments/],
    ["input", /name a file inside input/],
    ["secrets/key.pem", /must be under input\//],
    ["notes.txt", /must be under input\//],
    ["Status.json", /must be under input\//],
    ["", /must not be empty/],
    [`input/${"a".repeat(MAX_WORKSPACE_PATH_BYTES)}`, /at most 512 bytes/],
    [`input/${"a/".repeat(200)}${"é".repeat(60)}`, /at most 512 bytes/],
    [`input/${"a".repeat(255)}`, /longer than 233 bytes/],
    [`input/${"a".repeat(234)}`, /longer than 233 bytes/],
    [`input/${"é".repeat(117)}`, /longer than 233 bytes/],
    [`${"a".repeat(234)}/x`, /longer than 233 bytes/],
    ["input/%2e%2e/%2e%2e/%ZZ/x", /\.\. segments/],
    ["input/%ZZ/%2e%2e/x", /\.\. segments/],
    ["input/%2525252e%2525252e/x", /\.\. segments/],
    [`input/%${"25".repeat(20)}2e%${"25".repeat(20)}2e/x`, /\.\. segments/],
    ["input/%2e%2e%2fx%ZZ", /\.\. segments/],
    ["input/%25255c%ZZ", /backslash/],
    ["input/cafe\u0301.txt", /NFC/],
    ["input/%41.txt", /must not contain %/],
    ["input/100%.txt", /must not contain %/],
  ])("refuses %j", (path, reason) => {
    expect(reasonFor(path)).toMatch(reason);
  });

  it("never accepts a path with a .. segment, however it is spelled", () => {
    const dotDot = fc.constantFrom(
      "..",
      "%2e%2e",
      "%2E.",
      ".%2e",
      "%252e%252e",
      "%2525252e%2525252e",
      "%%32%65%2e",
    );
    const noise = fc.constantFrom("", "%ZZ", "%", "%4", "100%");
    const segment = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
    fc.assert(
      fc.property(
        fc.array(segment, { maxLength: 3 }),
        dotDot,
        fc.array(segment, { maxLength: 3 }),
        noise,
        (before, dots, after, junk) => {
          const path = ["input", ...before, dots, ...after, `x${junk}`].join("/");
          expect(checkWorkspacePath(path).ok).toBe(false);
        },
      ),
    );
  });

  it("accepts only paths whose segments are all plain names", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (tail) => {
        const check = checkWorkspacePath(`input/${tail}`);
        if (check.ok) {
          const segments = check.value.path.split("/");
          expect(segments.every((part) => part !== "" && part !== "." && part !== "..")).toBe(true);
          const codes = [...check.value.path].map((char) => char.charCodeAt(0));
          expect(check.value.path).not.toContain("\\");
          expect(codes.every((code) => code >= 0x20)).toBe(true);
        }
      }),
    );
  });
});

describe("the pattern the document gives", () => {
  it("accepts exactly what the rules accept, but for NFC and byte lengths", () => {
    const piece = fc.oneof(
      fc.constantFrom(
        "input",
        "output",
        "logs",
        "status.json",
        "meta.json",
        "x",
        ".",
        "..",
        "%",
        "\\",
        "/",
        "é",
        "\u0085",
        "\u0000",
        "~",
        "C:",
      ),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), (pieces) => {
        const path = pieces.join("");
        const bytesFit =
          Buffer.byteLength(path) <= MAX_WORKSPACE_PATH_BYTES &&
          path.split("/").every((segment) => Buffer.byteLength(segment) <= MAX_SEGMENT_BYTES);
        const expected =
          WORKSPACE_PATH_PATTERN.test(path) && path.normalize("NFC") === path && bytesFit;
        expect(checkWorkspacePath(path).ok, path).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });
});

describe("classifying listed objects", () => {
  it("puts folder files, root files and anything else apart", () => {
    expect(classifyWorkspaceEntry("input/a/b.png")).toEqual({
      kind: "folder",
      folder: "input",
      name: "a/b.png",
    });
    expect(classifyWorkspaceEntry("status.json")).toEqual({ kind: "root", name: "status.json" });
    expect(classifyWorkspaceEntry("tmp/x")).toEqual({ kind: "other" });
  });
});
