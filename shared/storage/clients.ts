/**
 * SDK clients, created once per process. Endpoints come from the SDK's own
 * environment settings (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`,
 * `AWS_ENDPOINT_URL_S3`), so the same code reaches AWS, LocalStack or the
 * local stack.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { config } from "../config.ts";
import { tracer } from "../observability.ts";

let documentClient: DynamoDBDocumentClient | undefined;
let s3Client: S3Client | undefined;
const traced = new WeakSet<object>();

/** Each call of the client becomes an X-Ray subsegment when tracing is on. */
function withTracing<Client extends object>(client: Client): Client {
  if (traced.has(client)) return client;
  traced.add(client);
  return tracer.captureAWSv3Client(client);
}

function requestHandler(): NodeHttpHandler {
  const timeout = config().AWS_REQUEST_TIMEOUT_MS;
  return new NodeHttpHandler({ connectionTimeout: timeout, requestTimeout: timeout });
}

export function dynamo(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: config().AWS_REGION,
      requestHandler: requestHandler(),
      maxAttempts: 3,
    }),
    { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } },
  );
  return withTracing(documentClient);
}

export function s3(): S3Client {
  s3Client ??= new S3Client({
    region: config().AWS_REGION,
    forcePathStyle: config().S3_FORCE_PATH_STYLE,
    requestHandler: requestHandler(),
    maxAttempts: 3,
    // Checksums only where S3 requires them: streamed uploads with the default
    // CRC32 trailer are mangled by some S3-compatible servers.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return withTracing(s3Client);
}
