/** The push stream's $connect and $disconnect routes: a connection is recorded, then cleared. */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { principalOf, ROUTE_OK, WebSocketEvent } from "#shared/http/websocket-event.ts";
import { logger } from "#shared/observability.ts";
import { invocationStorageBudget, withStorageDeadline } from "#shared/storage/deadline.ts";
import { traceHandler } from "#shared/tracing.ts";
import { closeConnection, openConnection } from "#shared/usecases/stream-connections.ts";

export const handler = middy<unknown, { statusCode: number }, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(traceHandler)
  .handler(async (raw, context) => {
    const event = WebSocketEvent.parse(raw);
    const principal = principalOf(event);
    const { connectionId, eventType } = event.requestContext;
    await withStorageDeadline(invocationStorageBudget(context), () =>
      eventType === "CONNECT"
        ? openConnection(principal, connectionId)
        : closeConnection(principal.tenantId, connectionId),
    );
    return ROUTE_OK;
  });
