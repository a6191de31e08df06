/** S3 adapter for per-session workspaces. */
import { DeleteObjectsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { bucketName } from "../config.ts";
import { s3 } from "./clients.ts";
import { objectKeys } from "./keys.ts";

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
