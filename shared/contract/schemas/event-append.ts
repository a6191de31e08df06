/** An append: the events a caller sends and what the append answers. */
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
import { SessionId } from "./common.ts";
import { EXAMPLE_EVENT, SessionEvent } from "./event.ts";

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
