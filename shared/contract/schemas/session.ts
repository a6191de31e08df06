/**
 * A session as the API answers it. Its own module, so a function that
 * answers a session builds this and not the other routes' schemas.
 */
import * as z from "zod";
import { SESSION_OUTCOMES, SESSION_STATUSES } from "../../domain/session.ts";
import { IsoTimestamp, SessionId } from "./common.ts";

export const SessionStatus = z.enum(SESSION_STATUSES);

export const SessionOutcome = z
  .enum(SESSION_OUTCOMES)
  .meta({ description: "How the session went, as the caller that ended it says." });

export const SESSION_EXAMPLE = {
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
