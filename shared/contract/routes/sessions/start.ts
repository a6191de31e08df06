/** Start a session. */
import {
  IDEMPOTENCY_KEY_PATTERN,
  MAX_IDEMPOTENCY_KEY_LENGTH,
} from "#shared/contract/schemas/headers.ts";
import { SessionWithEvent } from "#shared/contract/schemas/session-changes.ts";
import { StartSessionBody } from "#shared/contract/schemas/session-requests.ts";
import type { RouteDefinition } from "../../route-definition.ts";
import { WRITERS } from "../roles.ts";

export const startSessionRoute = {
  method: "POST",
  path: "/sessions",
  function: "start-session",
  roles: WRITERS,
  operationId: "startSession",
  summary: "Start a session; a user has at most one open session.",
  request: {
    body: StartSessionBody,
    headers: {
      "Idempotency-Key": {
        description:
          "Replays the first answer for the same key and body within 24 h (with Idempotent-Replayed: true); the same key with another body is 422. An empty value is refused with 400 naming the header. A replay answers as the first start did, even if that session has since been deleted: its Location and session_id then answer 404.",
        required: false,
        pattern: IDEMPOTENCY_KEY_PATTERN,
        maxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
      },
    },
  },
  responses: {
    201: {
      description: "Started, or the first answer replayed for the same Idempotency-Key.",
      schema: SessionWithEvent,
      headers: ["Location", "Idempotent-Replayed"],
    },
  },
  errors: ["VALIDATION_ERROR", "ACTIVE_SESSION_EXISTS", "IDEMPOTENCY_KEY_REUSED"],
} as const satisfies RouteDefinition;
