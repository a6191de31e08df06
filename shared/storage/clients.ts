/**
 * The DynamoDB client and what every SDK client shares (the request
 * handler with its deadline, tracing), created once per process. The S3
 * client is in s3-client.ts, so functions that never touch the bucket do not
 * load the S3 SDK at start-up. Endpoints come from the SDK's own
 * environment settings (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`,
 * `AWS_ENDPOINT_URL_S3`), so the same code reaches AWS, LocalStack or the
 * local stack.
 *
 * Every call is bounded. Inside an invocation, all attempts of all calls
 * share the invocation's storage deadline (deadline.ts: `AWS_REQUEST_TIMEOUT_MS` ×
 * attempts, less than the function's own timeout), so a hung dependency
 * costs a request at most that, whatever number of calls it makes; one
 * slow attempt may use all of it, because a store that is slow but
 * progressing (DynamoDB Local serializing a 50-way transaction race) must
 * not be cut off at the per-attempt figure. Outside an invocation (tools,
 * start-up) each attempt times out after `AWS_REQUEST_TIMEOUT_MS`. Either
 * way a timeout is an error, not the SDK handler's default warning.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { config, SDK_MAX_ATTEMPTS } from "../config.ts";
import { traceClient } from "../tracing.ts";
import { storageDeadline } from "./deadline.ts";
import { DocumentTable } from "./documents.ts";

let table: DocumentTable | undefined;
const traced = new WeakSet<object>();

/** Each call of the client becomes an X-Ray subsegment when tracing is on. */
export function withTracing<Client extends object>(client: Client): Client {
  if (traced.has(client)) return client;
  traced.add(client);
  return traceClient(client);
}

/**
 * The SDK's logger middleware copies every call's output and walks its
 * input and output through the sensitive-data filter for the client's
 * logger, even when that logger discards them, as the default one does.
 * Nothing here logs through the SDK, so its clients go without it.
 */
export function withoutSdkLogging<
  Client extends { middlewareStack: { remove(name: string): boolean } },
>(client: Client): Client {
  client.middlewareStack.remove("loggerMiddleware");
  return client;
}

class DeadlineExceededError extends Error {
  readonly code = "ETIMEDOUT";

  constructor() {
    super("The invocation's storage deadline has passed.");
    this.name = "TimeoutError";
  }
}

/** The Node handler with each attempt's timeout set to what is left of the invocation's deadline. */
class BoundedHttpHandler extends NodeHttpHandler {
  constructor(attemptTimeoutMs: number) {
    super({
      connectionTimeout: attemptTimeoutMs,
      requestTimeout: attemptTimeoutMs,
      // Without it the handler only logs a warning and waits for as long as the peer takes.
      throwOnRequestTimeout: true,
    });
  }

  override handle(...[request, options]: Parameters<NodeHttpHandler["handle"]>) {
    const deadline = storageDeadline();
    if (deadline === undefined) return super.handle(request, options);
    const left = deadline - Date.now();
    if (left <= 0) return Promise.reject(new DeadlineExceededError());
    return super.handle(request, { ...options, requestTimeout: left });
  }
}

export function requestHandler(): NodeHttpHandler {
  return new BoundedHttpHandler(config().AWS_REQUEST_TIMEOUT_MS);
}

/**
 * The table, in document form (documents.ts). Its client resolves the SDK's
 * middleware stack once per command type, so everything that adds to that
 * stack (tracing, the removal of the logger) happens here, before any call.
 */
export function dynamo(): DocumentTable {
  table ??= new DocumentTable(
    withTracing(
      withoutSdkLogging(
        new DynamoDBClient({
          region: config().AWS_REGION,
          requestHandler: requestHandler(),
          maxAttempts: SDK_MAX_ATTEMPTS,
          cacheMiddleware: true,
        }),
      ),
    ),
  );
  return table;
}
