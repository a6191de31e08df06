import { z } from "zod";
import { USER_ID_PATTERN } from "../domain/ids.ts";
import { SESSION_OUTCOMES, SESSION_STATUSES } from "../domain/session.ts";
import { IsoQueryTime, IsoTimestamp, SessionId } from "./common.ts";
import { SessionEvent } from "./events.ts";

export const UserId = z
  .string()
  .regex(
    USER_ID_PATTERN,
    "must be 1-128 characters of letters, digits and . _ @ : + = -, starting with a letter or digit",
  )
  .meta({ example: "user-42" });

export const PerformerId = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(128)
  .meta({ description: 'Who acts: a person, a worker, or "system".', example: "worker-7" });

export const SessionStatus = z.enum(SESSION_STATUSES);

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

export const SessionOutcome = z
  .enum(SESSION_OUTCOMES)
  .meta({ description: "How the session went, as the caller that ended it says." });

export const EndReason = z
  .string()
  .max(256)
  .meta({ description: "Why the session ended, in the caller's words (at most 256 characters)." });

/** End takes what pause and resume take, plus how and why the session ended. */
export const EndSessionBody = TransitionBody.extend({
  outcome: SessionOutcome.optional(),
  reason: EndReason.optional(),
}).meta({
  id: "SessionEndRequest",
  example: {
    user_id: "user-42",
    performer_id: "app-ios",
    outcome: "completed",
    reason: "scan uploaded",
  },
});
export type EndSessionBody = z.infer<typeof EndSessionBody>;

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
  outcome: null,
  end_reason: null,
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
    outcome: SessionOutcome.nullable().meta({
      description: "Set by an end that gave one; null otherwise (and for expired sessions).",
    }),
    end_reason: z.string().nullable().meta({ description: "The `reason` an end gave, or null." }),
  })
  .meta({ id: "Session", example: SESSION_EXAMPLE });
export type Session = z.infer<typeof Session>;

export const ListSessionsQuery = z.strictObject({
  user_id: UserId.optional(),
  status: SessionStatus.optional(),
  outcome: SessionOutcome.optional().meta({
    description:
      "Only ended sessions whose end gave this outcome (a filter on the listing index: a sparse page may come back short, with next_cursor).",
  }),
  created_after: IsoQueryTime.optional().meta({
    description: "Only sessions created strictly after (ISO 8601).",
  }),
  created_before: IsoQueryTime.optional().meta({
    description: "Only sessions created strictly before (ISO 8601).",
  }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .max(2048)
    .optional()
    .meta({ description: "Opaque: next_cursor of the previous page." }),
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
