/** `investigate`: what happened to a session, as one report. */
import type { Command } from "commander";
import { investigateSessionRoute } from "#shared/contract/routes/workspaces.ts";
import { investigationReport } from "../format.ts";
import { integer } from "./arguments.ts";
import { apiFor, painter, writeJson, writeLines } from "./context.ts";

export function addInvestigateCommand(program: Command): void {
  program
    .command("investigate")
    .description("What happened to a session: status, failure, findings, workspace, log tail.")
    .argument("<session_id>")
    .option("--log-lines <n>", "log lines to show (1..100)", integer("--log-lines", 1, 100), 20)
    .option("--json", "print the API's answer unchanged")
    .action(async (sessionId: string, options: { logLines: number; json?: boolean }, command) => {
      const { body } = await apiFor(command).call(investigateSessionRoute, {
        params: { id: sessionId },
        query: { log_lines: options.logLines },
      });
      if (options.json) writeJson(body);
      else writeLines(investigationReport(body, painter()));
    });
}
