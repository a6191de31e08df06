/**
 * Child process of the investigate bench: writes its workspace straight to
 * the S3 emulator with the service's own S3 client. Small files go up 32 at
 * a time; the log is generated in 16 MiB parts of whole JSON lines in one
 * reused buffer and sent as a multipart upload, so it is never held whole.
 * Prints progress, then `STATS {bytes, lines, errors, warnings}` of the log.
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import * as z from "zod";
import { LocalEndpoints, useLocalServices } from "#infra/local/local-stack.ts";
import { bucketName } from "#shared/config.ts";
import { objectKeys } from "#shared/storage/keys.ts";
import { s3 } from "#shared/storage/s3-client.ts";
import { progress } from "./support.ts";

const MIB = 1024 * 1024;
const PART_BYTES = 16 * MIB;

const SeedRequest = z.object({
  endpoints: LocalEndpoints,
  tenant: z.string(),
  sessionId: z.string(),
  files: z.number().int().min(5),
  logBytes: z.number().int().min(1),
});

interface LogStats {
  bytes: number;
  lines: number;
  errors: number;
  warnings: number;
}

/** The log in parts of about PART_BYTES of whole lines, written into one reused buffer. */
function* logParts(totalBytes: number, stats: LogStats): Generator<Buffer> {
  const start = Date.parse("2026-11-21T12:00:00.000Z");
  const buffer = Buffer.allocUnsafe(PART_BYTES + 4096);
  let written = 0;
  let line = 0;
  while (written < totalBytes) {
    let partBytes = 0;
    while (partBytes < PART_BYTES && written + partBytes < totalBytes) {
      line += 1;
      let level = "INFO";
      if (line % 1000 === 0) level = "ERROR";
      else if (line % 50 === 0) level = "WARNING";
      const timestamp = new Date(start + line * 7).toISOString();
      const text = `{"timestamp":"${timestamp}","level":"${level}","logger":"blender.export","message":"Processed mesh chunk ${line} (vertices=${(line * 7919) % 100_000}, faces=${(line * 104_729) % 200_000})"}\n`;
      partBytes += buffer.write(text, partBytes, "latin1");
      stats.lines += 1;
      if (level === "ERROR") stats.errors += 1;
      if (level === "WARNING") stats.warnings += 1;
    }
    written += partBytes;
    yield buffer.subarray(0, partBytes);
  }
  stats.bytes = written;
}

async function putLog(key: string, totalBytes: number): Promise<LogStats> {
  const stats: LogStats = { bytes: 0, lines: 0, errors: 0, warnings: 0 };
  const created = await s3().send(
    new CreateMultipartUploadCommand({ Bucket: bucketName(), Key: key, ContentType: "text/plain" }),
  );
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error("multipart upload was not started");
  const parts: { ETag: string; PartNumber: number }[] = [];
  const partCount = Math.ceil(totalBytes / PART_BYTES);
  for (const body of logParts(totalBytes, stats)) {
    const partNumber = parts.length + 1;
    const answer = await s3().send(
      new UploadPartCommand({
        Bucket: bucketName(),
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
        ContentLength: body.length,
      }),
    );
    parts.push({ ETag: answer.ETag ?? "", PartNumber: partNumber });
    progress(
      `  seeding ${Math.round(totalBytes / MIB)} MiB log (16 MiB parts)`,
      parts.length,
      partCount,
    );
  }
  await s3().send(
    new CompleteMultipartUploadCommand({
      Bucket: bucketName(),
      Key: key,
      UploadId: uploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
  return stats;
}

/** Status files, then input and output frames (60 / 40), one log: `count` files in all. */
async function putSmallFiles(tenant: string, sessionId: string, count: number): Promise<void> {
  const files: { path: string; body: string }[] = [
    {
      path: "status.json",
      body: JSON.stringify({
        status: "failed",
        processing_stage: "export",
        progress: 87,
        started_at: "2026-11-21T12:00:05.000Z",
        failed_at: "2026-11-21T12:25:00.000Z",
        error_message: "glTF export failed: mesh 'scan' has no UV layer",
        error_code: "EXPORT_FAILED",
        blender_exit_code: 1,
      }),
    },
    { path: "params.json", body: JSON.stringify({ target_format: "glb", decimate_ratio: 0.5 }) },
    { path: "meta.json", body: JSON.stringify({ device: "iPhone 15 Pro", capture: "lidar" }) },
  ];
  const frames = count - files.length - 1;
  const inputs = Math.ceil(frames * 0.6);
  for (let index = 0; index < frames; index += 1) {
    const folder = index < inputs ? "input" : "output";
    const extension = folder === "input" ? "heic" : "png";
    files.push({
      path: `${folder}/frames/frame-${String(index).padStart(5, "0")}.${extension}`,
      body: `frame ${index} `.repeat(20),
    });
  }
  let done = 0;
  const queue = [...files];
  const worker = async () => {
    for (let next = queue.pop(); next; next = queue.pop()) {
      await s3().send(
        new PutObjectCommand({
          Bucket: bucketName(),
          Key: objectKeys.workspaceObject(tenant, sessionId, next.path),
          Body: next.body,
        }),
      );
      done += 1;
      progress(`  seeding ${files.length} small files`, done, files.length);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

async function main(): Promise<void> {
  const request = SeedRequest.parse(JSON.parse(process.env.BENCH_SEED ?? "{}"));
  useLocalServices(request.endpoints);
  await putSmallFiles(request.tenant, request.sessionId, request.files);
  const stats = await putLog(
    objectKeys.workspaceObject(request.tenant, request.sessionId, "logs/blender.log"),
    request.logBytes,
  );
  process.stdout.write(`STATS ${JSON.stringify(stats)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
