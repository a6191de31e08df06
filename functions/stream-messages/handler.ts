/**
 * The push stream's `subscribe`, `unsubscribe` and `ping` routes (and
 * `$default` for anything else). Answers go out through `@connections`; a
 * frame that cannot be served gets an `error` and the connection stays open.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { isDependencyUnavailable } from "#shared/http/api-handler.ts";
import { principalOf, ROUTE_OK, WebSocketEvent } from "#shared/http/websocket-event.ts";
import { logger } from "#shared/observability.ts";
import { invocationStorageBudget, withStorageDeadline } from "#shared/storage/deadline.ts";
import { traceHandler } from "#shared/tracing.ts";
import {
  errorMessage,
  handleFrame,
  parseFrame,
  send,
} from "#shared/usecases/stream-subscriptions.ts";

export const handler = middy<unknown, { statusCode: number }, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(traceHandler)
  .handler(async (raw, context) => {
    const event = WebSocketEvent.parse(raw);
    const { connectionId } = event.requestContext;
    const frame = parseFrame(event.body ?? undefined);
    if ("type" in frame) {
      await send(connectionId, frame);
      return ROUTE_OK;
    }
    const sessionId = "session_id" in frame ? frame.session_id : undefined;
    try {
      await withStorageDeadline(invocationStorageBudget(context), () =>
        handleFrame(principalOf(event), connectionId, frame),
      );
    } catch (error) {
      const message = errorMessage(error, sessionId, isDependencyUnavailable);
      if (!message) logger.error("stream frame failed", { error });
      await send(
        connectionId,
        message ?? {
          type: "error",
          error_code: "INTERNAL",
          message: "An internal error occurred. Retry later.",
          ...(sessionId ? { session_id: sessionId } : {}),
        },
      );
    }
    return ROUTE_OK;
  });
