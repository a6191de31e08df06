/**
 * The parts of API Gateway's WebSocket event the stream functions read, and
 * the principal the $connect authorizer put in the connection's context
 * (API Gateway hands that context to every later route of the connection).
 */
import * as z from "zod";
import { KEY_SCOPES, type Principal, ROLES } from "../domain/principal.ts";

const AuthorizerContext = z.object({
  tenant_id: z.string().min(1),
  key_id: z.string().min(1),
  role: z.enum(ROLES),
  scope: z.enum(KEY_SCOPES),
});

export const WebSocketEvent = z.object({
  requestContext: z.object({
    connectionId: z.string().min(1),
    routeKey: z.string(),
    eventType: z.enum(["CONNECT", "MESSAGE", "DISCONNECT"]),
    authorizer: AuthorizerContext,
  }),
  body: z.string().nullish(),
});
export type WebSocketEvent = z.infer<typeof WebSocketEvent>;

export function principalOf(event: WebSocketEvent): Principal {
  const { tenant_id, key_id, role, scope } = event.requestContext.authorizer;
  return { tenantId: tenant_id, keyId: key_id, role, scope };
}

/** What a WebSocket route integration answers; API Gateway sends no body back for these routes. */
export const ROUTE_OK = { statusCode: 200 } as const;
