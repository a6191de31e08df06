/**
 * Workspace uploads and downloads: the API only checks the session and the
 * path and hands out presigned URLs; file bodies go straight to and from S3.
 */
import { config } from "../config.ts";
import type {
  CreateUploadBody,
  DownloadLink,
  UploadTicket,
} from "../contract/schemas/workspaces.ts";
import { NotFoundError, PayloadTooLargeError, sessionNotFound } from "../domain/errors.ts";
import type { Principal } from "../domain/principal.ts";
import {
  headWorkspaceObject,
  presignDownload,
  presignUpload,
  type WorkspaceScope,
} from "../storage/workspace-store.ts";
import { readVisibleSession } from "./sessions/read.ts";

async function sessionScope(principal: Principal, sessionId: string): Promise<WorkspaceScope> {
  const session = await readVisibleSession(principal, sessionId);
  if (!session) throw sessionNotFound();
  return { tenant: principal.tenantId, sessionId };
}

/**
 * A presigned PUT for one workspace file. Uploads are accepted for any
 * session that exists, open or closed: processing workers write their
 * output, logs and status after the app has ended the session.
 */
export async function createUpload(
  principal: Principal,
  sessionId: string,
  body: CreateUploadBody,
): Promise<UploadTicket> {
  const maxBytes = config().MAX_UPLOAD_BYTES;
  if (body.size_bytes > maxBytes) {
    throw new PayloadTooLargeError(
      `size_bytes is larger than the ${maxBytes}-byte upload limit; split or compress the file.`,
      { field: "size_bytes", max_bytes: maxBytes },
    );
  }
  const scope = await sessionScope(principal, sessionId);
  const presigned = await presignUpload(scope, body.path, body.content_type, body.size_bytes);
  return {
    path: body.path,
    url: presigned.url,
    method: "PUT",
    headers: presigned.headers,
    size_bytes: body.size_bytes,
    expires_at: presigned.expiresAt,
  };
}

/** Where to download one workspace file from: a presigned GET, or 404. */
export async function fileDownloadLink(
  principal: Principal,
  sessionId: string,
  path: string,
): Promise<DownloadLink> {
  const scope = await sessionScope(principal, sessionId);
  if (!(await headWorkspaceObject(scope, path))) throw new NotFoundError("File");
  const presigned = await presignDownload(scope, path);
  return { path, url: presigned.url, expires_at: presigned.expiresAt };
}
