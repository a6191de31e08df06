/**
 * The S3 client, created once per process, with the request handler and
 * tracing every SDK client shares. A module of its own so that only the
 * functions that use the bucket load the S3 SDK when they start.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { config, SDK_MAX_ATTEMPTS } from "../config.ts";
import { requestHandler, withoutSdkLogging, withTracing } from "./clients.ts";

let s3Client: S3Client | undefined;

export function s3(): S3Client {
  s3Client ??= withoutSdkLogging(
    new S3Client({
      region: config().AWS_REGION,
      forcePathStyle: config().S3_FORCE_PATH_STYLE,
      requestHandler: requestHandler(),
      maxAttempts: SDK_MAX_ATTEMPTS,
      // Checksums only where S3 requires them: streamed uploads with the default
      // CRC32 trailer are mangled by some S3-compatible servers.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    }),
  );
  return withTracing(s3Client);
}
