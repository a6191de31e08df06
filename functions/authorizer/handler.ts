/**
 * REQUEST authorizer. Identity source: the X-API-Key header (cached by API
 * Gateway per key). The policy allows exactly the routes the key's role may
 * call, built from the route table, so the cached answer is right for every
 * route and a role that may not call one gets a 403 from the gateway.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { allowedResources } from "#infra/routes.ts";
import { logger, metrics, recordMetric } from "#shared/observability.ts";
import { authenticate } from "#shared/usecases/api-keys.ts";

function headerValue(event: APIGatewayRequestAuthorizerEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value) return value;
  }
  return undefined;
}

export const handler = async (
  event: APIGatewayRequestAuthorizerEvent,
): Promise<APIGatewayAuthorizerResult> => {
  const principal = await authenticate(headerValue(event, "x-api-key"));
  if (!principal) {
    recordMetric("AuthorizerDenials", 1);
    metrics.publishStoredMetrics();
    logger.info("api key rejected");
    // API Gateway answers 401 (UNAUTHORIZED gateway response) for exactly this error.
    throw new Error("Unauthorized");
  }
  // arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}
  const [apiArn, stage] = event.methodArn.split("/");
  const resources = allowedResources(principal.role, `${apiArn}/${stage}`);
  return {
    principalId: principal.keyId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: resources }],
    },
    // The scope is the key's, like its role, so an answer cached per key stays right.
    context: {
      tenant_id: principal.tenantId,
      key_id: principal.keyId,
      role: principal.role,
      scope: principal.scope,
    },
    usageIdentifierKey: principal.usageKey,
  };
};
