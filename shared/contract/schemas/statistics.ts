import * as z from "zod";
import { PROCESSING_STATUSES } from "../../domain/processing-status.ts";
import { SESSION_OUTCOMES, SESSION_STATUSES } from "../../domain/session.ts";
import { IsoTimestamp, SessionId } from "./common.ts";

export const Statistics = z
  .object({
    counts: z.object({
      active: z.number().int().min(0),
      paused: z.number().int().min(0),
      ended: z.number().int().min(0),
      expired: z.number().int().min(0),
    }),
    outcomes: z
      .object({
        completed: z.number().int().min(0),
        abandoned: z.number().int().min(0),
        failed: z.number().int().min(0),
      })
      .meta({
        description:
          "Ended sessions by the outcome their end gave; ends without one are in counts.ended only.",
      }),
    open: z.number().int().min(0).meta({ description: "active + paused" }),
    total: z.number().int().min(0),
    server_time: IsoTimestamp,
  })
  .meta({
    id: "Statistics",
    description: "Sessions of the caller's tenant by status; deleted sessions are not counted.",
    example: {
      counts: { active: 3, paused: 1, ended: 40, expired: 6 },
      outcomes: { completed: 31, abandoned: 5, failed: 2 },
      open: 4,
      total: 50,
      server_time: "2026-11-21T12:00:00.000Z",
    },
  });
export type Statistics = z.infer<typeof Statistics>;

export const SessionStatistics = z
  .object({
    session_id: SessionId,
    status: z.enum(SESSION_STATUSES),
    events: z.object({
      total: z
        .number()
        .int()
        .min(0)
        .meta({ description: "Every event, boundary events included." }),
      by_type: z.record(z.string(), z.number().int().min(0)),
      client: z.number().int().min(0).meta({
        description: "Events appended by clients (every type not starting with session_).",
      }),
    }),
    first_event_at: IsoTimestamp,
    last_event_at: IsoTimestamp,
    active_seconds: z.number().min(0).meta({
      description:
        "Time spent active, from the boundary events (an open session's current period counts up to now, or to expires_at when it is overdue).",
    }),
    paused_seconds: z.number().min(0),
    events_per_active_minute: z.number().min(0).nullable().meta({
      description: "Client events per minute of active time; null before any active time.",
    }),
    outcome: z.enum(SESSION_OUTCOMES).nullable(),
    processing_status: z.enum(PROCESSING_STATUSES).nullable().meta({
      description:
        "The last processing status investigate read from status.json, or null if none was seen yet.",
    }),
    processing_status_observed_at: IsoTimestamp.nullable(),
    server_time: IsoTimestamp,
  })
  .meta({
    id: "SessionStatistics",
    description:
      "One session's counts and times, from counters its own transactions keep: no event is read.",
    example: {
      session_id: "sess_Qm9vdHN0cmFwU2Vzc2lvbg",
      status: "ended",
      events: {
        total: 42,
        by_type: {
          session_started: 1,
          info: 38,
          session_paused: 1,
          session_resumed: 1,
          session_ended: 1,
        },
        client: 38,
      },
      first_event_at: "2026-11-21T12:00:00.000Z",
      last_event_at: "2026-11-21T12:20:00.000Z",
      active_seconds: 900,
      paused_seconds: 300,
      events_per_active_minute: 2.53,
      outcome: "completed",
      processing_status: "completed",
      processing_status_observed_at: "2026-11-21T12:25:00.000Z",
      server_time: "2026-11-21T12:30:00.000Z",
    },
  });
export type SessionStatistics = z.infer<typeof SessionStatistics>;
