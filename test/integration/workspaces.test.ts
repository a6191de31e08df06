import { randomBytes } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import type { RouteInput } from "#shared/client/client.ts";
import { bucketName } from "#shared/config.ts";
import { deleteSessionRoute, startSessionRoute } from "#shared/contract/routes/sessions.ts";
import { createUploadRoute, getWorkspaceFileRoute } from "#shared/contract/routes/workspaces.ts";
import type { UploadTicket } from "#shared/contract/schemas/workspaces.ts";
import { objectKeys } from "#shared/storage/keys.ts";
import { s3 } from "#shared/storage/s3-client.ts";
import { newKey, uniqueTenant, uniqueUser, useStackStorage } from "../support/api.ts";
import { errorBody, firstField, refusal } from "../support/client.ts";
import { AnswerRecorder, maskPresignedUrl } from "../support/leak-scan.ts";

interface ErrorAnswer {
  error_code: string;
  message: string;
  details: { fields?: { field: string; message: string }[]; max_bytes?: number };
}

const recorder = new AnswerRecorder();
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let tenant: string;
let app: string;
let support: string;
let otherTenantApp: string;
let sessionId: string;

async function startSession(key: string): Promise<string> {
  const answer = await recorder.client(key).call(startSessionRoute, {
    body: { user_id: uniqueUser(), performer_id: "app-ios" },
  });
  expect(answer.status).toBe(201);
  return answer.body.session.session_id;
}

type UploadRequest = RouteInput<typeof createUploadRoute>["body"];

function requestUpload(body: UploadRequest, key = app, session = sessionId) {
  return recorder
    .client(key, maskPresignedUrl)
    .call(createUploadRoute, { params: { id: session }, body });
}

/** The error answer of an upload ticket the API refuses. */
async function refusedUpload(body: UploadRequest, key = app, session = sessionId) {
  return refusal(requestUpload(body, key, session));
}

function getFile(path: string, key = app, session = sessionId) {
  return recorder.client(key).call(getWorkspaceFileRoute, { params: { id: session, path } });
}

/** The path as sent on the wire, encodings and all, which the typed client would encode again. */
function getFileRaw(encodedPath: string) {
  return recorder.call<ErrorAnswer>("GET", `/sessions/${sessionId}/files/${encodedPath}`, {
    key: app,
  });
}

/** Uploads a body the way a client does: ask for a URL, then PUT straight to S3. */
async function upload(path: string, body: Buffer, contentType: string): Promise<UploadTicket> {
  const ticket = await requestUpload({ path, content_type: contentType, size_bytes: body.length });
  expect(ticket.status).toBe(201);
  const put = await fetch(ticket.body.url, {
    method: ticket.body.method,
    headers: ticket.body.headers,
    body: body,
  });
  expect(put.status).toBe(200);
  return ticket.body;
}

beforeAll(async () => {
  useStackStorage();
  tenant = uniqueTenant("workspaces");
  [app, support, otherTenantApp] = await Promise.all([
    newKey(tenant, "app"),
    newKey(tenant, "support"),
    newKey(uniqueTenant("other"), "app"),
  ]);
  sessionId = await startSession(app);
});

describe("presigned uploads and downloads", () => {
  it("answers 201 with a presigned PUT that expires within the configured lifetime", async () => {
    const answer = await requestUpload({
      path: "input/scan.usdz",
      content_type: "model/vnd.usdz+zip",
      size_bytes: 1234,
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      path: "input/scan.usdz",
      url: expect.stringMatching(/^https?:\/\//),
      method: "PUT",
      headers: { "Content-Type": "model/vnd.usdz+zip" },
      size_bytes: 1234,
      expires_at: expect.stringMatching(ISO_MS),
    });
    const url = new URL(answer.body.url);
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    expect(url.pathname).toContain(`/workspaces/${tenant}/${sessionId}/input/scan.usdz`);
    const lifetime = Date.parse(answer.body.expires_at) - Date.now();
    expect(lifetime).toBeGreaterThan(800_000);
    expect(lifetime).toBeLessThanOrEqual(900_000);
  });

  it("lets a file PUT to the returned URL be downloaded through the 307 Location", async () => {
    const body = randomBytes(100_000);
    await upload("input/scan.usdz", body, "model/vnd.usdz+zip");
    const redirect = await getFile("input/scan.usdz");
    expect(redirect.status).toBe(307);
    const location = redirect.headers.get("location");
    expect(location).toMatch(/^https?:\/\/.*X-Amz-Signature=/);
    const download = await fetch(location ?? "");
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(body)).toBe(true);
  });

  it("stores root files and nested folder paths where the path says", async () => {
    const status = Buffer.from(JSON.stringify({ status: "processing", progress: 10 }));
    await upload("status.json", status, "application/json");
    await upload("output/textures/albedo.png", Buffer.from("png"), "image/png");
    const redirect = await getFile("output/textures/albedo.png");
    expect(redirect.status).toBe(307);
    const download = await fetch(redirect.headers.get("location") ?? "");
    expect(await download.text()).toBe("png");
    const statusRedirect = await getFile("status.json");
    const statusDownload = await fetch(statusRedirect.headers.get("location") ?? "");
    expect(await statusDownload.json()).toEqual({ status: "processing", progress: 10 });
  });

  it("defaults the content type to application/octet-stream", async () => {
    const answer = await requestUpload({ path: "output/blob.bin", size_bytes: 3 });
    expect(answer.status).toBe(201);
    expect(answer.body.headers).toEqual({ "Content-Type": "application/octet-stream" });
  });

  it("accepts an upload of exactly the limit and refuses one byte more with 413", async () => {
    const limit = 5 * 1024 ** 3;
    const atLimit = await requestUpload({ path: "input/big.bin", size_bytes: limit });
    expect(atLimit.status).toBe(201);
    const over = await refusedUpload({ path: "input/big.bin", size_bytes: limit + 1 });
    expect(over.status).toBe(413);
    expect(over.error_code).toBe("PAYLOAD_TOO_LARGE");
    expect(over.details?.max_bytes).toBe(limit);
  });

  it("answers 404 for a file that is not in the workspace", async () => {
    const answer = await refusal(getFile("output/never-written.glb"));
    expect(answer.status).toBe(404);
    expect(errorBody(answer)).toEqual({
      error_code: "NOT_FOUND",
      message: "File was not found.",
      details: {},
    });
  });

  it("does not serve a file of another session of the same tenant", async () => {
    const other = await startSession(app);
    const answer = await refusal(getFile("input/scan.usdz", app, other));
    expect(answer.status).toBe(404);
  });
});

describe("workspace path rules", () => {
  it.each([
    ["an absolute path", "/etc/passwd"],
    ["an absolute workspace path", "/input/scan.usdz"],
    ["a .. segment", "input/../status.json"],
    ["a percent-encoded .. segment", "input/%2e%2e/status.json"],
    ["a double-encoded .. segment", "input/%252e%252e/x"],
    ["a backslash", "input\\scan.usdz"],
    ["a control character", "input/scan\u0007.usdz"],
    ["a newline", "input/scan\n.usdz"],
    ["an empty segment", "input//scan.usdz"],
    ["a . segment", "input/./scan.usdz"],
    ["an unknown folder", "secrets/key.pem"],
    ["an unknown root file", "notes.txt"],
    ["a bare folder", "input"],
    ["an empty path", ""],
    ["an overlong path", `input/${"a/".repeat(260)}x`],
    ["a .. behind an invalid escape", "input/%2e%2e/%2e%2e/%ZZ/x"],
    ["a .. encoded five times", "input/%2525252e%2525252e/x"],
  ])("refuses an upload to %s with 400 naming the path", async (_, path) => {
    const answer = await refusedUpload({ path, size_bytes: 1 });
    expect(answer.status).toBe(400);
    expect(answer.error_code).toBe("VALIDATION_ERROR");
    expect(firstField(answer)).toBe("path");
  });

  it.each([
    ["an encoded .. between encoded slashes", "input%2F..%2Fstatus.json"],
    ["a double-encoded .. segment", "input/%252e%252e/status.json"],
    ["an encoded backslash", "input/a%5Cb"],
    ["an encoded control character", "input/a%00b"],
    ["a .. behind an invalid escape", "input/%252e%252e/%25ZZ/x"],
  ])("refuses a download of %s with 400", async (_, path) => {
    const answer = await getFileRaw(path);
    expect(answer.status).toBe(400);
    expect(answer.body.error_code).toBe("VALIDATION_ERROR");
  });

  it.each([
    ["an unknown folder", "secrets/key.pem"],
    ["an unknown root file", "notes.txt"],
  ])("refuses a download of %s with 400", async (_, path) => {
    const answer = await refusal(getFile(path));
    expect(answer.status).toBe(400);
    expect(answer.error_code).toBe("VALIDATION_ERROR");
  });

  it.each([
    ["a 255-byte name", `input/${"n".repeat(255)}`, "233 bytes"],
    ["a 240-byte name", `input/${"n".repeat(240)}`, "233 bytes"],
    ["a 234-byte name in two-byte characters", `input/${"é".repeat(117)}`, "233 bytes"],
    [
      "a 513-byte path",
      `input/${"d".repeat(200)}/${"e".repeat(200)}/${"f".repeat(105)}`,
      "512 bytes",
    ],
  ])("refuses a ticket for %s with 400 naming path and the limit", async (_, path, limit) => {
    const answer = await refusedUpload({ path, size_bytes: 1 });
    expect(answer.status).toBe(400);
    expect(firstField(answer)).toBe("path");
    expect(answer.message).toContain(limit);
  });

  it("stores, lists and deletes a file whose name and path are exactly at the limits", async () => {
    const own = await startSession(app);
    const name = `input/${"g".repeat(200)}/${"é".repeat(116)}h`;
    const ticket = await requestUpload({ path: name, size_bytes: 2 }, app, own);
    expect(ticket.status).toBe(201);
    const put = await fetch(ticket.body.url, {
      method: "PUT",
      headers: ticket.body.headers,
      body: "ok",
    });
    expect(put.status).toBe(200);
    const download = await getFile(name, app, own);
    expect(download.status).toBe(307);
    const admin = await newKey(tenant, "admin");
    const deleted = await recorder.client(admin).call(deleteSessionRoute, { params: { id: own } });
    expect(deleted.status).toBe(204);
  });

  it("refuses unknown fields, negative sizes and non-MIME content types", async () => {
    // A field the body schema does not have: the typed client will not send it.
    const unknown = await recorder.call("POST", `/sessions/${sessionId}/uploads`, {
      key: app,
      body: { path: "input/a", size_bytes: 1, bucket: "x" },
    });
    expect(unknown.status).toBe(400);
    const negative = await refusedUpload({ path: "input/a", size_bytes: -1 });
    expect(negative.status).toBe(400);
    const fractional = await refusedUpload({ path: "input/a", size_bytes: 1.5 });
    expect(fractional.status).toBe(400);
    const badType = await refusedUpload({ path: "input/a", size_bytes: 1, content_type: "x\r\ny" });
    expect(badType.status).toBe(400);
    expect(firstField(badType)).toBe("content_type");
  });
});

describe("who may upload and download", () => {
  it("answers 404 for another tenant's session, exactly like a missing one", async () => {
    const foreign = await refusedUpload({ path: "input/a", size_bytes: 1 }, otherTenantApp);
    const missing = await refusedUpload(
      { path: "input/a", size_bytes: 1 },
      app,
      "sess_AAAAAAAAAAAAAAAAAAAAAA",
    );
    expect(foreign.status).toBe(404);
    expect(errorBody(foreign)).toEqual(errorBody(missing));
    const download = await refusal(getFile("input/scan.usdz", otherTenantApp));
    expect(download.status).toBe(404);
    expect(download.error_code).toBe("NOT_FOUND");
  });

  it("lets a support key download but not upload", async () => {
    const uploadAnswer = await refusedUpload({ path: "input/a", size_bytes: 1 }, support);
    expect(uploadAnswer.status).toBe(403);
    expect(uploadAnswer.error_code).toBe("FORBIDDEN");
    const download = await getFile("input/scan.usdz", support);
    expect(download.status).toBe(307);
  });

  it("does not read an object put beside the workspace as a workspace file", async () => {
    await s3().send(
      new PutObjectCommand({
        Bucket: bucketName(),
        Key: objectKeys.workspaceObject(tenant, sessionId, "secrets/key.pem"),
        Body: "secret",
      }),
    );
    const answer = await refusal(getFile("secrets/key.pem"));
    expect(answer.status).toBe(400);
  });
});

describe("answers of this suite", () => {
  it("never name the bucket, the table, an ARN, a path or an SDK error", () => {
    expect(recorder.answers.length).toBeGreaterThan(30);
    expect(recorder.leaks()).toEqual([]);
  });
});
