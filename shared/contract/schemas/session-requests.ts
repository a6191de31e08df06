/** The bodies of the requests that start, change and end a session. */
import * as z from "zod";
import { PerformerId, UserId } from "./actors.ts";
import { SessionId } from "./common.ts";
import { LabelKey, LabelValue, MAX_LABEL_VALUE_LENGTH, MAX_LABELS } from "./labels.ts";
import { SessionOutcome } from "./session.ts";

export const MAX_NOTES_BYTES = 4096;
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
