/**
 * S3 adapter for per-session workspaces: presigned uploads and downloads,
 * bounded listings and bounded reads. Every read names an explicit byte range
 * computed from a size S3 reported (never a suffix range), so a large object
 * is never pulled whole by accident and the local emulator answers correctly.
 */
import { Readable } from "node:stream";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { bucketName, config } from "../config.ts";
import { objectKeys } from "./keys.ts";
import { s3 } from "./s3-client.ts";

/** Deletes every object under the session's prefix, a page (≤ 1,000 keys) at a time. */
export async function deleteWorkspace(tenant: string, sessionId: string): Promise<number> {
  const prefix = objectKeys.workspacePrefix(tenant, sessionId);
  let removed = 0;
  let token: string | undefined;
  do {
    const page = await s3().send(
      new ListObjectsV2Command({ Bucket: bucketName(), Prefix: prefix, ContinuationToken: token }),
    );
    const objects = (page.Contents ?? []).flatMap((object) =>
      object.Key ? [{ Key: object.Key }] : [],
    );
    if (objects.length > 0) {
      const result = await s3().send(
        new DeleteObjectsCommand({
          Bucket: bucketName(),
          Delete: { Objects: objects, Quiet: true },
        }),
      );
      if (result.Errors && result.Errors.length > 0) {
        throw new Error(`workspace delete left ${result.Errors.length} objects`);
      }
      removed += objects.length;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return removed;
}

/** One object of a workspace listing, named relative to the workspace. */
export interface WorkspaceObject {
  path: string;
  sizeBytes: number;
  modifiedAt: string;
  etag: string;
}

export interface WorkspaceListing {
  objects: WorkspaceObject[];
  /** Relative prefixes directly under the listed one (`input/`, …); only with a delimiter. */
  folders: string[];
  /** More objects exist than were listed. */
  truncated: boolean;
}

/** Largest page S3 returns, and so the most objects one listing call reports. */
export const MAX_LIST_KEYS = 1000;

export interface WorkspaceScope {
  tenant: string;
  sessionId: string;
}

/** Whether an S3 error means "no such object" (GetObject's NoSuchKey, HeadObject's bare 404). */
export function isMissingObject(error: unknown): boolean {
  return error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404;
}

/**
 * One listing call under the workspace (or one of its folders). With
 * `delimiter`, objects in sub-folders are reported as folders instead.
 */
export async function listWorkspace(
  scope: WorkspaceScope,
  options: { under?: string; delimiter?: boolean; maxKeys: number; signal?: AbortSignal },
): Promise<WorkspaceListing> {
  const prefix = objectKeys.workspaceObject(scope.tenant, scope.sessionId, options.under ?? "");
  const page = await s3().send(
    new ListObjectsV2Command({
      Bucket: bucketName(),
      Prefix: prefix,
      Delimiter: options.delimiter ? "/" : undefined,
      MaxKeys: Math.min(options.maxKeys, MAX_LIST_KEYS),
    }),
    { abortSignal: options.signal },
  );
  const objects = (page.Contents ?? []).flatMap((object): WorkspaceObject[] => {
    const path =
      object.Key === undefined
        ? undefined
        : objectKeys.relativePath(scope.tenant, scope.sessionId, object.Key);
    if (path === undefined || path === "" || path.endsWith("/")) return [];
    return [
      {
        path,
        sizeBytes: object.Size ?? 0,
        modifiedAt: (object.LastModified ?? new Date(0)).toISOString(),
        etag: object.ETag ?? "",
      },
    ];
  });
  const folders = (page.CommonPrefixes ?? []).flatMap((entry) => {
    const path =
      entry.Prefix === undefined
        ? undefined
        : objectKeys.relativePath(scope.tenant, scope.sessionId, entry.Prefix);
    return path ? [path] : [];
  });
  return { objects, folders, truncated: page.IsTruncated === true };
}

async function openRange(
  scope: WorkspaceScope,
  path: string,
  first: number,
  last: number,
  signal: AbortSignal | undefined,
): Promise<Readable> {
  if (first < 0 || last < first) throw new RangeError("empty or negative byte range");
  const answer = await s3().send(
    new GetObjectCommand({
      Bucket: bucketName(),
      Key: objectKeys.workspaceObject(scope.tenant, scope.sessionId, path),
      Range: `bytes=${first}-${last}`,
    }),
    { abortSignal: signal },
  );
  const body = answer.Body;
  if (!(body instanceof Readable)) throw new Error("object body is not a stream");
  return body;
}

/**
 * Bytes [first, last] of an object, inclusive. Never holds more than the
 * range asked for, even if the server sends more.
 */
export async function readWorkspaceRange(
  scope: WorkspaceScope,
  path: string,
  first: number,
  last: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  const wanted = last - first + 1;
  const body = await openRange(scope, path, first, last, signal);
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      const room = wanted - received;
      chunks.push(buffer.length > room ? buffer.subarray(0, room) : buffer);
      received += Math.min(buffer.length, room);
      if (received >= wanted) break;
    }
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks, received);
}

/** Streams bytes [first, last] of an object in the chunks the connection delivers. */
export async function* streamWorkspaceRange(
  scope: WorkspaceScope,
  path: string,
  first: number,
  last: number,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  const body = await openRange(scope, path, first, last, signal);
  const onAbort = () => body.destroy(new Error("read aborted"));
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const chunk of body) {
      yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    body.destroy();
  }
}

/** Size of an object, or undefined when it does not exist. */
export async function headWorkspaceObject(
  scope: WorkspaceScope,
  path: string,
): Promise<{ sizeBytes: number } | undefined> {
  try {
    const head = await s3().send(
      new HeadObjectCommand({
        Bucket: bucketName(),
        Key: objectKeys.workspaceObject(scope.tenant, scope.sessionId, path),
      }),
    );
    return { sizeBytes: head.ContentLength ?? 0 };
  } catch (error) {
    if (isMissingObject(error)) return undefined;
    throw error;
  }
}

export interface PresignedRequest {
  url: string;
  headers: Record<string, string>;
  expiresAt: string;
}

function expiry(now: Date, seconds: number): string {
  return new Date(now.getTime() + seconds * 1000).toISOString();
}

/**
 * A presigned PUT for one workspace path. Content-Type and Content-Length are
 * signed, so S3 refuses a body of another size or type than the one asked for.
 */
export async function presignUpload(
  scope: WorkspaceScope,
  path: string,
  contentType: string,
  sizeBytes: number,
  now: Date = new Date(),
): Promise<PresignedRequest> {
  const ttl = config().PRESIGN_TTL_SECONDS;
  const url = await getSignedUrl(
    s3(),
    new PutObjectCommand({
      Bucket: bucketName(),
      Key: objectKeys.workspaceObject(scope.tenant, scope.sessionId, path),
      ContentType: contentType,
      ContentLength: sizeBytes,
    }),
    { expiresIn: ttl, signableHeaders: new Set(["content-type", "content-length"]) },
  );
  return { url, headers: { "Content-Type": contentType }, expiresAt: expiry(now, ttl) };
}

/** A presigned GET for one workspace path. */
export async function presignDownload(
  scope: WorkspaceScope,
  path: string,
  now: Date = new Date(),
): Promise<PresignedRequest> {
  const ttl = config().PRESIGN_TTL_SECONDS;
  const url = await getSignedUrl(
    s3(),
    new GetObjectCommand({
      Bucket: bucketName(),
      Key: objectKeys.workspaceObject(scope.tenant, scope.sessionId, path),
    }),
    { expiresIn: ttl },
  );
  return { url, headers: {}, expiresAt: expiry(now, ttl) };
}

/** Whether the bucket answers: a HeadBucket, which reads no object. */
export async function pingBucket(abortSignal: AbortSignal): Promise<void> {
  await s3().send(new HeadBucketCommand({ Bucket: bucketName() }), { abortSignal });
}
