/**
 * A status.json whose writer used other field names: investigate says which
 * fields it reads are missing and which it found but does not read.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { startSessionRoute } from "#shared/contract/routes/sessions.ts";
import { investigateSessionRoute } from "#shared/contract/routes/workspaces.ts";
import { newKey, uniqueTenant, uniqueUser, uploadThroughApi } from "../support/api.ts";
import { stackClient } from "../support/client.ts";

let key: string;

beforeAll(async () => {
  key = await newKey(uniqueTenant("status-fields"), "admin");
});

async function investigateWith(status: Record<string, unknown>) {
  const client = stackClient(key);
  const started = await client.call(startSessionRoute, {
    body: { user_id: uniqueUser("status-fields"), performer_id: "test" },
  });
  expect(started.status).toBe(201);
  const id = started.body.session.session_id;
  await uploadThroughApi(key, id, "status.json", JSON.stringify(status), "application/json");
  const answer = await client.call(investigateSessionRoute, { params: { id } });
  expect(answer.status).toBe(200);
  return answer.body;
}

describe("status.json field names", () => {
  it("names the missing known fields and the unknown ones when a failure uses other names", async () => {
    const body = await investigateWith({
      status: "failed",
      stage: "texture_bake",
      error: "out of memory",
      exit_code: 137,
    });
    expect(body.error_details?.summary).toBe("Processing failed.");
    expect(body.findings).toContain(
      "status.json has no processing_stage, error_code, error_message, blender_exit_code, failed_at (fields investigate reads) but has stage, error, exit_code, which investigate does not read; docs/investigate.md lists the fields.",
    );
  });

  it("says nothing of field names when the known ones are there", async () => {
    const body = await investigateWith({
      status: "failed",
      processing_stage: "texture_bake",
      error_code: "BLENDER_OOM",
      error_message: "out of memory",
      blender_exit_code: 137,
      failed_at: "2026-11-21T12:19:30.000Z",
      worker: "render-3",
    });
    expect(body.findings.some((finding) => finding.includes("does not read"))).toBe(false);
  });
});
