/**
 * `events`: a session's events, or with --follow every new one until the
 * session is closed. How following works lives behind `followSession`
 * (../follow.ts: the push stream, or polling), so this command only wires
 * options to output.
 */
import type { Command } from "commander";
import { UsageError } from "../errors.ts";
import { type EventSink, listEvents } from "../events.ts";
import { followSession } from "../follow.ts";
import { eventLine } from "../format.ts";
import { integer, isoTime, seconds } from "./arguments.ts";
import { apiFor, NAME, note, painter, writeJson } from "./context.ts";

interface EventsOptions {
  type?: string;
  since?: string;
  after?: number;
  limit?: number;
  json?: boolean;
  follow?: boolean;
  interval: number;
  poll?: boolean;
}

export function addEventsCommand(program: Command): void {
  program
    .command("events")
    .description("A session's events, oldest first: seq, timestamp, type, message.")
    .argument("<session_id>")
    .option("--type <type>", "only events of this type")
    .option("--since <iso>", "only events after this time", isoTime)
    .option("--after <seq>", "only events after this seq", integer("--after", 0, 999_999_999_999))
    .option("--limit <n>", "print at most this many", integer("--limit", 1, 1_000_000))
    .option("--json", "one JSON object per event and line, as the API sent it")
    .option("--follow", "keep printing new events until the session is closed")
    .option("--interval <seconds>", "with --follow: seconds between polls", seconds, 2)
    .option("--poll", "with --follow: poll instead of subscribing to the push stream")
    .action(async (sessionId: string, options: EventsOptions, command) => {
      const api = apiFor(command);
      const colours = painter();
      const sink: EventSink = {
        event: (event, raw) => {
          if (options.json) writeJson(raw);
          else process.stdout.write(`${eventLine(event, colours)}\n`);
        },
      };
      if (!options.follow) {
        await listEvents(api, sessionId, options, sink);
        return;
      }
      if (options.limit !== undefined)
        throw new UsageError("--limit cannot be used with --follow.");
      const end = await followSession(api, sessionId, options, sink, note);
      note(`${NAME}: the session was ${end}.`);
    });
}
