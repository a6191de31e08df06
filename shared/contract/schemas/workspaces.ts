import * as z from "zod";
import {
  checkWorkspacePath,
  MAX_SEGMENT_BYTES,
  MAX_WORKSPACE_PATH_BYTES,
  WORKSPACE_FOLDERS,
  WORKSPACE_PATH_PATTERN,
  WORKSPACE_ROOT_FILES,
} from "../../domain/workspace-paths.ts";
import { IsoTimestamp, SessionId } from "./common.ts";

const PATH_DESCRIPTION = `Relative to the session's workspace: a file under ${WORKSPACE_FOLDERS.map((folder) => `${folder}/`).join(", ")} or one of ${WORKSPACE_ROOT_FILES.join(", ")}. Absolute paths, . and .. segments, backslashes, percent signs, control characters and empty segments are refused (the pattern), and so are paths that are not Unicode NFC-normalised or longer than ${MAX_WORKSPACE_PATH_BYTES} bytes in UTF-8, or with a folder or file name longer than ${MAX_SEGMENT_BYTES} bytes in UTF-8 (JSON Schema counts characters, not bytes: \`x-max-utf8-bytes\` and \`x-max-segment-utf8-bytes\` state these).`;

export const WorkspacePath = z
  .string()
  .max(MAX_WORKSPACE_PATH_BYTES)
  .superRefine((value, context) => {
    const check = checkWorkspacePath(value);
    if (!check.ok) context.addIssue({ code: "custom", message: check.reason });
  })
  .meta({
    description: PATH_DESCRIPTION,
    example: "input/scan.usdz",
    override: {
      pattern: WORKSPACE_PATH_PATTERN.source,
      minLength: 1,
      "x-max-utf8-bytes": MAX_WORKSPACE_PATH_BYTES,
      "x-max-segment-utf8-bytes": MAX_SEGMENT_BYTES,
      "x-unicode-normalization": "NFC",
    },
  });

/**
 * A MIME type as sent in Content-Type: `type/subtype` with optional parameters.
 * It is handed back as a header of the upload ticket, so only characters a
 * header value may hold: no line breaks or other control characters.
 */
const ContentType = z
  .string()
  .max(255)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*([ \t]*;[ \t]*[A-Za-z0-9!#$&^_.+-]+=("[\t\x20\x21\x23-\x7e]*"|[A-Za-z0-9!#$&^_.+-]+))*$/,
    "must be a MIME type such as application/json",
  )
  .meta({ example: "model/vnd.usdz+zip" });

export const CreateUploadBody = z
  .strictObject({
    path: WorkspacePath,
    content_type: ContentType.default("application/octet-stream"),
    size_bytes: z.number().int().min(0).meta({
      description:
        "Exact size of the body that will be PUT, at most the deployment's MAX_UPLOAD_BYTES (the maximum here); larger: 413.",
    }),
  })
  .meta({
    id: "CreateUploadRequest",
    example: {
      path: "input/scan.usdz",
      content_type: "model/vnd.usdz+zip",
      size_bytes: 52_428_800,
    },
  });
export type CreateUploadBody = z.infer<typeof CreateUploadBody>;

export const UploadTicket = z
  .object({
    path: z.string(),
    url: z.string().meta({ description: "Presigned S3 URL; PUT the file body to it." }),
    method: z.literal("PUT"),
    headers: z.record(z.string(), z.string()).meta({
      description:
        "Headers to send with the PUT, exactly. The body must be exactly size_bytes long.",
    }),
    size_bytes: z.number().int().min(0),
    expires_at: IsoTimestamp,
  })
  .meta({
    id: "UploadTicket",
    description: "A presigned PUT for one workspace file.",
    example: {
      path: "input/scan.usdz",
      url: "https://bucket.s3.amazonaws.com/…?X-Amz-Signature=…",
      method: "PUT",
      headers: { "Content-Type": "model/vnd.usdz+zip" },
      size_bytes: 52_428_800,
      expires_at: "2026-11-21T12:15:00.000Z",
    },
  });
export type UploadTicket = z.infer<typeof UploadTicket>;

export const FilePathParams = z.object({ id: SessionId, path: WorkspacePath });

export const FileQuery = z.strictObject({
  redirect: z.enum(["true", "false"]).default("true").meta({
    description:
      "false: answer 200 with the presigned URL as JSON instead of a 307, for clients that cannot send the key on a redirect (a browser page).",
  }),
});
export type FileQuery = z.infer<typeof FileQuery>;

export const DownloadLink = z
  .object({
    path: z.string(),
    url: z.string().meta({ description: "Presigned S3 URL; GET it without the API key." }),
    expires_at: IsoTimestamp,
  })
  .meta({
    id: "DownloadLink",
    description: "A presigned GET for one workspace file.",
    example: {
      path: "logs/blender.log",
      url: "https://bucket.s3.amazonaws.com/…?X-Amz-Signature=…",
      expires_at: "2026-11-21T12:15:00.000Z",
    },
  });
export type DownloadLink = z.infer<typeof DownloadLink>;
