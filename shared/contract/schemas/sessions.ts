import * as z from "zod";
import { USER_ID_PATTERN } from "../../domain/ids.ts";
import { SESSION_OUTCOMES, SESSION_STATUSES } from "../../domain/session.ts";
import { IsoQueryTime, IsoTimestamp, QueryInteger, SessionId } from "./common.ts";
import { SessionEvent } from "./events.ts";
import { LabelFilter, LabelKey, LabelValue, MAX_LABEL_VALUE_LENGTH, MAX_LABELS } from "./labels.ts";

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

/** What an If-Match header may hold: `*`, or entity tags (strong `"3"` or weak `W/"x"`). */
export const MAX_IF_MATCH_LENGTH = 1024;
export const IF_MATCH_PATTERN = /^[ \t]*(\*|(W\/)?"[^"]*"([ \t]*,[ \t]*(W\/)?"[^"]*")*)[ \t]*$/;

export const MAX_NOTES_BYTES = 4096;
export { LABEL_KEY_PATTERN, MAX_LABELS } from "./labels.ts";

export const SessionNotes = z
  .string()
  .max(MAX_NOTES_BYTES)
  .refine(
    (value) => Buffer.byteLength(value, "utf8") <= MAX_NOTES_BYTES,
    `must be at most ${MAX_NOTES_BYTES} bytes of UTF-8`,
  )
  .meta({
    description: `Free text, at most ${MAX_NOTES_BYTES} bytes of UTF-8.`,
    override: { "x-max-utf8-bytes": MAX_NOTES_BYTES },
  });

/**
 * zod leaves a `__proto__` member out of a parsed record (it cannot be a
 * plain property): refuse it with a 400 instead of dropping it unseen.
 */
function refusingProtoKey<S extends z.ZodType>(schema: S) {
  return z.preprocess((value, ctx) => {
    if (typeof value === "object" && value !== null && Object.hasOwn(value, "__proto__")) {
      ctx.addIssue({ code: "custom", message: "__proto__ may not be a label key" });
    }
    return value;
  }, schema);
}

export const Labels = z
  .record(LabelKey, LabelValue)
  .refine((labels) => Object.keys(labels).length <= MAX_LABELS, `at most ${MAX_LABELS} labels`)
  .meta({
    description: `At most ${MAX_LABELS} labels; keys match ^[a-z0-9_.-]{1,64}$, values are at most ${MAX_LABEL_VALUE_LENGTH} characters (Unicode code points), any character allowed.`,
    example: { device: "ios", flow: "onboarding" },
    override: { maxProperties: MAX_LABELS },
  });

export const StartSessionBody = z
  .strictObject({
    user_id: UserId,
    performer_id: PerformerId,
    ttl_seconds: z.number().int().min(1).max(604_800).default(3600),
    is_training_data: z.boolean().default(false),
    session_notes: SessionNotes.nullable().default(null),
    training_intent_label: z.string().max(256).nullable().default(null),
    labels: refusingProtoKey(Labels.default({})),
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

/**
 * A JSON merge patch (RFC 7396) of the session's own writable fields: a
 * member sets, null removes (a label, or all notes / all labels), an absent
 * member is left as it is.
 */
export const UpdateSessionBody = z
  .strictObject({
    session_notes: SessionNotes.nullable().optional(),
    labels: refusingProtoKey(
      z
        .record(LabelKey, LabelValue.nullable())
        .nullable()
        .optional()
        .meta({ description: "Labels to set; a null value removes that label, null removes all." }),
    ),
  })
  .meta({
    id: "SessionUpdateRequest",
    description:
      "A JSON merge patch (RFC 7396) of session_notes and labels. Send it as application/merge-patch+json or application/json.",
    example: { session_notes: "retake requested", labels: { flow: "retake", device: null } },
  });
export type UpdateSessionBody = z.infer<typeof UpdateSessionBody>;

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
  labels: {},
  version: 1,
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
    labels: z.record(z.string(), z.string()),
    version: z.number().int().min(1).meta({
      description:
        "Changes with every change of the session's own fields (start, pause, resume, end, expiry, update), not with appends; also the ETag.",
    }),
  })
  .meta({ id: "Session", example: SESSION_EXAMPLE });
export type Session = z.infer<typeof Session>;

export const ListSessionsQuery = z.strictObject({
  user_id: UserId.optional().meta({ description: "Only this user's sessions." }),
  status: SessionStatus.optional().meta({ description: "Only sessions in this status." }),
  outcome: SessionOutcome.optional().meta({
    description:
      "Only ended sessions whose end gave this outcome (a filter on the listing index: a sparse page may come back short, with next_cursor).",
  }),
  label: LabelFilter.optional().meta({
    description:
      "key:value: only sessions with this label. The key and value are read as labels take them (the value up to 256 characters, any character, line breaks included; percent-encode it), split at the first colon, so every stored label can be asked for (a filter on the listing index: it reads the tenant's sessions newest first and keeps the matching ones, so a sparse page may come back short, with next_cursor).",
  }),
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
      "Opaque and signed: next_cursor of the previous page, unchanged, with the same filters (user_id, status, outcome, label, created_after, created_before; limit may change) and a key of the same tenant and scope. Any other value is refused with 400 naming cursor.",
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

export const SessionUpdate = z.object({ session: Session, event: SessionEvent.nullable() }).meta({
  id: "SessionUpdate",
  description:
    "The session after the update and its session_updated event; event is null when the patch changed nothing.",
  example: {
    session: { ...SESSION_EXAMPLE, labels: { flow: "retake" }, version: 2, last_seq: 2 },
    event: {
      record_id: "5d0c7b1e-2f4a-4c3b-9e8d-7a6b5c4d3e2f",
      session_id: "sess_Qm9vdHN0cmFwU2Vzc2lvbg",
      user_id: "user-42",
      seq: 2,
      event_type: "session_updated",
      timestamp: "2026-11-21T12:05:00.000Z",
      source: "session_manager",
      performer_id: "key_Qm9vdHN0cmFwS2V5",
      step_id: null,
      message: null,
      event_data: { changed: ["labels"] },
    },
  },
});
export type SessionUpdate = z.infer<typeof SessionUpdate>;
