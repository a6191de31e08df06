import * as z from "zod";
import {
  EVENT_TYPE_PATTERN,
  isReservedEventType,
  MAX_EVENT_DATA_DEPTH,
  MAX_EVENTS_PER_APPEND,
  nestingDepth,
} from "../domain/events.ts";
import { IsoInput, IsoTimestamp, SessionId } from "./common.ts";

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
    performer_id: z.string().trim().min(1).max(128).optional().meta({
      description: "Who acts; defaults to the calling key's id.",
    }),
    step_id: z.string().min(1).max(128).nullable().optional(),
    message: z.string().nullable().optional().meta({ description: "At most 4 KiB (UTF-8)." }),
    event_data: z
      .record(z.string(), z.unknown())
      .refine((data) => nestingDepth(data, MAX_EVENT_DATA_DEPTH) <= MAX_EVENT_DATA_DEPTH, {
        message: `must nest objects and arrays at most ${MAX_EVENT_DATA_DEPTH} levels deep`,
      })
      .optional()
      .meta({
        description: `Any JSON object, at most 64 KiB serialized and ${MAX_EVENT_DATA_DEPTH} levels deep.`,
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

const Seq = (name: string) =>
  z
    .string()
    .regex(/^\d{1,12}$/, `${name} must be a whole number (a seq)`)
    .transform(Number);

export const EventsQuery = z.strictObject({
  since: z
    .string()
    .refine((value) => IsoInput.safeParse(value).success, {
      message: "since must be an ISO 8601 timestamp, e.g. 2026-11-21T12:00:00.000Z",
    })
    .transform((value) => new Date(value).toISOString())
    .optional()
    .meta({ description: "Only events with a timestamp strictly after this." }),
  after: Seq("after").optional().meta({ description: "Only events with seq strictly greater." }),
  before: Seq("before").optional().meta({ description: "Only events with seq strictly smaller." }),
  event_type: z
    .string()
    .regex(EVENT_TYPE_PATTERN, "event_type must match ^[a-z][a-z0-9_.-]{0,63}$")
    .optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, "limit must be a whole number from 1 to 1000")
    .transform(Number)
    .refine((value) => value >= 1 && value <= 1000, "limit must be a whole number from 1 to 1000")
    .optional()
    .meta({ description: "1..1000, default 100; applied after filtering." }),
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
    server_time: IsoTimestamp,
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
