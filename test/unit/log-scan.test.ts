import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EMPTY_COUNTS, LogScanner } from "#shared/domain/log-scan.ts";
import { parseTail } from "#shared/domain/log-tail.ts";
import { lineTimestamp, normalizeTimestamp } from "#shared/domain/log-timestamps.ts";
import { severityOf } from "#shared/domain/log-words.ts";
import { Redactor } from "#shared/domain/redaction.ts";

/** The obvious, whole-string way to count: what the streaming scanner must agree with. */
function referenceCounts(text: string) {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const word = (words: string) => new RegExp(`(?<![A-Za-z0-9_])(${words})(?![A-Za-z0-9_])`);
  const errors = lines.filter((line) => word("ERROR|CRITICAL").test(line)).length;
  const warnings = lines.filter(
    (line) => !word("ERROR|CRITICAL").test(line) && word("WARNING").test(line),
  ).length;
  const firstTimestamp = lines.map(lineTimestamp).find((stamp) => stamp !== null) ?? null;
  return { lines: lines.length, errors, warnings, firstTimestamp, bytes: Buffer.byteLength(text) };
}

function scanInChunks(data: Buffer, cuts: number[]) {
  const scanner = new LogScanner();
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    scanner.feed(data.subarray(from, Math.max(from, cut)));
    from = Math.max(from, cut);
  }
  scanner.feed(data.subarray(from));
  return scanner.finish();
}

const logLine = fc.oneof(
  fc.constantFrom(
    '{"timestamp":"2026-11-21T12:00:00.000Z","level":"INFO","message":"loading scan"}',
    '{"timestamp":"2026-11-21T12:00:01.500Z","level":"WARNING","message":"non-manifold mesh"}',
    '{"timestamp":"2026-11-21T12:00:02Z","level":"ERROR","message":"export failed"}',
    "2026-11-21 12:00:03,123 CRITICAL out of memory",
    "2026-11-21T12:00:04+02:00 WARNING: slow",
    "NO_ERROR_HERE and WARNINGS are not words",
    "ERRORS in plural is not ERROR_X either",
    "",
    "\u0000\u00ff binary \u0007",
  ),
  fc.string({ maxLength: 30 }),
);

describe("counting a log in chunks", () => {
  it("agrees with a whole-string count however the log is cut into chunks", () => {
    fc.assert(
      fc.property(
        fc.array(logLine, { maxLength: 40 }),
        fc.boolean(),
        fc.array(fc.nat(4000), { maxLength: 12 }),
        (lines, trailingNewline, cuts) => {
          const text = lines.join("\n") + (trailingNewline && lines.length ? "\n" : "");
          const data = Buffer.from(text);
          const counts = scanInChunks(data, cuts);
          const expected = referenceCounts(data.toString());
          expect({
            lines: counts.lines,
            errors: counts.errors,
            warnings: counts.warnings,
            firstTimestamp: counts.firstTimestamp,
            bytes: counts.bytes,
          }).toEqual(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("sees a keyword split across two chunks", () => {
    const data = Buffer.from("first line\nsomething ERROR here\nlast WARNING\n");
    const cut = data.indexOf("ERROR") + 2;
    const counts = scanInChunks(data, [cut, data.indexOf("WARNING") + 4]);
    expect(counts).toMatchObject({ lines: 3, errors: 1, warnings: 1 });
  });

  it("does not take a word cut at a chunk edge for a whole word", () => {
    const plural = Buffer.from("these ERRORS are fine\n");
    expect(scanInChunks(plural, [plural.indexOf("ERRORS") + 5])).toMatchObject({ errors: 0 });
    const long = Buffer.from(`${"x".repeat(40)}ERROR${"y".repeat(40)}\n`);
    const at = long.indexOf("ERROR");
    for (const cuts of [[at - 16, at + 5], [at - 17, at + 3], [at - 11, at + 20], [at + 5]]) {
      expect(scanInChunks(long, cuts)).toMatchObject({ lines: 1, errors: 0 });
    }
    const last = Buffer.from(`${"x ".repeat(20)}ERROR`);
    expect(scanInChunks(last, [last.length - 2])).toMatchObject({ lines: 1, errors: 1 });
  });

  it("counts a final line without a newline, and an empty log as no lines", () => {
    expect(scanInChunks(Buffer.from("a\nb ERROR"), [])).toMatchObject({ lines: 2, errors: 1 });
    expect(scanInChunks(Buffer.alloc(0), [])).toMatchObject({ lines: 0, bytes: 0 });
    expect(scanInChunks(Buffer.from("only one line"), [])).toMatchObject({ lines: 1, bytes: 13 });
  });

  it("keeps memory bounded on a line far longer than any chunk", () => {
    const scanner = new LogScanner();
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let index = 0; index < 200; index += 1) scanner.feed(chunk);
    scanner.feed(Buffer.from(" CRITICAL\nnext\n"));
    expect(scanner.finish()).toMatchObject({ lines: 2, errors: 1 });
  });

  it("resumes from a checkpoint to the same result as one pass", () => {
    const text = Array.from({ length: 500 }, (_, index) =>
      index % 7 === 0 ? `${index} ERROR boom` : index % 5 === 0 ? `${index} WARNING` : `${index}`,
    ).join("\n");
    const data = Buffer.from(text);
    const first = new LogScanner();
    first.feed(data.subarray(0, 1234));
    const checkpoint = first.checkpoint();
    expect(data[checkpoint.bytes - 1]).toBe(0x0a);
    const second = new LogScanner(checkpoint);
    second.feed(data.subarray(checkpoint.bytes));
    expect(second.finish()).toEqual(scanInChunks(data, []));
  });

  it("starts from zero by default", () => {
    expect(new LogScanner().finish()).toEqual(EMPTY_COUNTS);
  });
});

describe("timestamps", () => {
  it.each([
    ['{"timestamp":"2026-11-21T12:00:00Z","level":"INFO"}', "2026-11-21T12:00:00.000Z"],
    ['{"level":"INFO","timestamp":"2026-11-21T12:00:00.123456+01:00"}', "2026-11-21T11:00:00.123Z"],
    ["2026-11-21 12:00:03,5 INFO x", "2026-11-21T12:00:03.500Z"],
    ["[2026-11-21T12:00:03.250Z] INFO", "2026-11-21T12:00:03.250Z"],
    ['{"level":"INFO"}', null],
    ['{"timestamp": 17}', null],
    ["no time here", null],
    ["2026-13-45T99:00:00Z broken", null],
  ])("reads %j as %j", (line, expected) => {
    expect(lineTimestamp(line)).toBe(expected);
  });

  it("reads the timestamp field of a JSON line cut short", () => {
    expect(lineTimestamp('{"timestamp":"2026-11-21T12:00:00Z","message":"cut')).toBe(
      "2026-11-21T12:00:00.000Z",
    );
  });

  it("normalises offsets without a colon", () => {
    expect(normalizeTimestamp("2026-11-21T12:00:00-0130")).toBe("2026-11-21T13:30:00.000Z");
  });
});

describe("the tail window", () => {
  it("drops the partial first line when the window starts inside the log", () => {
    const lines = parseTail(Buffer.from("tial line\nsecond\nthird ERROR\n"), false);
    expect(lines.map((line) => line.text)).toEqual(["second", "third ERROR"]);
    expect(lines.map((line) => line.severity)).toEqual(["other", "error"]);
  });

  it("keeps the first line when the window starts at the beginning of the log", () => {
    expect(parseTail(Buffer.from("one\ntwo"), true).map((line) => line.text)).toEqual([
      "one",
      "two",
    ]);
  });

  it("shows a line longer than the window cut and marked", () => {
    const lines = parseTail(Buffer.from("xy ".repeat(1000)), false);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.text.startsWith("… xy xy")).toBe(true);
    expect(lines[0]?.text.endsWith("…[truncated]")).toBe(true);
  });

  it.each([
    ["a home path", "open /home/ubuntu/.aws/credentials failed", "me/ubuntu"],
    ["an ARN", "assume arn:aws:iam::123456789012:role/worker denied", ":aws:iam"],
    ["a URL", 'GET "https://internal.example/x?token=SECRET" 500', "?token=SECRET"],
    [
      "a storage location",
      "put s3://bucket-x/workspaces/dev/sess_1/logs/a.log done",
      "workspaces/dev",
    ],
  ])("shows nothing of %s that the cut of an overlong line split", (_, line, cutBefore) => {
    const redactor = new Redactor(["bucket-x"]);
    const at = line.indexOf(cutBefore);
    for (let start = 0; start <= at + 2; start += 1) {
      const [shown] = parseTail(Buffer.from(line.slice(start)), start === 0);
      const text = redactor.text(shown?.text ?? "");
      expect(text).not.toContain(cutBefore.slice(2));
      expect(text).not.toMatch(/ubuntu|123456789012|SECRET|workspaces\/dev|bucket-x/);
    }
  });

  it("shows C1 controls and bidirectional overrides as replacement characters", () => {
    const [line] = parseTail(Buffer.from("a\u009b31m b\u202ecba\u2066x\u2069"), true);
    expect(line?.text).toBe("a\uFFFD31m b\uFFFDcba\uFFFDx\uFFFD");
  });

  it("shows binary noise as printable replacement characters", () => {
    const lines = parseTail(Buffer.from([0x00, 0x41, 0xff, 0x07, 0x0d, 0x0a, 0x42]), true);
    expect(lines.map((line) => line.text)).toEqual(["\uFFFDA\uFFFD\uFFFD", "B"]);
  });

  it("classifies like the counter", () => {
    expect(severityOf(Buffer.from("a CRITICAL b"))).toBe("error");
    expect(severityOf(Buffer.from("ERROR and WARNING"))).toBe("error");
    expect(severityOf(Buffer.from("[WARNING] x"))).toBe("warning");
    expect(severityOf(Buffer.from("error warning"))).toBe("other");
  });
});

describe("the counter's work per byte", () => {
  const ordinary = Buffer.from(
    '{"timestamp":"2026-11-21T12:00:00.000Z","level":"INFO","message":"rendered frame 12 of 240 in 0.41 s"}\n'.repeat(
      2000,
    ),
  );
  const hostile: Record<string, Buffer> = {
    "back-to-back ERROR tokens": Buffer.from(`${"ERROR ".repeat(5000)}\n`.repeat(8)),
    "one line of ERROR tokens": Buffer.from("ERROR ".repeat(40_000)),
    "near-keywords": Buffer.from(`${"ERRORX CRITICA WARNINX ".repeat(2000)}\n`.repeat(4)),
    "WARNING tokens": Buffer.from(`${"WARNING ".repeat(4000)}\n`.repeat(8)),
    "ERROR and WARNING alternating": Buffer.from("ERROR WARNING\n".repeat(20_000)),
    "empty lines": Buffer.from("\n".repeat(200_000)),
    "short error lines": Buffer.from("ERROR\n".repeat(40_000)),
    "long lines without a timestamp": Buffer.from(`${"x".repeat(8000)}\n`.repeat(40)),
  };

  function workPerByte(data: Buffer, chunkBytes: number): number {
    const scanner = new LogScanner();
    for (let at = 0; at < data.length; at += chunkBytes) {
      scanner.feed(data.subarray(at, at + chunkBytes));
    }
    scanner.finish();
    return scanner.work / data.length;
  }

  const baseline = workPerByte(ordinary, 64 * 1024);

  it("does about one step per byte on an ordinary log", () => {
    expect(baseline).toBeGreaterThanOrEqual(1);
    expect(baseline).toBeLessThan(1.5);
  });

  it.each(Object.keys(hostile))(
    "does at most 3 times an ordinary log's work per byte on %s",
    (name) => {
      const data = hostile[name] ?? Buffer.alloc(0);
      for (const chunkBytes of [1, 7, 4096, 64 * 1024]) {
        expect(workPerByte(data, chunkBytes)).toBeLessThanOrEqual(3 * baseline);
      }
    },
  );
});
