/**
 * `npm run seed-workspace -- <session_id> [--failed]`
 * `npm run seed-workspace -- --new [--failed]`
 *
 * Writes a realistic processing workspace for a session through the API,
 * as an app and a processing worker would: each file gets a presigned PUT
 * from POST /sessions/{id}/uploads and is uploaded straight to S3.
 * input/scan.usdz, output/scan.glb, logs/blender.log (JSON lines with INFO,
 * WARNING and ERROR entries), params.json, meta.json and status.json for a
 * completed run, or with --failed for a run that failed with a Blender exit
 * code (its output is partial). --new starts a session first.
 *
 * Talks to the running `npm start` stack of DATA_DIR (default `.data`) with
 * its dev key, or to BASE_URL with API_KEY when they are set.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import * as z from "zod";
import { DEV_KEY_FILE, readEndpoints } from "../local/local-stack.ts";
import { fail } from "./target.ts";

const USAGE =
  "usage: seed-workspace <session_id> [--failed] | seed-workspace --new [--failed]\n" +
  "  BASE_URL and API_KEY override the local stack of DATA_DIR (default .data).";

interface Target {
  baseUrl: string;
  apiKey: string;
}

function target(): Target {
  const dataDir = resolve(process.env.DATA_DIR ?? ".data");
  let baseUrl = process.env.BASE_URL;
  let apiKey = process.env.API_KEY;
  try {
    baseUrl ??= readEndpoints(dataDir).baseUrl;
    apiKey ??= readFileSync(join(dataDir, DEV_KEY_FILE), "utf8").trim();
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\nOr set BASE_URL and API_KEY.`);
  }
  return { baseUrl: baseUrl.replace(/\/$/, ""), apiKey };
}

const UploadTicket = z.object({
  url: z.string(),
  method: z.literal("PUT"),
  headers: z.record(z.string(), z.string()),
});
const StartedSession = z.object({ session: z.object({ session_id: z.string() }) });
const ErrorBody = z.object({ error_code: z.string(), message: z.string() });

async function callApi(to: Target, method: string, path: string, body?: unknown) {
  const response = await fetch(`${to.baseUrl}${path}`, {
    method,
    headers: {
      "X-API-Key": to.apiKey,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = ErrorBody.safeParse(json);
    fail(
      `${method} ${path} answered ${response.status}: ${error.success ? `${error.data.error_code}: ${error.data.message}` : text}`,
    );
  }
  return json;
}

async function upload(
  to: Target,
  sessionId: string,
  path: string,
  body: Buffer,
  contentType: string,
): Promise<void> {
  const ticket = UploadTicket.parse(
    await callApi(to, "POST", `/sessions/${sessionId}/uploads`, {
      path,
      content_type: contentType,
      size_bytes: body.length,
    }),
  );
  const put = await fetch(ticket.url, { method: ticket.method, headers: ticket.headers, body });
  if (!put.ok) fail(`uploading ${path} to its presigned URL answered ${put.status}`);
  console.log(`  ${path.padEnd(18)} ${String(body.length).padStart(8)} bytes`);
}

/** A stand-in USDZ: a zip local-file header followed by opaque scan data. */
function usdz(): Buffer {
  return Buffer.concat([Buffer.from("PK\x03\x04", "latin1"), randomBytes(256 * 1024)]);
}

/** A well-formed binary glTF 2.0 file: header, JSON chunk, binary chunk. */
function glb(binaryBytes: number): Buffer {
  const json = Buffer.from(
    JSON.stringify({
      asset: { version: "2.0", generator: "Blender glTF exporter" },
      buffers: [{ byteLength: binaryBytes }],
    }),
  );
  const jsonPadded = Buffer.concat([json, Buffer.alloc((4 - (json.length % 4)) % 4, 0x20)]);
  const binary = randomBytes(binaryBytes);
  const chunk = (type: number, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(data.length, 0);
    head.writeUInt32LE(type, 4);
    return Buffer.concat([head, data]);
  };
  const body = Buffer.concat([chunk(0x4e4f534a, jsonPadded), chunk(0x004e4942, binary)]);
  const header = Buffer.alloc(12);
  header.write("glTF", 0, "latin1");
  header.writeUInt32LE(2, 4);
  header.writeUInt32LE(12 + body.length, 8);
  return Buffer.concat([header, body]);
}

interface Run {
  failed: boolean;
  startedAt: number;
}

function blenderLog(run: Run): { log: Buffer; endedAt: number } {
  const lines: string[] = [];
  let at = run.startedAt;
  const entry = (level: string, logger: string, message: string, extra = {}) => {
    at += 350 + Math.floor(Math.random() * 900);
    lines.push(
      JSON.stringify({ timestamp: new Date(at).toISOString(), level, logger, message, ...extra }),
    );
  };
  entry("INFO", "worker", "Job accepted", { stage: "download" });
  entry("INFO", "blender", "Blender 4.2.3 LTS (hash a7ecc3b) starting in background mode");
  entry("INFO", "blender.import", "Importing input/scan.usdz", { stage: "import" });
  entry("WARNING", "blender.import", "USD prim Mesh_07 has no normals; computing them");
  for (let chunk = 1; chunk <= 60; chunk += 1) {
    entry("INFO", "blender.mesh", `Cleaned mesh chunk ${chunk} of 60`, { stage: "cleanup" });
  }
  entry("WARNING", "blender.mesh", "Mesh has 14 non-manifold edges after cleanup");
  entry("INFO", "blender.mesh", "Decimating to 50% (1,204,332 -> 602,166 faces)", {
    stage: "decimate",
  });
  for (let pass = 1; pass <= 40; pass += 1) {
    entry("INFO", "blender.bake", `Texture bake pass ${pass} of 40`, { stage: "texture_bake" });
  }
  if (run.failed) {
    entry("WARNING", "worker", "Memory use at 92% of the container limit");
    entry("ERROR", "blender.bake", "Failed to allocate 2.1 GB for the 8K bake target");
    entry("CRITICAL", "worker", "Blender exited with code 137 (killed); giving up", {
      exit_code: 137,
    });
  } else {
    entry("ERROR", "blender.bake", "Bake pass 41 timed out; retrying once");
    entry("INFO", "blender.bake", "Bake pass 41 succeeded on retry");
    entry("INFO", "blender.export", "Exported output/scan.glb", { stage: "export" });
    entry("INFO", "worker", "Job finished", { stage: "done" });
  }
  return { log: Buffer.from(`${lines.join("\n")}\n`), endedAt: at };
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { failed: { type: "boolean", default: false }, new: { type: "boolean" } },
  });
  const to = target();
  let sessionId = positionals[0];
  if (values.new) {
    const started = StartedSession.parse(
      await callApi(to, "POST", "/sessions", {
        user_id: `seed-${Date.now().toString(36)}`,
        performer_id: "seed-workspace",
        session_notes: "Seeded workspace",
      }),
    );
    sessionId = started.session.session_id;
    console.log(`started session ${sessionId}`);
  }
  if (!sessionId || positionals.length > 1) fail(USAGE);

  const run: Run = { failed: values.failed === true, startedAt: Date.now() - 6 * 60_000 };
  const { log, endedAt } = blenderLog(run);
  const iso = (epochMs: number) => new Date(epochMs).toISOString();
  const status = run.failed
    ? {
        status: "failed",
        processing_stage: "texture_bake",
        progress: 62,
        started_at: iso(run.startedAt),
        failed_at: iso(endedAt),
        error_message: "Blender was killed while baking textures: out of memory",
        error_code: "BLENDER_OOM",
        blender_exit_code: 137,
        worker_version: "2.4.1",
      }
    : {
        status: "completed",
        processing_stage: "done",
        progress: 100,
        started_at: iso(run.startedAt),
        completed_at: iso(endedAt),
        blender_exit_code: 0,
        worker_version: "2.4.1",
      };

  console.log(`seeding a ${run.failed ? "failed" : "completed"} run into ${sessionId}:`);
  await upload(to, sessionId, "input/scan.usdz", usdz(), "model/vnd.usdz+zip");
  await upload(
    to,
    sessionId,
    "params.json",
    Buffer.from(JSON.stringify({ target_format: "glb", decimate_ratio: 0.5, texture_size: 8192 })),
    "application/json",
  );
  // A failed bake leaves the exporter's partial file behind.
  await upload(
    to,
    sessionId,
    "output/scan.glb",
    glb(run.failed ? 4096 : 512 * 1024),
    "model/gltf-binary",
  );
  await upload(to, sessionId, "logs/blender.log", log, "application/x-ndjson");
  if (!run.failed) {
    await upload(
      to,
      sessionId,
      "meta.json",
      Buffer.from(JSON.stringify({ format: "glb", faces: 602_166, textures: 3, lod_levels: 1 })),
      "application/json",
    );
  }
  await upload(
    to,
    sessionId,
    "status.json",
    Buffer.from(JSON.stringify(status)),
    "application/json",
  );
  console.log(`done. Investigate it with:`);
  console.log(
    `  curl -s -H "X-API-Key: $(cat ${join(process.env.DATA_DIR ?? ".data", DEV_KEY_FILE)})" ${to.baseUrl}/sessions/${sessionId}/investigate`,
  );
}

void main();
