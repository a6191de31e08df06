/**
 * The caller as the authorizer described it (tenant, key, role, scope),
 * read from the request context; without it the request is unauthorized.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import * as z from "zod";
import { AppError } from "../domain/errors.ts";
import { KEY_SCOPES, type Principal, ROLES } from "../domain/principal.ts";

let principalContext: ReturnType<typeof buildPrincipalContext> | undefined;

// Built at the first authenticated request, so a public function never builds it.
function buildPrincipalContext() {
  return z.object({
    tenant_id: z.string().min(1),
    key_id: z.string().min(1),
    role: z.enum(ROLES),
    scope: z.enum(KEY_SCOPES),
  });
}

export function principalOf(event: APIGatewayProxyEvent): Principal {
  principalContext ??= buildPrincipalContext();
  const parsed = principalContext.safeParse(event.requestContext?.authorizer ?? {});
  if (!parsed.success) {
    throw new AppError("UNAUTHORIZED", "Send a valid API key in the X-API-Key header.");
  }
  return {
    tenantId: parsed.data.tenant_id,
    keyId: parsed.data.key_id,
    role: parsed.data.role,
    scope: parsed.data.scope,
  };
}
