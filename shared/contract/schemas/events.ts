import * as z from "zod";
import {
  EVENT_TYPE_PATTERN,
  findUnstorableValue,
  isReservedEventType,
  MAX_EVENT_DATA_DEPTH,
  MAX_EVENTS_PER_APPEND,
  MAX_MESSAGE_BYTES,
  nestingDepth,
  UNSTORABLE_KEY,
} from "../../domain/events.ts";
import { IsoQueryTime, IsoTimestamp, QueryInteger, SessionId } from "./common.ts";

const EXAMPLE_EVENT = {
  record_id: "5f0c6d1e-8a4b-4c2d-9e7f-0a1b2c3d4e5f",
  session_id: "sess_Qm9vdHN0cmFwU2Vzc2lvbg",
  user_id: "user-42",
  seq: 2,
  event_type: "step_completed",
  timestamp: "2026-11-21T12:05:00.000Z",
  source: "api",
  performer_id: "worker-7",
  step_id: "convert",
  message: "Converted scan",
  event_data: { duration_ms: 5400 },
};

export const SessionEvent = z
  .object({
    record_id: z.uuid(),
    session_id: SessionId,
    user_id: z.string(),
    seq: z
      .number()
      .int()
      .min(1)
      .meta({ description: "1, 2, 3 … per session, gap-free, commit order." }),
    event_type: z.string(),
    timestamp: IsoTimestamp,
    source: z.enum(["session_manager", "api"]),
    performer_id: z.string(),
    step_id: z.string().nullable(),
    message: z.string().nullable(),
    event_data: z.record(z.string(), z.unknown()),
  })
  .meta({
    id: "SessionEvent",
    example: EXAMPLE_EVENT,
  });
export type SessionEvent = z.infer<typeof SessionEvent>;

const EventType = z
  .string()
  .regex(EVENT_TYPE_PATTERN, "must match ^[a-z][a-z0-9_.-]{0,63}$")
  .refine((type) => !isReservedEventType(type), {
    message: "types starting with session_ are written by the server only",
  })
  .meta({
    description: "info, warning, error, step_started, step_completed or a custom type.",
    example: "step_completed",
  });

export const NewEvent = z
  .strictObject({
    event_type: EventType,
    performer_id: z.string().max(128).regex(/\S/, "must not be empty").trim().optional().meta({
      description: "Who acts; defaults to the calling key's id.",
    }),
    step_id: z.string().min(1).max(128).nullable().optional(),
    message: z
      .string()
      .meta({
        description: `At most ${MAX_MESSAGE_BYTES} bytes of UTF-8 (4 KiB).`,
        override: { "x-max-utf8-bytes": MAX_MESSAGE_BYTES },
      })
      .nullable()
      .optional(),
    event_data: z
      // The record would drop a top-level `__proto__` before any refinement saw it.
      .record(
        z.string().regex(/^(?!__proto__$)/, `${UNSTORABLE_KEY} cannot be stored as a member name`),
        z.unknown(),
      )
      .superRefine((data, context) => {
        if (nestingDepth(data, MAX_EVENT_DATA_DEPTH) > MAX_EVENT_DATA_DEPTH) {
          context.addIssue({
            code: "custom",
            message: `must nest objects and arrays at most ${MAX_EVENT_DATA_DEPTH} levels deep`,
          });
          return;
        }
        const unstorable = findUnstorableValue(data);
        if (unstorable) {
          context.addIssue({ code: "custom", message: unstorable.message, path: unstorable.path });
        }
      })
      .optional()
      .meta({
        description: `Any JSON object, at most 64 KiB serialized and ${MAX_EVENT_DATA_DEPTH} levels deep. Numbers must be zero or of magnitude from 1e-130 to below 1e126 (what DynamoDB stores; 1e309 is refused, not turned into null), and an integer written out must be of magnitude at most 9007199254740991 (larger ones would be rounded: send them as strings); no member may be named ${UNSTORABLE_KEY} (constructor and prototype are kept as data).`,
      }),
  })
  .meta({ id: "NewEvent" });
export type NewEvent = z.infer<typeof NewEvent>;

export const AppendEventsBody = z
  .strictObject({
    events: z.array(NewEvent).min(1).max(MAX_EVENTS_PER_APPEND),
  })
  .meta({
    id: "AppendEventsRequest",
    example: {
      events: [
        { event_type: "step_started", step_id: "convert", message: "Converting scan" },
        { event_type: "info", message: "50% done", event_data: { progress: 50 } },
      ],
    },
  });
export type AppendEventsBody = z.infer<typeof AppendEventsBody>;

export const AppendEventsResult = z
  .object({
    session_id: SessionId,
    items: z.array(SessionEvent),
    first_seq: z.number().int().min(1),
    last_seq: z.number().int().min(1),
  })
  .meta({
    id: "AppendEventsResponse",
    example: {
      session_id: "sess_Qm9vdHN0cmFwU2Vzc2lvbg",
      items: [EXAMPLE_EVENT],
      first_seq: 2,
      last_seq: 2,
    },
  });
export type AppendEventsResult = z.infer<typeof AppendEventsResult>;

/** Largest seq a query can name (event sort keys hold 12 digits). */
const MAX_QUERY_SEQ = 999_999_999_999;

export const EventsQuery = z.strictObject({
  since: IsoQueryTime.optional().meta({
    description:
      "Only events with a timestamp strictly after this: an ISO 8601 date-time with Z or an offset, e.g. 2026-11-21T12:00:00.000Z. A time in the future answers no events. Timestamps strictly increase along seq, so a poller that sends the previous answer's `server_time` (or, oldest first with `has_more`, the last item's `timestamp`) sees every event once, in order.",
  }),
  after: QueryInteger("after", 0, MAX_QUERY_SEQ).optional().meta({
    description: "Only events with seq strictly greater: the last seq a poller has seen.",
  }),
  before: QueryInteger("before", 0, MAX_QUERY_SEQ)
    .optional()
    .meta({ description: "Only events with seq strictly smaller." }),
  event_type: z
    .string()
    .regex(EVENT_TYPE_PATTERN, "event_type must match ^[a-z][a-z0-9_.-]{0,63}$")
    .optional()
    .meta({
      description: "Only events of this type (boundary types such as session_started included).",
    }),
  limit: QueryInteger("limit", 1, 1000)
    .optional()
    .meta({ description: "Most events to return, applied after filtering; 100 when not given." }),
  order: z
    .enum(["asc", "desc"], { message: "order must be asc or desc" })
    .optional()
    .meta({ description: "desc (default, newest first) or asc." }),
});
export type EventsQuery = z.infer<typeof EventsQuery>;

export const EventPage = z
  .object({
    session_id: SessionId,
    items: z.array(SessionEvent),
    total: z.number().int().min(0).meta({ description: "All events matching the filters." }),
    returned: z.number().int().min(0),
    has_more: z.boolean(),
    latest_seq: z.number().int().min(0).meta({ description: "The session's newest seq." }),
    server_time: IsoTimestamp.meta({
      description:
        "The `since` to send next: every event stamped at or before it (and after this request's `since`) is in this answer, or, newest first with `has_more`, in it and the older pages read with `before`; every event committed later is stamped after it. It is the newest covered event's timestamp, not the wall clock, so it may trail the clock; it never echoes `since` (with no event covered it is the session's newest event timestamp), so it never runs ahead of what the read saw.",
    }),
  })
  .meta({
    id: "EventPage",
    example: {
      session_id: "sess_Qm9vdHN0cmFwU2Vzc2lvbg",
      items: [EXAMPLE_EVENT],
      total: 1,
      returned: 1,
      has_more: false,
      latest_seq: 2,
      server_time: "2026-11-21T12:06:00.000Z",
    },
  });
export type EventPage = z.infer<typeof EventPage>;
