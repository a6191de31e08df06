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
});
