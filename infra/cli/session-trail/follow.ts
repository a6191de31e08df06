/**
 * `events --follow`: the push stream by default, polling when asked
 * (`--poll`), when a filter needs the server's (`--type`, `--since`), or
 * when the stream cannot be reached, going on from the last seq printed.
 */
import type { CliApi } from "./api.ts";
import { type EventFilters, type EventSink, type FollowEnd, followEvents } from "./events.ts";
import { followLive } from "./follow-stream.ts";

export async function followSession(
  client: CliApi,
  sessionId: string,
  options: EventFilters & { interval: number; poll?: boolean | undefined },
  sink: EventSink,
  note: (message: string) => void,
): Promise<FollowEnd> {
  const poll = () => followEvents(client, sessionId, options, options.interval, sink);
  if (options.poll || options.type !== undefined || options.since !== undefined) {
    note("session-trail: following by polling");
    return poll();
  }
  let announced = false;
  const live = followLive(client, sessionId, options.after ?? 0, sink, (mode) => {
    if (announced) return;
    announced = true;
    note(`session-trail: following ${mode} (push stream)`);
  });
  const end = await live.done;
  if (end !== "unreachable") return end;
  note("session-trail: the push stream cannot be reached; following by polling");
  return followEvents(
    client,
    sessionId,
    { ...options, after: live.last() },
    options.interval,
    sink,
  );
}
