/**
 * The push stream's wire format (DESIGN §9): the ticket answer of
 * `POST /stream-tickets`, the frames a client sends and the messages the
 * server pushes. Events inside `events` messages are exactly the items of
 * `GET /sessions/{id}/events`.
 */
import * as z from "zod";
import { IsoTimestamp, SessionId } from "./common.ts";
import { SessionEvent } from "./event.ts";

export const StreamTicket = z
  .object({
    ticket: z.string().meta({ description: "Opaque, single use, valid 60 s." }),
    url: z.string().meta({
      description:
        "The WebSocket URL to open, the ticket in its query. The API key never travels in a URL.",
    }),
    expires_at: IsoTimestamp,
  })
  .meta({
    id: "StreamTicket",
    description:
      "A one-time ticket for the push stream. Open `url` within 60 s; a reused, expired or forged ticket is refused at the handshake with 401.",
    example: {
      ticket: "stt_2b7Yw0k5cQ8mJ1tVx3nR9aLf4uHe6sDpZg0iOqXy",
      url: "wss://abc123.execute-api.eu-west-1.amazonaws.com/v1?ticket=stt_2b7Yw0k5cQ8mJ1tVx3nR9aLf4uHe6sDpZg0iOqXy",
      expires_at: "2026-11-21T12:01:00.000Z",
    },
  });
export type StreamTicket = z.infer<typeof StreamTicket>;

/** Seq a subscription resumes after: events with a larger seq are sent. */
const After = z.number().int().min(0).max(999_999_999_999);

export const SubscribeFrame = z.strictObject({
  action: z.literal("subscribe"),
  session_id: SessionId,
  after: After.optional(),
});
export const UnsubscribeFrame = z.strictObject({
  action: z.literal("unsubscribe"),
  session_id: SessionId,
});
export const PingFrame = z.strictObject({ action: z.literal("ping") });

export const ClientFrame = z.discriminatedUnion("action", [
  SubscribeFrame,
  UnsubscribeFrame,
  PingFrame,
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** The route keys API Gateway selects by `$request.body.action`. */
export const STREAM_ACTIONS = ["subscribe", "unsubscribe", "ping"] as const;

/** Error codes a stream `error` message carries. */
export const STREAM_ERROR_CODES = [
  "VALIDATION_ERROR",
  "SESSION_NOT_FOUND",
  "TOO_MANY_SUBSCRIPTIONS",
  "UNAVAILABLE",
  "INTERNAL",
] as const;
export type StreamErrorCode = (typeof STREAM_ERROR_CODES)[number];

export const UNSUBSCRIBE_REASONS = ["requested", "deleted"] as const;
export type UnsubscribeReason = (typeof UNSUBSCRIBE_REASONS)[number];

export const ServerMessage = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("subscribed"),
    session_id: SessionId,
    latest_seq: z.number().int().min(0),
    status: z.string(),
  }),
  z.object({ type: z.literal("events"), session_id: SessionId, items: z.array(SessionEvent) }),
  z.object({
    type: z.literal("gap"),
    session_id: SessionId,
    after: z.number().int().min(0),
    before: z.number().int().min(1),
  }),
  z.object({
    type: z.literal("unsubscribed"),
    session_id: SessionId,
    reason: z.enum(UNSUBSCRIBE_REASONS),
  }),
  z.object({
    type: z.literal("error"),
    error_code: z.enum(STREAM_ERROR_CODES),
    message: z.string(),
    session_id: SessionId.optional(),
  }),
  z.object({ type: z.literal("pong") }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
