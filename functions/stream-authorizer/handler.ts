/**
 * The push stream's $connect authorizer. Identity source: the `ticket` query
 * parameter. The ticket is taken (deleted) here, so it opens one connection
 * only; a missing, forged, used or expired one is refused with 401. The
 * context carries the key's tenant, role and scope to every route of the
 * connection.
 */
import middy from "@middy/core";
import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from "aws-lambda";
import { logger, metrics, recordMetric } from "#shared/observability.ts";
import { invocationStorageBudget, withStorageDeadline } from "#shared/storage/deadline.ts";
import { traceHandler } from "#shared/tracing.ts";
import { redeemStreamTicket } from "#shared/usecases/stream-tickets.ts";

async function authorize(
  event: APIGatewayRequestAuthorizerEvent,
  context?: Partial<Context>,
): Promise<APIGatewayAuthorizerResult> {
  const principal = await withStorageDeadline(invocationStorageBudget(context), () =>
    redeemStreamTicket(event.queryStringParameters?.ticket ?? undefined),
  );
  if (!principal) {
    recordMetric("StreamTicketDenials", 1);
    metrics.publishStoredMetrics();
    logger.info("stream ticket rejected");
    // API Gateway refuses the handshake with 401 for exactly this error.
    throw new Error("Unauthorized");
  }
  return {
    principalId: principal.keyId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: event.methodArn }],
    },
    context: {
      tenant_id: principal.tenantId,
      key_id: principal.keyId,
      role: principal.role,
      scope: principal.scope,
    },
  };
}

export const handler = middy<
  APIGatewayRequestAuthorizerEvent,
  APIGatewayAuthorizerResult,
  Error,
  Context
>()
  .use(traceHandler)
  .handler(authorize);
