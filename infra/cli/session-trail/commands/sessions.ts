/** The session commands: `sessions` (the list), `show`, `start` and `end`. */
import type { Command } from "commander";
import {
  endSessionRoute,
  getSessionRoute,
  listSessionsRoute,
  startSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import type { SessionOutcome } from "#shared/domain/session.ts";
import { sessionSummary, sessionTable } from "../format.ts";
import { listFilters, outcome, type StatusFilter, statusOrOutcome } from "../list-filters.ts";
import { integer } from "./arguments.ts";
import { apiFor, NAME, note, painter, writeJson, writeLines } from "./context.ts";

interface ListOptions {
  user?: string;
  status?: StatusFilter;
  outcome?: SessionOutcome;
  limit: number;
  cursor?: string;
  json?: boolean;
}

function addListCommand(program: Command): void {
  program
    .command("sessions")
    .description("The tenant's sessions, newest first.")
    .option("--user <user_id>", "only this user's sessions")
    .option(
      "--status <status>",
      "only sessions in this lifecycle status (active, paused, ended, expired); an outcome such as failed is taken as --outcome",
      statusOrOutcome,
    )
    .option(
      "--outcome <outcome>",
      "only ended sessions with this outcome (completed, abandoned, failed)",
      outcome,
    )
    .option("--limit <n>", "sessions per page (1..100)", integer("--limit", 1, 100), 20)
    .option("--cursor <cursor>", "the next page, as printed after the previous one")
    .option("--json", "print the API's answer unchanged")
    .action(async (options: ListOptions, command) => {
      const filters = listFilters(options);
      if (filters.note) note(`${NAME}: ${filters.note}`);
      const { body } = await apiFor(command).call(listSessionsRoute, {
        query: {
          user_id: options.user,
          status: filters.status,
          outcome: filters.outcome,
          limit: options.limit,
          cursor: options.cursor,
        },
      });
      if (options.json) {
        writeJson(body);
        return;
      }
      if (body.items.length === 0) note("No sessions match.");
      else writeLines(sessionTable(body.items, painter()));
      if (body.next_cursor) note(`More: --cursor ${body.next_cursor}`);
    });
}

function addShowCommand(program: Command): void {
  program
    .command("show")
    .description("One session's header: status, user, performer, times, event count.")
    .argument("<session_id>")
    .option("--json", "print the API's answer unchanged")
    .action(async (sessionId: string, options: { json?: boolean }, command) => {
      const { body } = await apiFor(command).call(getSessionRoute, { params: { id: sessionId } });
      if (options.json) writeJson(body);
      else writeLines(sessionSummary(body, painter()));
    });
}

interface StartOptions {
  user: string;
  performer: string;
  ttl?: number;
  json?: boolean;
}

function addStartCommand(program: Command): void {
  program
    .command("start")
    .description("Start a session for a user (a user has at most one open session).")
    .requiredOption("--user <user_id>", "the session's user")
    .requiredOption("--performer <performer_id>", "who starts it")
    .option("--ttl <seconds>", "lifetime in seconds (1..604800)", integer("--ttl", 1, 604_800))
    .option("--json", "print the API's answer unchanged")
    .action(async (options: StartOptions, command) => {
      const { body } = await apiFor(command).call(startSessionRoute, {
        body: {
          user_id: options.user,
          performer_id: options.performer,
          ...(options.ttl === undefined ? {} : { ttl_seconds: options.ttl }),
        },
      });
      if (options.json) writeJson(body);
      else writeLines(sessionSummary(body.session, painter()));
    });
}

interface EndOptions {
  user: string;
  performer: string;
  outcome?: SessionOutcome;
  reason?: string;
  json?: boolean;
}

function addEndCommand(program: Command): void {
  program
    .command("end")
    .description("End a session.")
    .argument("<session_id>")
    .requiredOption("--user <user_id>", "the session's user")
    .requiredOption("--performer <performer_id>", "who ends it")
    .option("--outcome <outcome>", "how it went: completed, abandoned or failed", outcome)
    .option("--reason <text>", "why it ended, in your words (at most 256 characters)")
    .option("--json", "print the API's answer unchanged")
    .action(async (sessionId: string, options: EndOptions, command) => {
      const { user, performer, outcome, reason } = options;
      const { body } = await apiFor(command).call(endSessionRoute, {
        params: { id: sessionId },
        body: { user_id: user, performer_id: performer, outcome, reason },
      });
      if (options.json) writeJson(body);
      else writeLines(sessionSummary(body.session, painter()));
    });
}

export function addSessionCommands(program: Command): void {
  addListCommand(program);
  addShowCommand(program);
  addStartCommand(program);
  addEndCommand(program);
}
