/**
 * `session-trail`: the service's command line for support engineers and
 * workers' developers. It calls the public HTTP API only, so it works against
 * the local stack and a deployed stage alike.
 *
 * Exit codes: 0 success, 1 an API or network error (stderr names the
 * error_code), 2 a usage error, 130 interrupted.
 */
import { basename } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { IsoInput } from "#shared/contract/schemas/common.ts";
import { SessionInvestigationResponse } from "#shared/contract/schemas/investigate.ts";
import { Session, SessionList, SessionWithEvent } from "#shared/contract/schemas/sessions.ts";
import packageJson from "../../../package.json" with { type: "json" };
import { ApiClient, pathSegments } from "./client.ts";
import { ApiError, EXIT, NetworkError, UsageError } from "./errors.ts";
import { listEvents } from "./events.ts";
import { explainApiError } from "./explain.ts";
import { followSession } from "./follow.ts";
import {
  colourWanted,
  eventLine,
  formatBytes,
  investigationReport,
  Painter,
  sessionSummary,
  sessionTable,
  terminalJson,
} from "./format.ts";
import { listFilters, outcome, type StatusFilter, statusOrOutcome } from "./list-filters.ts";
import { callerPath, refuseOverwrite } from "./paths.ts";
import { resolveTarget } from "./target.ts";
import { downloadFile, guessContentType, uploadFile } from "./transfer.ts";

const NAME = "session-trail";

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number.`);
    const number = Number(value);
    if (number < min || number > max) {
      throw new InvalidArgumentError(`${name} must be from ${min} to ${max}.`);
    }
    return number;
  };
}

function seconds(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0.2 || number > 3600) {
    throw new InvalidArgumentError("the interval must be a number of seconds from 0.2 to 3600.");
  }
  return number;
}

function isoTime(value: string): string {
  if (!IsoInput.safeParse(value).success) {
    throw new InvalidArgumentError("must be an ISO 8601 time such as 2026-11-21T12:00:00.000Z.");
  }
  return value;
}

function writeLines(lines: readonly string[]): void {
  if (lines.length) process.stdout.write(`${lines.join("\n")}\n`);
}

function writeJson(value: unknown): void {
  process.stdout.write(`${terminalJson(value)}\n`);
}

function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** The client for a command, from its options and the program's (--url, --api-key). */
function clientFor(command: Command): ApiClient {
  const options = command.optsWithGlobals<{ url?: string; apiKey?: string }>();
  return new ApiClient(resolveTarget({ url: options.url, apiKey: options.apiKey }), (notice) =>
    note(`${NAME}: ${notice.reason} Retrying in ${notice.waitSeconds}s.`),
  );
}

const painter = () => new Painter(colourWanted(process.stdout));

export function buildProgram(): Command {
  const program = new Command(NAME)
    .description(
      "Session Trail on the command line: investigate sessions, follow their events live, upload and download workspace files.",
    )
    .version(packageJson.version)
    .addOption(
      new Option("--url <url>", "the API's base URL, ending in the stage (…/v1)").env(
        "SESSION_TRAIL_URL",
      ),
    )
    .addOption(
      new Option("--api-key <key>", "the API key (prefer the environment variable)").env(
        "SESSION_TRAIL_API_KEY",
      ),
    )
    .addHelpText(
      "after",
      "\nWithout --url and --api-key (or their variables), the running local stack of DATA_DIR (default .data) and its dev key are used.\nExit codes: 0 success, 1 API or network error, 2 usage error, 130 interrupted.",
    )
    .exitOverride()
    .showSuggestionAfterError();

  program
    .command("investigate")
    .description("What happened to a session: status, failure, findings, workspace, log tail.")
    .argument("<session_id>")
    .option("--log-lines <n>", "log lines to show (1..100)", integer("--log-lines", 1, 100), 20)
    .option("--json", "print the API's answer unchanged")
    .action(async (sessionId: string, options: { logLines: number; json?: boolean }, command) => {
      const { raw, parsed } = await clientFor(command).json(
        SessionInvestigationResponse,
        "GET",
        `/sessions/${pathSegments(sessionId)}/investigate`,
        { query: { log_lines: options.logLines } },
      );
      if (options.json) writeJson(raw);
      else writeLines(investigationReport(parsed, painter()));
    });

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
    .action(
      async (
        sessionId: string,
        options: {
          type?: string;
          since?: string;
          after?: number;
          limit?: number;
          json?: boolean;
          follow?: boolean;
          interval: number;
          poll?: boolean;
        },
        command,
      ) => {
        const client = clientFor(command);
        const colours = painter();
        const sink = {
          event: (event: Parameters<typeof eventLine>[0], raw: unknown) => {
            if (options.json) writeJson(raw);
            else process.stdout.write(`${eventLine(event, colours)}\n`);
          },
        };
        if (!options.follow) {
          await listEvents(client, sessionId, options, sink);
          return;
        }
        if (options.limit !== undefined)
          throw new UsageError("--limit cannot be used with --follow.");
        const end = await followSession(client, sessionId, options, sink, note);
        note(`${NAME}: the session was ${end}.`);
      },
    );

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
    .action(
      async (
        options: {
          user?: string;
          status?: StatusFilter;
          outcome?: string;
          limit: number;
          cursor?: string;
          json?: boolean;
        },
        command,
      ) => {
        const filters = listFilters(options);
        if (filters.note) note(`${NAME}: ${filters.note}`);
        const { raw, parsed } = await clientFor(command).json(SessionList, "GET", "/sessions", {
          query: {
            user_id: options.user,
            status: filters.status,
            outcome: filters.outcome,
            limit: options.limit,
            cursor: options.cursor,
          },
        });
        if (options.json) {
          writeJson(raw);
          return;
        }
        if (parsed.items.length === 0) note("No sessions match.");
        else writeLines(sessionTable(parsed.items, painter()));
        if (parsed.next_cursor) note(`More: --cursor ${parsed.next_cursor}`);
      },
    );

  program
    .command("show")
    .description("One session's header: status, user, performer, times, event count.")
    .argument("<session_id>")
    .option("--json", "print the API's answer unchanged")
    .action(async (sessionId: string, options: { json?: boolean }, command) => {
      const { raw, parsed } = await clientFor(command).json(
        Session,
        "GET",
        `/sessions/${pathSegments(sessionId)}`,
      );
      if (options.json) writeJson(raw);
      else writeLines(sessionSummary(parsed, painter()));
    });

  program
    .command("start")
    .description("Start a session for a user (a user has at most one open session).")
    .requiredOption("--user <user_id>", "the session's user")
    .requiredOption("--performer <performer_id>", "who starts it")
    .option("--ttl <seconds>", "lifetime in seconds (1..604800)", integer("--ttl", 1, 604_800))
    .option("--json", "print the API's answer unchanged")
    .action(
      async (
        options: { user: string; performer: string; ttl?: number; json?: boolean },
        command,
      ) => {
        const { raw, parsed } = await clientFor(command).json(
          SessionWithEvent,
          "POST",
          "/sessions",
          {
            body: {
              user_id: options.user,
              performer_id: options.performer,
              ...(options.ttl === undefined ? {} : { ttl_seconds: options.ttl }),
            },
          },
        );
        if (options.json) writeJson(raw);
        else writeLines(sessionSummary(parsed.session, painter()));
      },
    );

  program
    .command("end")
    .description("End a session.")
    .argument("<session_id>")
    .requiredOption("--user <user_id>", "the session's user")
    .requiredOption("--performer <performer_id>", "who ends it")
    .option("--outcome <outcome>", "how it went: completed, abandoned or failed", outcome)
    .option("--reason <text>", "why it ended, in your words (at most 256 characters)")
    .option("--json", "print the API's answer unchanged")
    .action(
      async (
        sessionId: string,
        options: {
          user: string;
          performer: string;
          outcome?: string;
          reason?: string;
          json?: boolean;
        },
        command,
      ) => {
        const { user, performer, outcome, reason } = options;
        const { raw, parsed } = await clientFor(command).json(
          SessionWithEvent,
          "POST",
          `/sessions/${pathSegments(sessionId)}/end`,
          { body: { user_id: user, performer_id: performer, outcome, reason } },
        );
        if (options.json) writeJson(raw);
        else writeLines(sessionSummary(parsed.session, painter()));
      },
    );

  program
    .command("upload")
    .description(
      "Upload a local file to a session's workspace (input/, output/, logs/ or a status file).",
    )
    .argument("<session_id>")
    .argument("<local_file>")
    .argument("<workspace_path>", "e.g. input/scan.usdz")
    .option("--content-type <type>", "the file's MIME type (default: from its extension)")
    .action(
      async (
        sessionId: string,
        localFile: string,
        workspacePath: string,
        options: { contentType?: string },
        command,
      ) => {
        const contentType = options.contentType ?? guessContentType(localFile);
        const { size } = await uploadFile(
          clientFor(command),
          sessionId,
          callerPath(localFile),
          workspacePath,
          contentType,
        );
        note(`Uploaded ${formatBytes(size)} to ${workspacePath}.`);
      },
    );

  program
    .command("download")
    .description("Download a file of a session's workspace.")
    .argument("<session_id>")
    .argument("<workspace_path>", "e.g. logs/blender.log")
    .option(
      "-o, --output <file>",
      "where to write it; - for stdout (default: its name, in the folder you ran the command in)",
    )
    .option("--force", "overwrite the output file if it exists")
    .action(
      async (
        sessionId: string,
        workspacePath: string,
        options: { output?: string; force?: boolean },
        command,
      ) => {
        const output = callerPath(options.output ?? basename(workspacePath));
        await refuseOverwrite(output, options.force);
        const { size } = await downloadFile(clientFor(command), sessionId, workspacePath, output, {
          force: options.force === true,
        });
        if (output !== "-") note(`Downloaded ${formatBytes(size)} to ${output}.`);
      },
    );

  return program;
}

/** Runs the command line and answers its exit code; never throws. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the usage problem (or the help) already.
      return error.code === "commander.helpDisplayed" || error.code === "commander.version"
        ? EXIT.ok
        : EXIT.usage;
    }
    if (error instanceof UsageError) {
      note(`${NAME}: ${error.message}`);
      return EXIT.usage;
    }
    if (error instanceof ApiError) {
      note(`${NAME}: ${error.code}: ${explainApiError(error)}`);
      return EXIT.failure;
    }
    if (error instanceof NetworkError) {
      note(`${NAME}: NETWORK_ERROR: ${error.message}`);
      return EXIT.failure;
    }
    note(`${NAME}: unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failure;
  }
}

function main(): void {
  process.on("SIGINT", () => process.exit(EXIT.interrupted));
  // A reader that goes away (`| head`) is not an error of this tool.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    process.exit(error.code === "EPIPE" ? EXIT.ok : EXIT.failure);
  });
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

main();
