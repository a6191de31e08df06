import { describe, expect, it } from "vitest";
import { Redactor } from "#shared/domain/redaction.ts";

const redactor = new Redactor(["session-trail-prod-workspaces", "SessionTrailTable"]);

describe("scrubbing workspace text", () => {
  it.each([
    ["Read blend: /tmp/job-17/scene.blend", "Read blend: <path>"],
    ["Error: '/work/data/input/scan.usdz' not found", "Error: '<path>' not found"],
    ["cwd=/opt/blender", "cwd=<path>"],
    ["see ~/logs/x.txt", "see <path>"],
    ["C:\\Users\\build\\scan.usdz missing", "<path> missing"],
    ["\\\\fileserver\\share\\x", "<path>"],
    ["role arn:aws:iam::123456789012:role/worker denied", "role <arn> denied"],
    ["put s3://session-trail-prod-workspaces/workspaces/t/x", "put <storage-location>"],
    ["GET http://10.0.3.7:8080/jobs/1 failed", "GET <url> failed"],
    ["table SessionTrailTable throttled", "table <redacted> throttled"],
    ["open file:///var/lib/x", "open <path>"],
  ])("%j becomes %j", (text, expected) => {
    expect(redactor.text(text)).toBe(expected);
  });

  it.each([
    "input/scan.usdz uploaded",
    "progress 3/4 done at 12:00:01",
    "2026/11/21 date",
    "warn: retrying",
    '{"level":"INFO","message":"ok"}',
  ])("keeps %j as it is", (text) => {
    expect(redactor.text(text)).toBe(text);
  });

  it("scrubs every string of a JSON value, keys included, and keeps the rest", () => {
    expect(
      redactor.json({
        status: "failed",
        error_message: "cannot open /mnt/scratch/a.blend",
        nested: [{ "/tmp/key": 1 }, 2, null, true],
      }),
    ).toEqual({
      status: "failed",
      error_message: "cannot open <path>",
      nested: [{ "<path>": 1 }, 2, null, true],
    });
  });

  it("shows C0 and C1 controls and bidirectional overrides and isolates as U+FFFD, keeping tab and line feed", () => {
    const hostile = "a\u009b31mb\u001bc\u202ad\u202ee\u2066f\u2069g\u0085h\u007fi\tj\nk";
    expect(redactor.text(hostile)).toBe(
      "a\uFFFD31mb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFDg\uFFFDh\uFFFDi\tj\nk",
    );
    expect(redactor.json({ "\u202ekey": ["\u009b1"] })).toEqual({ "\uFFFDkey": ["\uFFFD1"] });
  });

  it("scrubs a JSON value of any depth without recursion", () => {
    const depth = 200_000;
    const deep = JSON.parse(`${'{"a":'.repeat(depth)}"/etc/x"${"}".repeat(depth)}`);
    let node = redactor.json(deep);
    for (let level = 0; level < depth; level += 1) {
      node = (node as Record<string, unknown>).a;
    }
    expect(node).toBe("<path>");
  });

  it("keeps __proto__, constructor and prototype members as data, in order", () => {
    const parsed = JSON.parse(
      '{"z":1,"__proto__":{"polluted":true},"constructor":2,"prototype":[3]}',
    );
    const scrubbed = redactor.json(parsed) as Record<string, unknown>;
    expect(Object.keys(scrubbed)).toEqual(["z", "__proto__", "constructor", "prototype"]);
    expect(JSON.stringify(scrubbed)).toBe(
      '{"z":1,"__proto__":{"polluted":true},"constructor":2,"prototype":[3]}',
    );
    expect(Object.getPrototypeOf(scrubbed)).toBe(Object.prototype);
  });
});
