/** A push-stream client for the tests: a ticket over HTTP, then a real WebSocket to the local stack. */
import WebSocket from "ws";
import type { SessionEvent } from "#shared/contract/schemas/event.ts";
import { ServerMessage } from "#shared/contract/schemas/stream.ts";
import { api } from "./api.ts";

export interface TestStream {
  socket: WebSocket;
  messages: ServerMessage[];
  send: (frame: unknown) => void;
  /** Resolves with the first message (from `from` on) that matches, or rejects after `timeoutMs`. */
  next: (
    match: (message: ServerMessage) => boolean,
    timeoutMs?: number,
    from?: number,
  ) => Promise<ServerMessage>;
  close: () => Promise<void>;
}

export async function ticketFor(key: string): Promise<{ ticket: string; url: string }> {
  const answer = await api<{ ticket: string; url: string }>("POST", "/stream-tickets", { key });
  if (answer.status !== 201) throw new Error(`ticket: ${answer.status} ${answer.text}`);
  return answer.body;
}

/** The HTTP status the handshake was refused with, or "open". */
export async function handshake(url: string): Promise<number | "open"> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.once("open", () => {
      socket.close();
      resolve("open");
    });
    socket.once("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once("error", () => undefined);
  });
}

export async function openStream(key: string): Promise<TestStream> {
  return connectStream((await ticketFor(key)).url);
}

/** A ticket from a stack other than the shared one (a suite's own), asked for over HTTP. */
export async function ticketAt(baseUrl: string, key: string): Promise<string> {
  const response = await fetch(`${baseUrl}/stream-tickets`, {
    method: "POST",
    headers: { "X-API-Key": key },
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`ticket: ${response.status} ${text}`);
  return (JSON.parse(text) as { url: string }).url;
}

/** Opens the stream URL of a ticket (its query carries the ticket). */
export async function connectStream(url: string): Promise<TestStream> {
  const socket = new WebSocket(url);
  const messages: ServerMessage[] = [];
  const waiters = new Set<() => void>();
  socket.on("message", (data) => {
    messages.push(ServerMessage.parse(JSON.parse(data.toString())));
    for (const wake of waiters) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  const next: TestStream["next"] = (match, timeoutMs = 15_000, from = 0) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = messages.slice(from).find(match);
        if (!found) return false;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `no matching stream message within ${timeoutMs} ms; got ${JSON.stringify(messages).slice(0, 2000)}`,
          ),
        );
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    socket,
    messages,
    send: (frame) => socket.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
    next,
    close: () =>
      new Promise((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once("close", () => resolve());
        socket.close();
      }),
  };
}

/**
 * What a follower keeps, by the protocol's rule: items with a seq past the
 * last it holds, in order; anything at or below is a repeat and dropped.
 */
export function followedSeqs(messages: readonly ServerMessage[], sessionId: string): number[] {
  const held: number[] = [];
  for (const message of messages) {
    if (message.type !== "events" || message.session_id !== sessionId) continue;
    for (const item of message.items as SessionEvent[]) {
      if (item.seq > (held[held.length - 1] ?? 0)) held.push(item.seq);
    }
  }
  return held;
}

/** Every event seq received for a session, repeats included, in arrival order. */
export function receivedSeqs(messages: readonly ServerMessage[], sessionId: string): number[] {
  return messages.flatMap((message) =>
    message.type === "events" && message.session_id === sessionId
      ? message.items.map((item) => item.seq)
      : [],
  );
}

/**
 * What a follower holds after applying the protocol to the messages it got:
 * repeats dropped, holes and gaps filled with `GET …/events?after=`.
 */
export async function followerHolds(
  messages: readonly ServerMessage[],
  sessionId: string,
  key: string,
  /** The seq the follower already held when it subscribed. */
  start = 0,
): Promise<{ seqs: number[]; filled: number; dropped: number }> {
  const seqs: number[] = [];
  let filled = 0;
  let dropped = 0;
  const last = () => seqs[seqs.length - 1] ?? start;
  const fill = async (upTo: number) => {
    while (last() < upTo) {
      const page = await api<{ items: SessionEvent[] }>(
        "GET",
        `/sessions/${sessionId}/events?after=${last()}&order=asc&limit=1000`,
        { key },
      );
      const items = page.body.items.filter((item) => item.seq <= upTo);
      if (items.length === 0) break;
      for (const item of items) seqs.push(item.seq);
      filled += items.length;
    }
  };
  for (const message of messages) {
    if ("session_id" in message && message.session_id !== sessionId) continue;
    if (message.type === "gap") await fill(message.before - 1);
    if (message.type !== "events") continue;
    for (const item of message.items) {
      if (item.seq <= last()) {
        dropped += 1;
        continue;
      }
      if (item.seq > last() + 1) await fill(item.seq - 1);
      seqs.push(item.seq);
    }
  }
  return { seqs, filled, dropped };
}
