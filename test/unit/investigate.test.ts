/**
 * The investigate use case against storage that is slow, failing or
 * partial: the time budget, sanitized reasons, resumable log counts and the
 * audit line. Storage is substituted through the use case's ports; the HTTP
 * behaviour is covered by the integration suite.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { resetConfig } from "#shared/config.ts";
import type { LogCounts } from "#shared/domain/log-scan.ts";
import type { Principal } from "#shared/domain/principal.ts";
import { deriveInvestigationStatus } from "#shared/domain/processing-status.ts";
import { logger } from "#shared/observability.ts";
import { SessionItem } from "#shared/storage/items.ts";
import type { StoredLogSummary } from "#shared/storage/log-summary-store.ts";
import type { WorkspaceListing, WorkspaceObject } from "#shared/storage/workspace-store.ts";
import { type InvestigationPorts, investigateSession } from "#shared/usecases/investigate/index.ts";

const BUDGET_MS = 1000;
const WINDOW = 4096;
const SESSION_ID = "sess_AAAAAAAAAAAAAAAAAAAAAA";
const principal: Principal = {
  tenantId: "acme",
  keyId: "key_AAAAAAAAAAAAAAAA",
  role: "support",
  scope: "tenant",
};

// Parsed as a stored item is, so fields added later take their defaults.
const session: SessionItem = SessionItem.parse({
  tenant_id: "acme",
  session_id: SESSION_ID,
  user_id: "user-1",
  status: "ended",
  created_at: "2026-11-21T12:00:00.000Z",
  updated_at: "2026-11-21T12:10:00.000Z",
  expires_at: "2026-11-21T13:00:00.000Z",
  ended_at: "2026-11-21T12:10:00.000Z",
  ended_by: "app",
  last_accessed: "2026-11-21T12:10:00.000Z",
  performer_id: "app",
  is_training_data: false,
  session_notes: null,
  training_intent_label: null,
  last_seq: 2,
  last_event_at: "2026-11-21T12:10:00.000Z",
  type_counts: {},
});

const LOG_LINE = '{"timestamp":"2026-11-21T12:00:00.000Z","level":"INFO","message":"step"}\n';
const ERROR_LINE = '{"timestamp":"2026-11-21T12:05:00.000Z","level":"ERROR","message":"boom"}\n';
const bigLog = Buffer.from(LOG_LINE.repeat(400) + ERROR_LINE);

const files: Record<string, Buffer> = {
  "status.json": Buffer.from(
    JSON.stringify({
      status: "failed",
      error_message: "crash in /opt/blender/x",
      blender_exit_code: 139,
    }),
  ),
  "input/scan.usdz": Buffer.alloc(10),
  "logs/blender.log": bigLog,
};

function object(path: string): WorkspaceObject {
  return {
    path,
    sizeBytes: files[path]?.length ?? 0,
    modifiedAt: "2026-11-21T12:06:00.000Z",
    etag: `"etag-${path}"`,
  };
}

/** Never settles until aborted, like a request to an S3 that stopped answering. */
function hang<T>(signal: AbortSignal | undefined): Promise<T> {
  return new Promise((_, reject) => {
    signal?.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
  });
}

interface Fakes {
  slowListing?: string;
  slowRead?: string;
  failRead?: string;
  /** Every listing fails, as when S3 does not answer. */
  failListings?: boolean;
  /** Chunks the log stream delivers before it stalls (undefined: the whole log). */
  streamChunks?: number;
  stored?: StoredLogSummary;
}

function ports(fakes: Fakes) {
  const written: StoredLogSummary[] = [];
  const remembered: string[] = [];
  const streamStarts: number[] = [];
  const impl: InvestigationPorts = {
    readSession: async () => session,
    listWorkspace: async (_scope, options): Promise<WorkspaceListing> => {
      if (fakes.failListings) throw new Error("connect ECONNREFUSED 127.0.0.1:4569");
      if (fakes.slowListing !== undefined && (options.under ?? "") === fakes.slowListing) {
        return hang(options.signal);
      }
      const under = options.under ?? "";
      const paths = Object.keys(files).filter((path) => path.startsWith(under));
      const direct = options.delimiter ? paths.filter((path) => !path.includes("/")) : paths;
      return {
        objects: direct.map(object),
        folders: options.delimiter ? ["input/", "logs/"] : [],
        truncated: false,
      };
    },
    readRange: async (_scope, path, first, last, signal) => {
      if (path === fakes.slowRead) return hang(signal);
      if (path === fakes.failRead) {
        throw new Error("NoSuchBucket: The specified bucket session-trail-prod does not exist");
      }
      return (files[path] ?? Buffer.alloc(0)).subarray(first, last + 1);
    },
    streamRange: async function* (_scope, path, first, last, signal) {
      streamStarts.push(first);
      const data = (files[path] ?? Buffer.alloc(0)).subarray(first, last + 1);
      for (let at = 0, sent = 0; at < data.length; at += 1000, sent += 1) {
        if (fakes.streamChunks !== undefined && sent >= fakes.streamChunks) {
          await hang(signal);
        }
        yield data.subarray(at, at + 1000);
      }
    },
    readLogSummary: async () => fakes.stored,
    writeLogSummary: async (_version, summary) => {
      written.push(summary);
      return true;
    },
    rememberProcessingStatus: async (_scope, observed) => {
      remembered.push(observed.status);
    },
  };
  return { impl, written, remembered, streamStarts };
}

beforeAll(() => {
  logger.setLogLevel("SILENT");
  process.env.INVESTIGATE_BUDGET_MS = String(BUDGET_MS);
  process.env.LOG_TAIL_WINDOW_BYTES = String(WINDOW);
  resetConfig();
});

afterAll(() => {
  delete process.env.INVESTIGATE_BUDGET_MS;
  delete process.env.LOG_TAIL_WINDOW_BYTES;
  resetConfig();
});

beforeEach(() => {
  vi.restoreAllMocks();
});

describe("the processing status for the session's statistics", () => {
  it("is remembered as status.json reports it, and not when status.json cannot be read", async () => {
    const readable = ports({});
    await investigateSession(principal, SESSION_ID, { log_lines: 5 }, readable.impl);
    expect(readable.remembered).toEqual(["failed"]);
    const unreadable = ports({ failRead: "status.json" });
    await investigateSession(principal, SESSION_ID, { log_lines: 5 }, unreadable.impl);
    expect(unreadable.remembered).toEqual([]);
  });
});

describe("the time budget", () => {
  it("answers on time with the parts that finished when a listing never returns", async () => {
    const { impl } = ports({ slowListing: "input/" });
    const started = Date.now();
    const answer = await investigateSession(principal, SESSION_ID, { log_lines: 5 }, impl);
    expect(Date.now() - started).toBeLessThan(BUDGET_MS + 250);
    expect(answer.file_errors).toContainEqual({ file: "input/", reason: "listing timed out" });
    expect(answer.status_data).toMatchObject({ status: "failed" });
    expect(answer.logs_summary?.total_lines).toBe(401);
    expect(answer.files.directories.input).toMatchObject({ exists: null, file_count: 0 });
  });

  it("reports a log tail that is not read in time and keeps the rest", async () => {
    const { impl } = ports({ slowRead: "logs/blender.log" });
    const answer = await investigateSession(principal, SESSION_ID, { log_lines: 5 }, impl);
    expect(answer.file_errors).toContainEqual({
      file: "logs/blender.log",
      reason: "read timed out",
    });
    expect(answer.logs_summary).toBeNull();
    expect(answer.error_details?.blender_exit_code).toBe(139);
  });

  it("stores a checkpoint when a log count runs out of time, and the next request resumes it", async () => {
    const first = ports({ streamChunks: 7 });
    const answer = await investigateSession(principal, SESSION_ID, { log_lines: 3 }, first.impl);
    const checkpoint = first.written[0];
    expect(checkpoint?.complete).toBe(false);
    const countedLines = Math.floor(7000 / LOG_LINE.length);
    expect(checkpoint?.counts.bytes).toBe(countedLines * LOG_LINE.length);
    // The counted start plus the whole lines of the tail window: lower bounds.
    const tailLines = Math.floor(WINDOW / LOG_LINE.length);
    expect(answer.logs_summary).toMatchObject({
      counts_exact: false,
      error_count: 1,
      total_lines: countedLines + tailLines,
      counted_bytes: countedLines * LOG_LINE.length + WINDOW,
    });
    expect(answer.logs_summary?.last_lines).toHaveLength(3);

    const second = ports({ stored: checkpoint });
    const resumed = await investigateSession(principal, SESSION_ID, { log_lines: 3 }, second.impl);
    expect(second.streamStarts).toEqual([checkpoint?.counts.bytes]);
    expect(resumed.logs_summary).toMatchObject({
      counts_exact: true,
      total_lines: 401,
      error_count: 1,
      counted_bytes: bigLog.length,
      first_timestamp: "2026-11-21T12:00:00.000Z",
      last_timestamp: "2026-11-21T12:05:00.000Z",
    });
    expect(second.written[0]?.complete).toBe(true);
  });

  it("uses a complete stored count without streaming the log", async () => {
    const counts: LogCounts = {
      bytes: bigLog.length,
      lines: 401,
      errors: 1,
      warnings: 0,
      firstTimestamp: "2026-11-21T12:00:00.000Z",
      timestampProbes: 1,
    };
    const { impl, streamStarts } = ports({
      stored: { complete: true, sizeBytes: bigLog.length, counts },
    });
    const answer = await investigateSession(principal, SESSION_ID, { log_lines: 3 }, impl);
    expect(streamStarts).toEqual([]);
    expect(answer.logs_summary).toMatchObject({ counts_exact: true, total_lines: 401 });
  });
});

describe("what one instance remembers", () => {
  function counting(fakes: Fakes) {
    const { impl } = ports(fakes);
    const calls = { lists: 0, reads: 0, summaries: 0 };
    const list = impl.listWorkspace;
    const read = impl.readRange;
    const summary = impl.readLogSummary;
    impl.listWorkspace = (scope, options) => {
      calls.lists += 1;
      return list(scope, options);
    };
    impl.readRange = (scope, path, first, last, signal) => {
      calls.reads += 1;
      return read(scope, path, first, last, signal);
    };
    impl.readLogSummary = (version, signal) => {
      calls.summaries += 1;
      return summary(version, signal);
    };
    return { impl, calls };
  }

  it("reuses a fresh listing and reads status files and the log tail once per version", async () => {
    const { impl, calls } = counting({});
    const first = await investigateSession(principal, SESSION_ID, { log_lines: 5 }, impl);
    expect(calls).toEqual({ lists: 4, reads: 2, summaries: 1 });
    const second = await investigateSession(principal, SESSION_ID, { log_lines: 5 }, impl);
    expect(calls).toEqual({ lists: 4, reads: 2, summaries: 1 });
    expect({ ...second, investigation_timestamp: "" }).toEqual({
      ...first,
      investigation_timestamp: "",
    });
  });

  it("lists again after the reuse window and reads a file again when its ETag changes", async () => {
    process.env.INVESTIGATE_LISTING_REUSE_MS = "0";
    resetConfig();
    try {
      const { impl, calls } = counting({});
      await investigateSession(principal, SESSION_ID, { log_lines: 5 }, impl);
      const list = impl.listWorkspace;
      impl.listWorkspace = async (scope, options) => {
        const listing = await list(scope, options);
        return {
          ...listing,
          objects: listing.objects.map((entry) =>
            entry.path === "status.json" ? { ...entry, etag: '"changed"' } : entry,
          ),
        };
      };
      await investigateSession(principal, SESSION_ID, { log_lines: 5 }, impl);
      expect(calls).toEqual({ lists: 8, reads: 3, summaries: 1 });
    } finally {
      delete process.env.INVESTIGATE_LISTING_REUSE_MS;
      resetConfig();
    }
  });

  it("answers 503 on time when the session itself cannot be read", async () => {
    const { impl } = ports({});
    impl.readSession = () => hang(undefined);
    const started = Date.now();
    await expect(
      investigateSession(principal, SESSION_ID, { log_lines: 5 }, impl),
    ).rejects.toMatchObject({ code: "UNAVAILABLE" });
    expect(Date.now() - started).toBeLessThan(BUDGET_MS + 250);
  });
});

describe("what the answer may say", () => {
  it("reports a storage failure with a fixed reason, never the storage's message", async () => {
    const { impl } = ports({ failRead: "status.json" });
    const answer = await investigateSession(principal, SESSION_ID, { log_lines: 5 }, impl);
    expect(answer.file_errors).toContainEqual({
      file: "status.json",
      reason: "file could not be read",
    });
    const text = JSON.stringify(answer);
    expect(text).not.toMatch(/NoSuchBucket|session-trail-prod|specified bucket/);
  });

  it("scrubs absolute paths from status.json and explains the Blender exit code", async () => {
    const { impl } = ports({});
    const answer = await investigateSession(principal, SESSION_ID, { log_lines: 5 }, impl);
    expect(answer.status_data?.error_message).toBe("crash in <path>");
    expect(answer.error_details).toMatchObject({
      error_message: "crash in <path>",
      blender_exit_code: 139,
      exit_code_meaning: expect.stringMatching(/segmentation fault/),
    });
    expect(answer.error_details?.last_error_logs).toEqual([ERROR_LINE.trim()]);
    expect(JSON.stringify(answer)).not.toContain("/opt/");
  });
});

describe("the audit line", () => {
  it("logs exactly one line with tenant, key, session and duration per investigate", async () => {
    const info = vi.spyOn(logger, "info");
    const { impl } = ports({});
    await investigateSession(principal, SESSION_ID, { log_lines: 5 }, impl);
    const audits = info.mock.calls.filter(([, extra]) => {
      return typeof extra === "object" && extra !== null && "audit" in extra;
    });
    expect(audits).toHaveLength(1);
    expect(audits[0]?.[1]).toMatchObject({
      audit: "investigate",
      tenant_id: "acme",
      key_id: principal.keyId,
      session_id: SESSION_ID,
      duration_ms: expect.any(Number),
      outcome: "ok",
    });
  });

  it("logs the line for an unknown session too", async () => {
    const info = vi.spyOn(logger, "info");
    const { impl } = ports({});
    impl.readSession = async () => undefined;
    await expect(
      investigateSession(principal, SESSION_ID, { log_lines: 5 }, impl),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(info).toHaveBeenCalledWith(
      "session investigated",
      expect.objectContaining({ outcome: "not_found", session_id: SESSION_ID }),
    );
  });
});

describe("the investigation status", () => {
  it.each([
    ["active", null, "active"],
    ["paused", null, "active"],
    ["active", "processing", "processing"],
    ["ended", "pending", "processing"],
    ["ended", null, "completed"],
    ["ended", "completed", "completed"],
    ["active", "failed", "failed"],
    ["expired", "processing", "expired"],
    ["expired", null, "expired"],
    ["expired", "failed", "failed"],
    ["expired", "completed", "completed"],
  ] as const)("a %s session with job status %s is %s", (lifecycle, processing, expected) => {
    expect(deriveInvestigationStatus(lifecycle, processing)).toBe(expected);
  });

  it.each([
    ["failed", null, "failed"],
    ["completed", null, "completed"],
    ["abandoned", null, "completed"],
    [null, null, "completed"],
    ["failed", "completed", "completed"],
    ["completed", "failed", "failed"],
  ] as const)(
    "an ended session with outcome %s and job status %s is %s",
    (outcome, processing, expected) => {
      expect(deriveInvestigationStatus("ended", processing, outcome)).toBe(expected);
    },
  );
});

describe("when storage does not answer", () => {
  it("says the workspace is unknown, names the failed listings and claims nothing is missing", async () => {
    const { impl } = ports({ failListings: true });
    const answer = await investigateSession(principal, SESSION_ID, { log_lines: 5 }, impl);
    expect(answer.workspace_exists).toBeNull();
    for (const folder of ["input", "output", "logs"] as const) {
      expect(answer.files.directories[folder].exists, folder).toBeNull();
    }
    expect(answer.processing_status).toBeNull();
    expect(answer.session_status).toBe(deriveInvestigationStatus(session.status, null));
    expect(answer.file_errors).toContainEqual({
      file: "workspace",
      reason: "listing could not be read",
    });
    const findings = answer.findings.join("\n");
    expect(findings).toContain("The workspace could not be listed (listing could not be read)");
    expect(findings).toContain("input/ could not be listed");
    expect(findings).not.toMatch(/nothing was uploaded|is empty|There is no status\.json/);
  });
});
