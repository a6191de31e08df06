/**
 * Workspace files: uploads through a presigned PUT from the API, downloads
 * through the API's 307 to a presigned GET. Bytes go straight between this
 * machine and the bucket; the API only signs.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { extname } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { SingleBar } from "cli-progress";
import { createUploadRoute, getWorkspaceFileRoute } from "#shared/contract/routes/workspaces.ts";
import type { CliApi } from "./api.ts";
import { ApiError, NetworkError, UsageError } from "./errors.ts";
import { formatBytes } from "./format.ts";

/** Files above this get a progress bar (on a terminal). */
export const PROGRESS_THRESHOLD_BYTES = 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  ".json": "application/json",
  ".log": "text/plain",
  ".txt": "text/plain",
  ".glb": "model/gltf-binary",
  ".usdz": "model/vnd.usdz+zip",
};

export function guessContentType(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";
}

/** Counts bytes as they pass, for the progress bar. */
function progressCounter(total: number, show: boolean): { counter: Transform; stop: () => void } {
  const bar = show
    ? new SingleBar({
        format: " {bar} {percentage}% | {done} of {size}",
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: false,
      })
    : undefined;
  let done = 0;
  bar?.start(total, 0, { done: formatBytes(0), size: formatBytes(total) });
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      bar?.update(done, { done: formatBytes(done) });
      callback(null, chunk);
    },
  });
  return { counter, stop: () => bar?.stop() };
}

export function wantsProgress(size: number): boolean {
  return process.stderr.isTTY === true && size > PROGRESS_THRESHOLD_BYTES;
}

export async function uploadFile(
  client: CliApi,
  sessionId: string,
  localFile: string,
  workspacePath: string,
  contentType: string,
): Promise<{ size: number }> {
  let size: number;
  try {
    const info = await stat(localFile);
    if (!info.isFile()) throw new UsageError(`${localFile} is not a file.`);
    size = info.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`Cannot read ${localFile}: it does not exist or is not readable.`);
  }
  const { body: ticket } = await client.call(createUploadRoute, {
    params: { id: sessionId },
    body: { path: workspacePath, content_type: contentType, size_bytes: size },
  });
  const target = new URL(ticket.url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  const progress = progressCounter(size, wantsProgress(size));
  try {
    const answer = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = send(target, {
        method: "PUT",
        // The presigned URL signs these headers; the length must be exact.
        headers: { ...ticket.headers, "Content-Length": String(size) },
      });
      request.on("response", resolve);
      request.on("error", reject);
      pipeline(createReadStream(localFile), progress.counter, request).catch(reject);
    });
    answer.resume();
    if (answer.statusCode !== 200) {
      throw new ApiError(
        answer.statusCode ?? 0,
        "UPLOAD_FAILED",
        `The storage refused the upload with HTTP ${answer.statusCode}; request a new upload and retry.`,
        undefined,
      );
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new NetworkError(`The upload was interrupted: ${messageOf(error)}.`);
  } finally {
    progress.stop();
  }
  return { size };
}

/** Follows the API's 307 to the presigned GET and writes the body to `output` (`-`: stdout). */
export async function downloadFile(
  client: CliApi,
  sessionId: string,
  workspacePath: string,
  output: string,
  { force }: { force: boolean } = { force: false },
): Promise<{ size: number }> {
  const redirect = await client.call(getWorkspaceFileRoute, {
    params: { id: sessionId, path: workspacePath },
  });
  const location = redirect.headers.get("location");
  if (redirect.status !== 307 || !location) {
    throw new ApiError(
      redirect.status,
      "UNEXPECTED_ANSWER",
      `Expected a 307 to the file, got ${redirect.status}.`,
      undefined,
    );
  }
  let response: Response;
  try {
    response = await fetch(location);
  } catch (error) {
    throw new NetworkError(`Could not download from the storage: ${messageOf(error)}.`);
  }
  if (response.status !== 200 || !response.body) {
    throw new ApiError(
      response.status,
      "DOWNLOAD_FAILED",
      `The storage answered ${response.status}; the link may have expired, so retry.`,
      undefined,
    );
  }
  const total = Number(response.headers.get("content-length") ?? 0);
  const toStdout = output === "-";
  const progress = progressCounter(total, !toStdout && wantsProgress(total));
  let size = 0;
  let created = false;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
    if (toStdout) {
      // stdout stays open for whatever the shell does next.
      await pipeline(body, measure, process.stdout, { end: false });
    } else {
      // "wx": a file that appeared since the check is not overwritten either.
      const file = createWriteStream(output, { flags: force ? "w" : "wx" });
      file.once("open", () => {
        created = true;
      });
      await pipeline(body, measure, progress.counter, file);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new UsageError(`${output} already exists; pass --force to overwrite it.`);
    }
    if (created) await rm(output, { force: true });
    throw new NetworkError(`The download was interrupted: ${messageOf(error)}.`);
  } finally {
    progress.stop();
  }
  return { size };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
