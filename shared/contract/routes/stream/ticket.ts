/** A ticket for the push stream. */
import type { RouteDefinition } from "../../route-definition.ts";
import { StreamTicket } from "../../schemas/stream.ts";
import { ANY } from "../roles.ts";

export const createStreamTicketRoute = {
  method: "POST",
  path: "/stream-tickets",
  function: "create-stream-ticket",
  roles: ANY,
  operationId: "createStreamTicket",
  summary:
    "A single-use ticket (valid 60 s) and the WebSocket URL of the push stream. The ticket carries this key's tenant, role and scope; subscriptions obey the same rules as GET /sessions/{id}/events. The body is empty.",
  responses: { 201: { description: "A ticket.", schema: StreamTicket } },
  errors: [],
} as const satisfies RouteDefinition;
