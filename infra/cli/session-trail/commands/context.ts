/**
 * What every command needs: the API reached with the program's --url and
 * --api-key, the terminal's colours, and the three ways to write output.
 */
import type { Command } from "commander";
import { CliApi } from "../api.ts";
import { colourWanted, Painter, terminalJson } from "../format.ts";
import { resolveTarget } from "../target.ts";

export const NAME = "session-trail";

export function writeLines(lines: readonly string[]): void {
  if (lines.length) process.stdout.write(`${lines.join("\n")}\n`);
}

export function writeJson(value: unknown): void {
  process.stdout.write(`${terminalJson(value)}\n`);
}

/** A remark for the person at the terminal, on stderr so pipes carry data only. */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** The API for a command, from its options and the program's (--url, --api-key). */
export function apiFor(command: Command): CliApi {
  const options = command.optsWithGlobals<{ url?: string; apiKey?: string }>();
  return new CliApi(resolveTarget({ url: options.url, apiKey: options.apiKey }), (notice) =>
    note(`${NAME}: ${notice.reason} Retrying in ${notice.waitSeconds}s.`),
  );
}

export const painter = (): Painter => new Painter(colourWanted(process.stdout));
