/**
 * `events --follow` over the push stream: a ticket, a WebSocket, one
 * subscription from the last seq printed; repeats dropped and holes filled
 * by the SeqFollower; a dropped connection (idle limit, 2 h limit, restart)
 * reopened with a fresh ticket and `after`; polling when the stream cannot
 * be reached. It ends, like polling, when the session's closing event has
 * been printed or the session is deleted.
 */
import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";
import { listEventsRoute } from "#shared/contract/routes/events.ts";
import { createStreamTicketRoute } from "#shared/contract/routes/stream.ts";
import { ServerMessage } from "#shared/contract/schemas/stream.ts";
import type { CliApi } from "./api.ts";
import { ApiError } from "./errors.ts";
import type { EventSink, FollowEnd } from "./events.ts";
import { SeqFollower } from "./seq-follower.ts";

/** Pings keep the connection inside API Gateway's 10 min idle limit. */
const PING_MS = 5 * 60_000;
/** Reconnects in a row that may fail before the follower polls instead. */
const MAX_RECONNECTS = 5;
const CLOSING = new Map([
  ["session_ended", "ended"],
  ["session_expired", "expired"],
] as const);

export type FollowMode = "live" | "polling";

type Outcome = { end: FollowEnd } | { dropped: true; opened: boolean };

export interface LiveFollow {
  /** Resolves with how the session ended, or "unreachable" when the stream cannot be used. */
  done: Promise<FollowEnd | "unreachable">;
  /** The last seq printed, for polling to go on from. */
  last: () => number;
}

export function followLive(
  client: CliApi,
  sessionId: string,
  after: number,
  sink: EventSink,
  onMode: (mode: FollowMode) => void,
): LiveFollow {
  let ended: FollowEnd | undefined;
  let subscribedOnce = false;
  const modes = (mode: FollowMode) => {
    if (mode === "live") subscribedOnce = true;
    onMode(mode);
  };
  const follower = new SeqFollower(
    after,
    async (from) => {
      const { body } = await client.retrying(Number.POSITIVE_INFINITY).call(listEventsRoute, {
        params: { id: sessionId },
        query: { after: from, order: "asc", limit: 1000 },
      });
      return { items: body.items, raw: body.items };
    },
    (event, raw) => {
      if (ended) return;
      sink.event(event, raw);
      const closing = CLOSING.get(event.event_type as "session_ended");
      if (closing) ended = closing;
    },
  );
  const run = async (): Promise<FollowEnd | "unreachable"> => {
    let failures = 0;
    for (;;) {
      const outcome = await connectOnce(client, sessionId, follower, () => ended, modes).catch(
        (error: unknown): Outcome => {
          // Seen once and gone now: deleted, as polling reports it.
          if (error instanceof ApiError && error.code === "NOT_FOUND" && subscribedOnce) {
            return { end: "deleted" };
          }
          if (error instanceof ApiError && error.status < 500 && error.status !== 429) throw error;
          return { dropped: true, opened: false };
        },
      );
      if ("end" in outcome) return outcome.end;
      failures = outcome.opened ? 0 : failures + 1;
      if (failures >= MAX_RECONNECTS) return "unreachable";
      await sleep(Math.min(5000, 250 * 2 ** failures));
    }
  };
  return { done: run(), last: () => follower.last };
}

/** One connection: subscribe from the last seq held, follow until it ends or drops. */
async function connectOnce(
  client: CliApi,
  sessionId: string,
  follower: SeqFollower,
  ended: () => FollowEnd | undefined,
  onMode: (mode: FollowMode) => void,
): Promise<Outcome> {
  const { body: ticket } = await client.call(createStreamTicketRoute, {});
  const socket = new WebSocket(ticket.url);
  let opened = false;
  return new Promise<Outcome>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: Outcome | Error) => {
      if (settled) return;
      settled = true;
      clearInterval(pinger);
      socket.removeAllListeners("close");
      socket.on("error", () => undefined);
      socket.close();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const pinger = setInterval(() => socket.send(JSON.stringify({ action: "ping" })), PING_MS);
    pinger.unref();
    let work = Promise.resolve();
    socket.on("open", () => {
      opened = true;
      socket.send(
        JSON.stringify({ action: "subscribe", session_id: sessionId, after: follower.last }),
      );
    });
    socket.on("message", (data) => {
      const parsed = ServerMessage.safeParse(safeJson(data.toString()));
      if (!parsed.success) return;
      work = work
        .then(() => handle(parsed.data, sessionId, follower, ended, onMode))
        .then((result) => {
          if (result) finish(result);
        })
        .catch((error: unknown) =>
          finish(error instanceof Error ? error : new Error(String(error))),
        );
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      void work.then(() => finish({ dropped: true, opened }));
    });
  });
}

async function handle(
  message: ServerMessage,
  sessionId: string,
  follower: SeqFollower,
  ended: () => FollowEnd | undefined,
  onMode: (mode: FollowMode) => void,
): Promise<Outcome | undefined> {
  if ("session_id" in message && message.session_id !== sessionId) return undefined;
  switch (message.type) {
    case "subscribed":
      onMode("live");
      // A closed session's closing event is in the backlog, or was printed before.
      if (message.latest_seq <= follower.last && ["ended", "expired"].includes(message.status)) {
        return { end: message.status === "ended" ? "ended" : "expired" };
      }
      return undefined;
    case "events":
      await follower.accept(message.items);
      break;
    case "gap":
      await follower.gap(message.before);
      break;
    case "unsubscribed":
      return message.reason === "deleted" ? { end: "deleted" } : { dropped: true, opened: true };
    case "error":
      if (message.error_code === "SESSION_NOT_FOUND") {
        throw new ApiError(404, "NOT_FOUND", message.message, undefined);
      }
      return message.error_code === "VALIDATION_ERROR"
        ? undefined
        : { dropped: true, opened: true };
    default:
      return undefined;
  }
  const end = ended();
  return end ? { end } : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
