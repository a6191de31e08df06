import { createHash, randomBytes } from "node:crypto";
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import type { RouteInput } from "#shared/client/client.ts";
import { bucketName, tableName } from "#shared/config.ts";
import {
  endSessionRoute,
  getSessionRoute,
  startSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import { createUploadRoute, investigateSessionRoute } from "#shared/contract/routes/workspaces.ts";
import type { SessionInvestigationResponse } from "#shared/contract/schemas/investigate.ts";
import { dynamo } from "#shared/storage/clients.ts";
import { keys, LOG_SUMMARY_SK_PREFIX, objectKeys, SESSION_SK } from "#shared/storage/keys.ts";
import { s3 } from "#shared/storage/s3-client.ts";
import { newKey, uniqueTenant, uniqueUser, useStackStorage } from "../support/api.ts";
import { errorBody, firstField, refusal } from "../support/client.ts";
import { AnswerRecorder, maskPresignedUrl } from "../support/leak-scan.ts";

type Investigation = SessionInvestigationResponse;
type InvestigateOptions = RouteInput<typeof investigateSessionRoute>["query"];

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const recorder = new AnswerRecorder();

let tenant: string;
let app: string;
let support: string;
let otherTenantAdmin: string;

beforeAll(async () => {
  useStackStorage();
  tenant = uniqueTenant("investigate");
  [app, support, otherTenantAdmin] = await Promise.all([
    newKey(tenant, "app"),
    newKey(tenant, "support"),
    newKey(uniqueTenant("other"), "admin"),
  ]);
});

async function startSession(): Promise<string> {
  const answer = await recorder.client(app).call(startSessionRoute, {
    body: { user_id: uniqueUser(), performer_id: "app-ios" },
  });
  expect(answer.status).toBe(201);
  return answer.body.session.session_id;
}

async function endSession(sessionId: string): Promise<void> {
  const client = recorder.client(app);
  const session = await client.call(getSessionRoute, { params: { id: sessionId } });
  const ended = await client.call(endSessionRoute, {
    params: { id: sessionId },
    body: { user_id: session.body.user_id, performer_id: "app-ios" },
  });
  expect(ended.status).toBe(200);
}

/** Puts a fixture straight into the emulator, as a processing worker with bucket access would. */
async function put(sessionId: string, path: string, body: string | Buffer): Promise<void> {
  await s3().send(
    new PutObjectCommand({
      Bucket: bucketName(),
      Key: objectKeys.workspaceObject(tenant, sessionId, path),
      Body: body,
    }),
  );
}

/** Uploads through the API: presigned PUT, then the body straight to S3. */
async function upload(sessionId: string, path: string, body: Buffer, type: string) {
  const ticket = await recorder.client(app, maskPresignedUrl).call(createUploadRoute, {
    params: { id: sessionId },
    body: { path, content_type: type, size_bytes: body.length },
  });
  expect(ticket.status).toBe(201);
  const put = await fetch(ticket.body.url, { method: "PUT", headers: ticket.body.headers, body });
  expect(put.status).toBe(200);
}

function investigate(sessionId: string, query: InvestigateOptions = {}, key = support) {
  return recorder.client(key).call(investigateSessionRoute, { params: { id: sessionId }, query });
}

/** The exact text of the suite's latest answer, for checks on how it is written, not what it parses to. */
function lastAnswerText(): string {
  return recorder.answers.at(-1)?.body ?? "";
}

/** Resolves once the wall clock has reached `epochMs`. */
async function clockPasses(epochMs: number): Promise<void> {
  while (Date.now() < epochMs) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, epochMs - Date.now())));
  }
}

function jsonLine(second: number, level: string, message: string): string {
  const timestamp = new Date(Date.UTC(2026, 10, 21, 12, 0, second)).toISOString();
  return `${JSON.stringify({ timestamp, level, logger: "blender", message })}\n`;
}

const COMPLETED_STATUS = {
  status: "completed",
  processing_stage: "done",
  progress: 100,
  started_at: "2026-11-21T12:00:00.000Z",
  completed_at: "2026-11-21T12:04:00.000Z",
  blender_exit_code: 0,
  worker_version: "2.4.1",
};

/** Bytes that look random but are the same on every run. */
function pseudoRandomBytes(length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let index = 0; blocks.length * 32 < length; index += 1) {
    blocks.push(createHash("sha256").update(`garbage ${index}`).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

describe("a completed run", () => {
  let sessionId: string;
  let answer: Investigation;
  const log = [
    jsonLine(1, "INFO", "Blender 4.2 started"),
    jsonLine(2, "INFO", "Importing input/scan.usdz"),
    jsonLine(3, "WARNING", "Mesh has 12 non-manifold edges"),
    jsonLine(4, "INFO", "Decimating to 50%"),
    jsonLine(5, "ERROR", "Texture bake retry 1 of 3 failed; retrying"),
    jsonLine(6, "WARNING", "Using fallback UV unwrap"),
    jsonLine(7, "INFO", "Exported output/scan.glb"),
  ].join("");

  beforeAll(async () => {
    sessionId = await startSession();
    await upload(sessionId, "input/scan.usdz", randomBytes(4096), "model/vnd.usdz+zip");
    await upload(sessionId, "output/scan.glb", randomBytes(2048), "model/gltf-binary");
    await upload(sessionId, "logs/blender.log", Buffer.from(log), "text/plain");
    await upload(
      sessionId,
      "params.json",
      Buffer.from('{"target_format":"glb"}'),
      "application/json",
    );
    await upload(sessionId, "meta.json", Buffer.from('{"vertices":120000}'), "application/json");
    await upload(
      sessionId,
      "status.json",
      Buffer.from(JSON.stringify(COMPLETED_STATUS)),
      "application/json",
    );
    await endSession(sessionId);
    const response = await investigate(sessionId, { log_lines: 5 });
    expect(response.status).toBe(200);
    answer = response.body;
  });

  it("names the session and its status, and the workspace only by the session id", () => {
    expect(answer).toMatchObject({
      session_id: sessionId,
      session_status: "completed",
      lifecycle_status: "ended",
      processing_status: "completed",
      workspace_exists: true,
      workspace_path_sanitized: sessionId,
      error_details: null,
      file_errors: [],
    });
    expect(answer.created_at).toMatch(ISO_MS);
    expect(answer.expires_at).toMatch(ISO_MS);
    expect(answer.last_accessed).toMatch(ISO_MS);
    expect(answer.investigation_timestamp).toMatch(ISO_MS);
  });

  it("lists files by folder with names relative to the folder, sizes and times", () => {
    const { directories, root_files } = answer.files;
    expect(directories.input).toEqual({
      exists: true,
      file_count: 1,
      total_size_bytes: 4096,
      truncated: false,
      files: [{ name: "scan.usdz", size_bytes: 4096, modified_at: expect.stringMatching(ISO_MS) }],
    });
    expect(directories.output.files.map((file) => file.name)).toEqual(["scan.glb"]);
    expect(directories.logs.files).toEqual([
      { name: "blender.log", size_bytes: log.length, modified_at: expect.stringMatching(ISO_MS) },
    ]);
    expect(root_files.map((file) => file.name).sort()).toEqual([
      "meta.json",
      "params.json",
      "status.json",
    ]);
    expect(answer.files.truncated).toBe(false);
  });

  it("shows status.json, meta.json and params.json as written, unknown fields included", () => {
    expect(answer.status_data).toEqual(COMPLETED_STATUS);
    expect(answer.metadata).toEqual({ vertices: 120000 });
    expect(answer.parameters).toEqual({ target_format: "glb" });
  });

  it("summarises the newest log: exact counts, timestamps and the last lines", () => {
    expect(answer.logs_summary).toEqual({
      log_file: "blender.log",
      file_size_bytes: log.length,
      modified_at: expect.stringMatching(ISO_MS),
      total_lines: 7,
      error_count: 1,
      warning_count: 2,
      counts_exact: true,
      counted_bytes: log.length,
      first_timestamp: "2026-11-21T12:00:01.000Z",
      last_timestamp: "2026-11-21T12:00:07.000Z",
      last_lines: log.trim().split("\n").slice(-5),
    });
  });

  it("answers 20 lines by default and the same for an app key", async () => {
    const response = await investigate(sessionId, {}, app);
    expect(response.status).toBe(200);
    expect(response.body.logs_summary?.last_lines).toHaveLength(7);
    expect(response.body.session_status).toBe("completed");
  });
});

describe("a failed run", () => {
  let answer: Investigation;

  beforeAll(async () => {
    const sessionId = await startSession();
    await put(sessionId, "input/scan.usdz", randomBytes(1000));
    await put(
      sessionId,
      "logs/blender.log",
      [
        jsonLine(1, "INFO", "Read blend: /tmp/job-8812/scene.blend"),
        jsonLine(2, "WARNING", "Low memory: 512 MB left"),
        jsonLine(3, "ERROR", "Cannot allocate 2.1 GB for /work/cache/bake.exr"),
        jsonLine(4, "CRITICAL", "Worker arn:aws:ecs:us-east-1:123456789012:task/abc killed"),
        jsonLine(5, "INFO", "Uploading to s3://session-trail-local/workspaces/x"),
      ].join(""),
    );
    await put(
      sessionId,
      "status.json",
      JSON.stringify({
        status: "failed",
        processing_stage: "texture_bake",
        progress: 62,
        failed_at: "2026-11-21T12:00:04.500Z",
        error_message: "Out of memory while baking /work/cache/bake.exr",
        error_code: "BLENDER_OOM",
        blender_exit_code: 137,
      }),
    );
    const response = await investigate(sessionId);
    expect(response.status).toBe(200);
    answer = response.body;
  });

  it("says what failed, where, and what the Blender exit code means", () => {
    expect(answer.session_status).toBe("failed");
    expect(answer.error_details).toEqual({
      summary: expect.stringContaining("Processing failed at stage texture_bake with BLENDER_OOM"),
      error_message: "Out of memory while baking <path>",
      error_code: "BLENDER_OOM",
      processing_stage: "texture_bake",
      failed_at: "2026-11-21T12:00:04.500Z",
      blender_exit_code: 137,
      exit_code_meaning: expect.stringMatching(/killed .*memory/),
      last_error_logs: [
        expect.stringContaining("Cannot allocate 2.1 GB for <path>"),
        expect.stringContaining("Worker <arn> killed"),
      ],
    });
  });

  it("puts the failure and the missing output first among the findings", () => {
    expect(answer.findings[0]).toBe(answer.error_details?.summary);
    expect(answer.findings).toContain("logs/blender.log has 2 ERROR/CRITICAL lines.");
  });

  it("counts ERROR and CRITICAL as errors and scrubs what names the system", () => {
    expect(answer.logs_summary).toMatchObject({ error_count: 2, warning_count: 1, total_lines: 5 });
    const text = JSON.stringify(answer);
    expect(text).not.toContain("/tmp/");
    expect(text).not.toContain("/work/");
    expect(text).not.toContain("s3://");
    expect(text).toContain("Uploading to <storage-location>");
  });
});

describe("workspaces that are empty, missing or damaged", () => {
  it("answers workspace_exists false with the session's metadata when nothing was uploaded", async () => {
    const sessionId = await startSession();
    const response = await investigate(sessionId);
    expect(response.status).toBe(200);
    const empty = {
      exists: false,
      file_count: 0,
      total_size_bytes: 0,
      truncated: false,
      files: [],
    };
    expect(response.body).toMatchObject({
      session_id: sessionId,
      session_status: "active",
      lifecycle_status: "active",
      workspace_exists: false,
      files: { directories: { input: empty, output: empty, logs: empty }, root_files: [] },
      status_data: null,
      metadata: null,
      parameters: null,
      logs_summary: null,
      error_details: null,
      file_errors: [],
    });
    expect(response.body.findings).toContain(
      "The session has no workspace: nothing was uploaded for it.",
    );
  });

  it("reports an empty workspace (folders only) as existing with empty folders", async () => {
    const sessionId = await startSession();
    for (const folder of ["input/", "output/", "logs/"]) await put(sessionId, folder, "");
    const response = await investigate(sessionId);
    expect(response.status).toBe(200);
    expect(response.body.workspace_exists).toBe(true);
    expect(response.body.files.directories.input).toMatchObject({ exists: false, file_count: 0 });
    expect(response.body.logs_summary).toBeNull();
    expect(response.body.findings).toContain("input/ is empty: no input files were uploaded.");
  });

  it("reports a corrupt status.json in file_errors and answers everything else", async () => {
    const sessionId = await startSession();
    await put(sessionId, "status.json", '{"status": "processing", "progress": 4');
    await put(sessionId, "params.json", '{"target_format":"glb"}');
    await put(sessionId, "logs/blender.log", jsonLine(1, "INFO", "started"));
    const response = await investigate(sessionId);
    expect(response.status).toBe(200);
    expect(response.body.file_errors).toEqual([
      { file: "status.json", reason: "file is not valid JSON" },
    ]);
    expect(response.body.status_data).toBeNull();
    expect(response.body.parameters).toEqual({ target_format: "glb" });
    expect(response.body.logs_summary?.total_lines).toBe(1);
    expect(response.body.session_status).toBe("active");
  });

  it("reports status.json that is not an object, and a field of the wrong type", async () => {
    const first = await startSession();
    await put(first, "status.json", "[1, 2]");
    await put(first, "meta.json", randomBytes(64));
    const notObject = await investigate(first);
    expect(notObject.body.file_errors).toEqual(
      expect.arrayContaining([
        { file: "status.json", reason: "file is not a JSON object" },
        { file: "meta.json", reason: "file is not valid UTF-8 text" },
      ]),
    );
    const second = await startSession();
    await put(second, "status.json", '{"status":"exploded","progress":"half","note":"kept"}');
    const wrongType = await investigate(second);
    expect(wrongType.body.status_data).toEqual({
      status: "exploded",
      progress: "half",
      note: "kept",
    });
    expect(wrongType.body.file_errors).toEqual([
      { file: "status.json", reason: "unexpected value for status, progress" },
    ]);
    expect(wrongType.body.processing_status).toBeNull();
  });

  it("does not read a status file larger than 1 MiB", async () => {
    const sessionId = await startSession();
    await put(sessionId, "params.json", `{"pad":"${"x".repeat(1024 * 1024)}"}`);
    const response = await investigate(sessionId);
    expect(response.body.parameters).toBeNull();
    expect(response.body.file_errors).toEqual([
      { file: "params.json", reason: "file is larger than 1 MiB" },
    ]);
  });
});

describe("hostile workspace files", () => {
  it("answers 200 with a file_errors entry, on every call, for a params.json of 8,000 nested objects", async () => {
    const sessionId = await startSession();
    const nested = `${'{"a":'.repeat(8000)}1${"}".repeat(8000)}`;
    await upload(sessionId, "params.json", Buffer.from(nested), "application/json");
    for (let call = 0; call < 2; call += 1) {
      const response = await investigate(sessionId);
      expect(response.status).toBe(200);
      expect(response.body.parameters).toBeNull();
      expect(response.body.file_errors).toEqual([
        { file: "params.json", reason: "file nests deeper than 100 levels" },
      ]);
    }
  });

  it("shows every workspace JSON file however long or malformed, with file_errors at worst", async () => {
    const sessionId = await startSession();
    await upload(
      sessionId,
      "status.json",
      Buffer.from(`{"a":${"[".repeat(50_000)}`),
      "application/json",
    );
    await upload(
      sessionId,
      "meta.json",
      Buffer.from(`{"k":"${"/x".repeat(400_000)}"}`),
      "application/json",
    );
    await upload(
      sessionId,
      "params.json",
      Buffer.from(`${"[".repeat(90)}${"]".repeat(90)}`),
      "application/json",
    );
    const response = await investigate(sessionId);
    expect(response.status).toBe(200);
    expect(response.body.metadata).toEqual({ k: "<path>" });
    expect(response.body.file_errors).toEqual(
      expect.arrayContaining([
        { file: "status.json", reason: "file is not valid JSON" },
        { file: "params.json", reason: "file is not a JSON object" },
      ]),
    );
  });

  it("keeps __proto__, constructor and prototype members of a workspace JSON file as data", async () => {
    const sessionId = await startSession();
    const params =
      '{"__proto__":{"x":1},"constructor":{"y":2},"prototype":3,"n":{"__proto__":[4]}}';
    await upload(sessionId, "params.json", Buffer.from(params), "application/json");
    const response = await investigate(sessionId);
    expect(response.status).toBe(200);
    const text = lastAnswerText();
    expect(JSON.parse(text).parameters).toEqual(JSON.parse(params));
    expect(text).toContain('"parameters":{"__proto__":{"x":1}');
  });

  it("shows C1 controls and bidirectional overrides from the workspace as U+FFFD", async () => {
    const sessionId = await startSession();
    const log = "step \u009b31mred\u001b[0m \u202eevil\u202c \u2066iso\u2069\n";
    await upload(sessionId, "logs/a.log", Buffer.from(log), "text/plain");
    await upload(
      sessionId,
      "status.json",
      Buffer.from(JSON.stringify({ status: "failed", error_message: "bad \u202etxt.exe" })),
      "application/json",
    );
    const response = await investigate(sessionId);
    expect(response.status).toBe(200);
    expect(response.body.logs_summary?.last_lines).toEqual([
      "step \uFFFD31mred\uFFFD[0m \uFFFDevil\uFFFD \uFFFDiso\uFFFD",
    ]);
    expect(response.body.status_data?.error_message).toBe("bad \uFFFDtxt.exe");
    expect(response.body.error_details?.error_message).toBe("bad \uFFFDtxt.exe");
    expect(lastAnswerText()).not.toMatch(
      /[\u0080-\u009f\u202a-\u202e\u2066-\u2069]|\\u(00[89]|202[a-e]|206[6-9])/i,
    );
  });

  it("redacts what is shown of a line longer than the tail window as if the whole token were there", async () => {
    const secrets = [
      "/home/ubuntu/.aws/credentials",
      "arn:aws:iam::123456789012:role/worker",
      "https://internal.example/x?token=SECRET",
      `s3://${bucketName()}/workspaces/dev/sess_x/logs/a.log`,
    ];
    for (const secret of secrets) {
      const sessionId = await startSession();
      // The tail window (the last 64 KiB) starts four characters into the token.
      const fillerBytes =
        64 * 1024 - (Buffer.byteLength(secret) - 4) - " ".length - "tail\n".length;
      const filler = "y ".repeat(Math.floor(fillerBytes / 2)) + "y".repeat(fillerBytes % 2);
      const log = `${"x ".repeat(500)}${secret} ${filler}tail\n`;
      await upload(sessionId, "logs/a.log", Buffer.from(log), "text/plain");
      const response = await investigate(sessionId, { log_lines: 1 });
      expect(response.status).toBe(200);
      const [shown] = response.body.logs_summary?.last_lines ?? [];
      expect(shown?.startsWith("… y y")).toBe(true);
      expect(shown).not.toMatch(
        /ubuntu|credentials|123456789012|worker|token=|SECRET|workspaces\/dev|sess_x/,
      );
    }
  });
});

describe("logs", () => {
  async function logSummaryOf(content: string | Buffer, query: InvestigateOptions = {}) {
    const sessionId = await startSession();
    await put(sessionId, "logs/blender.log", content);
    const response = await investigate(sessionId, query);
    expect(response.status).toBe(200);
    return { sessionId, summary: response.body.logs_summary, answer: response.body };
  }

  it("shows binary garbage as printable text and still counts its lines", async () => {
    // Fixed bytes, so a run that finds something can be repeated.
    const garbage = Buffer.concat([pseudoRandomBytes(3000), Buffer.from("\nlast ERROR line\n")]);
    const { summary } = await logSummaryOf(garbage);
    const newlines = garbage.filter((byte) => byte === 0x0a).length;
    expect(summary?.total_lines).toBe(newlines);
    expect(summary?.last_lines.at(-1)).toBe("last ERROR line");
    for (const line of summary?.last_lines ?? []) {
      expect([...line].every((char) => char === "\t" || char.charCodeAt(0) >= 0x20)).toBe(true);
    }
    expect(summary?.error_count).toBeGreaterThanOrEqual(1);
  });

  it("counts a last line that has no newline", async () => {
    const { summary } = await logSummaryOf("first\nsecond WARNING\nthird ERROR");
    expect(summary).toMatchObject({ total_lines: 3, error_count: 1, warning_count: 1 });
    expect(summary?.last_lines).toEqual(["first", "second WARNING", "third ERROR"]);
  });

  it("handles a log of exactly one line", async () => {
    const line = jsonLine(9, "WARNING", "only line");
    const { summary } = await logSummaryOf(line);
    expect(summary).toMatchObject({
      total_lines: 1,
      warning_count: 1,
      error_count: 0,
      counts_exact: true,
      first_timestamp: "2026-11-21T12:00:09.000Z",
      last_timestamp: "2026-11-21T12:00:09.000Z",
      last_lines: [line.trim()],
    });
  });

  it("handles an empty log", async () => {
    const { summary } = await logSummaryOf("");
    expect(summary).toMatchObject({ total_lines: 0, file_size_bytes: 0, last_lines: [] });
  });

  it("counts a log larger than the tail window exactly and caches the count beside the session", async () => {
    const lines: string[] = [];
    for (let index = 1; index <= 4000; index += 1) {
      const level =
        index === 10 || index === 3990 ? "ERROR" : index % 100 === 0 ? "WARNING" : "INFO";
      lines.push(
        `2026-11-21T12:${String(Math.floor(index / 60) % 60).padStart(2, "0")}:${String(index % 60).padStart(2, "0")}.000Z ${level} step ${index} ${"·".repeat(40)}`,
      );
    }
    const content = `${lines.join("\n")}\n`;
    expect(Buffer.byteLength(content)).toBeGreaterThan(256 * 1024);
    const { sessionId, summary } = await logSummaryOf(content, { log_lines: 100 });
    expect(summary).toMatchObject({
      total_lines: 4000,
      error_count: 2,
      warning_count: 40,
      counts_exact: true,
      counted_bytes: Buffer.byteLength(content),
      first_timestamp: "2026-11-21T12:00:01.000Z",
    });
    expect(summary?.last_lines).toEqual(lines.slice(-100));

    const items = await dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: {
          ":pk": keys.sessionPartition(tenant, sessionId),
          ":prefix": LOG_SUMMARY_SK_PREFIX,
        },
      }),
    );
    expect(items.Items).toHaveLength(1);
    const item = items.Items?.[0] ?? {};
    expect(item).toMatchObject({ complete: true, lines: 4000, errors: 2 });
    expect(String(item.sk) > SESSION_SK).toBe(true);
    expect(item.ttl).toEqual(expect.any(Number));

    const again = await investigate(sessionId, { log_lines: 100 });
    expect(again.body.logs_summary).toEqual(summary);
  });

  it("summarises the newest log when there are several", async () => {
    const sessionId = await startSession();
    await put(sessionId, "logs/old.log", "old ERROR\n");
    // S3 keeps modification times to the second: the newer log must be written in a later one.
    // The emulator takes them from the file's mtime, which the kernel stamps from a coarse
    // clock a few ms behind Date.now(): a write just past the second can still get the old one.
    const head = await s3().send(
      new HeadObjectCommand({
        Bucket: bucketName(),
        Key: objectKeys.workspaceObject(tenant, sessionId, "logs/old.log"),
      }),
    );
    await clockPasses((head.LastModified?.getTime() ?? Date.now()) + 1050);
    await put(sessionId, "logs/blender.log", "newest\n");
    const response = await investigate(sessionId);
    expect(response.body.logs_summary?.log_file).toBe("blender.log");
    expect(response.body.files.directories.logs.file_count).toBe(2);
  });

  it("flags a folder with more files than the listing cap as truncated", async () => {
    const sessionId = await startSession();
    const names = Array.from({ length: 1001 }, (_, index) => `output/frame-${index}.png`);
    const queue = [...names];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let next = queue.pop(); next; next = queue.pop()) await put(sessionId, next, "x");
      }),
    );
    const response = await investigate(sessionId);
    expect(response.body.files.directories.output).toMatchObject({
      exists: true,
      file_count: 1000,
      truncated: true,
    });
    expect(response.body.files.truncated).toBe(true);
  });
});

describe("who may investigate", () => {
  it("answers 404 for another tenant's session exactly like a missing one", async () => {
    const sessionId = await startSession();
    const foreign = await refusal(investigate(sessionId, {}, otherTenantAdmin));
    const missing = await refusal(investigate("sess_AAAAAAAAAAAAAAAAAAAAAA"));
    expect(foreign.status).toBe(404);
    expect(errorBody(foreign)).toEqual(errorBody(missing));
    expect(foreign.error_code).toBe("NOT_FOUND");
  });

  it("lets a support key investigate, without writing a session event", async () => {
    const sessionId = await startSession();
    const client = recorder.client(support);
    const before = await client.call(getSessionRoute, { params: { id: sessionId } });
    const response = await investigate(sessionId, {}, support);
    expect(response.status).toBe(200);
    const after = await client.call(getSessionRoute, { params: { id: sessionId } });
    expect(after.body.last_seq).toBe(before.body.last_seq);
  });

  it("reports an ended session with no job status as completed", async () => {
    const sessionId = await startSession();
    await endSession(sessionId);
    const response = await investigate(sessionId);
    expect(response.body.session_status).toBe("completed");
    expect(response.body.lifecycle_status).toBe("ended");
  });
});

describe("log_lines", () => {
  it.each(["0", "101", "-1", "abc", "1.5"])(
    "refuses log_lines=%s with 400 naming it",
    async (value) => {
      const sessionId = "sess_AAAAAAAAAAAAAAAAAAAAAA";
      const response = await refusal(investigate(sessionId, { log_lines: value }));
      expect(response.status).toBe(400);
      expect(response.error_code).toBe("VALIDATION_ERROR");
      expect(firstField(response)).toBe("log_lines");
    },
  );

  it("accepts 1 and 100", async () => {
    const sessionId = await startSession();
    await put(sessionId, "logs/a.log", "a\nb\nc\n");
    const one = await investigate(sessionId, { log_lines: 1 });
    expect(one.body.logs_summary?.last_lines).toEqual(["c"]);
    const hundred = await investigate(sessionId, { log_lines: 100 });
    expect(hundred.body.logs_summary?.last_lines).toEqual(["a", "b", "c"]);
  });
});

describe("answers of this suite", () => {
  it("never name the bucket, the table, an ARN, a path or an SDK error", () => {
    expect(recorder.answers.length).toBeGreaterThan(40);
    expect(recorder.leaks()).toEqual([]);
  });
});
