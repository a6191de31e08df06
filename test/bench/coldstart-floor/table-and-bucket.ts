/**
 * table.ts's floor with the bucket's client and the URL presigner added: what
 * the functions that use the workspaces (create-upload, get-file,
 * delete-session, investigate, health) load before any code of the project's own.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

export { handler } from "./table.ts";
export const loaded = [S3Client, getSignedUrl];
