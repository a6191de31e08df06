/**
 * `session-trail`: the service's command line for support engineers and
 * workers' developers. It calls the public HTTP API only, so it works against
 * the local stack and a deployed stage alike.
 *
 * Exit codes: 0 success, 1 an API or network error (stderr names the
 * error_code), 2 a usage error, 130 interrupted.
 */
import { Command, CommanderError, Option } from "commander";
import packageJson from "../../../package.json" with { type: "json" };
import { NAME, note } from "./commands/context.ts";
import { addEventsCommand } from "./commands/events.ts";
import { addFileCommands } from "./commands/files.ts";
import { addInvestigateCommand } from "./commands/investigate.ts";
import { addSessionCommands } from "./commands/sessions.ts";
import { ApiError, EXIT, NetworkError, UsageError } from "./errors.ts";
import { explainApiError } from "./explain.ts";

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
  // Help lists the commands in the order they are added.
  addInvestigateCommand(program);
  addEventsCommand(program);
  addSessionCommands(program);
  addFileCommands(program);
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
