/** Reading a session's events: the query and the page it answers. */
import * as z from "zod";
import { EVENT_TYPE_PATTERN } from "../../domain/events.ts";
import { IsoQueryTime, IsoTimestamp, QueryInteger, SessionId } from "./common.ts";
import { EXAMPLE_EVENT, SessionEvent } from "./event.ts";

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
