import * as z from "zod";
import { USER_ID_PATTERN } from "../domain/ids.ts";
import { SESSION_STATUSES } from "../domain/session.ts";
import { IsoQueryTime, IsoTimestamp, QueryInteger, SessionId } from "./common.ts";
import { SessionEvent } from "./events.ts";

export const UserId = z
  .string()
  .regex(
    USER_ID_PATTERN,
    "must be 1-128 characters of letters, digits and . _ @ : + = -, starting with a letter or digit",
  )
  .meta({ example: "user-42" });

/**
 * Checked as sent (at most 128 characters, not only whitespace), then trimmed:
 * the document can state the checks, not a trimmed length.
 */
export const PerformerId = z
  .string()
  .max(128)
  .regex(/\S/, "must not be empty")
  .trim()
  .meta({ description: 'Who acts: a person, a worker, or "system".', example: "worker-7" });

export const SessionStatus = z.enum(SESSION_STATUSES);

/** What an Idempotency-Key header may hold. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,255}$/;

export const StartSessionBody = z
  .strictObject({
    user_id: UserId,
    performer_id: PerformerId,
    ttl_seconds: z.number().int().min(1).max(604_800).default(3600),
    is_training_data: z.boolean().default(false),
    session_notes: z.string().max(4096).nullable().default(null),
    training_intent_label: z.string().max(256).nullable().default(null),
  })
  .meta({
    id: "StartSessionRequest",
    example: { user_id: "user-42", performer_id: "app-ios", ttl_seconds: 3600 },
  });
export type StartSessionBody = z.infer<typeof StartSessionBody>;

export const TransitionBody = z
  .strictObject({
    user_id: UserId,
    performer_id: PerformerId,
    session_id: SessionId.optional().meta({ description: "If present, must equal the path." }),
  })
  .meta({
    id: "SessionTransitionRequest",
    example: { user_id: "user-42", performer_id: "app-ios" },
  });
export type TransitionBody = z.infer<typeof TransitionBody>;

const SESSION_EXAMPLE = {
  session_id: "sess_Qm9vdHN0cmFwU2Vzc2lvbg",
  user_id: "user-42",
  status: "active",
  created_at: "2026-11-21T12:00:00.000Z",
  updated_at: "2026-11-21T12:00:00.000Z",
  expires_at: "2026-11-21T13:00:00.000Z",
  ended_at: null,
  ended_by: null,
  last_accessed: "2026-11-21T12:00:00.000Z",
  performer_id: "app-ios",
  is_training_data: false,
  session_notes: null,
  training_intent_label: null,
  event_count: 1,
  last_seq: 1,
};

export const Session = z
  .object({
    session_id: SessionId,
    user_id: z.string(),
    status: SessionStatus,
    created_at: IsoTimestamp,
    updated_at: IsoTimestamp,
    expires_at: IsoTimestamp,
    ended_at: IsoTimestamp.nullable(),
    ended_by: z.string().nullable(),
    last_accessed: IsoTimestamp,
    performer_id: z.string(),
    is_training_data: z.boolean(),
    session_notes: z.string().nullable(),
    training_intent_label: z.string().nullable(),
    event_count: z.number().int().min(0),
    last_seq: z.number().int().min(0),
  })
  .meta({ id: "Session", example: SESSION_EXAMPLE });
export type Session = z.infer<typeof Session>;

export const ListSessionsQuery = z.strictObject({
  user_id: UserId.optional().meta({ description: "Only this user's sessions." }),
  status: SessionStatus.optional().meta({ description: "Only sessions in this status." }),
  created_after: IsoQueryTime.optional().meta({
    description: "Only sessions created strictly after (ISO 8601).",
  }),
  created_before: IsoQueryTime.optional().meta({
    description: "Only sessions created strictly before (ISO 8601).",
  }),
  limit: QueryInteger("limit", 1, 100)
    .default(20)
    .meta({ description: "Most sessions to return, 1 to 100; 20 when not given." }),
  cursor: z.string().max(2048).optional().meta({
    description:
      "Opaque: next_cursor of the previous page, with the same filters. Any other value is refused with 400.",
  }),
});
export type ListSessionsQuery = z.infer<typeof ListSessionsQuery>;

export const SessionList = z
  .object({
    items: z.array(Session),
    returned: z.number().int().min(0),
    next_cursor: z.string().nullable(),
  })
  .meta({
    id: "SessionList",
    example: { items: [SESSION_EXAMPLE], returned: 1, next_cursor: null },
  });
export type SessionList = z.infer<typeof SessionList>;

export const SessionWithEvent = z.object({ session: Session, event: SessionEvent }).meta({
  id: "SessionWithEvent",
  description: "The session after the change and its boundary event.",
  example: {
    session: SESSION_EXAMPLE,
    event: {
      record_id: "0b9f3c2a-6d1e-4f8a-b7c5-2e4d6f8a0c1b",
      session_id: "sess_Qm9vdHN0cmFwU2Vzc2lvbg",
      user_id: "user-42",
      seq: 1,
      event_type: "session_started",
      timestamp: "2026-11-21T12:00:00.000Z",
      source: "session_manager",
      performer_id: "app-ios",
      step_id: null,
      message: null,
      event_data: {},
    },
  },
});
export type SessionWithEvent = z.infer<typeof SessionWithEvent>;
