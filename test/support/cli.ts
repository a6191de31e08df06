/** Runs the `session-trail` bin as a child process, as a user's shell would. */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

export const CLI_BIN = join(process.cwd(), "infra", "cli", "session-trail.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliTarget {
  url: string;
  key: string;
}

/** The environment a CLI run gets: no colour, no local stack to fall back on unless given. */
export function cliEnv(target: CliTarget | undefined, extra: NodeJS.ProcessEnv = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...extra };
  delete env.SESSION_TRAIL_URL;
  delete env.SESSION_TRAIL_API_KEY;
  if (target) {
    env.SESSION_TRAIL_URL = target.url;
    env.SESSION_TRAIL_API_KEY = target.key;
  }
  return env;
}

export function startCli(args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [CLI_BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
}

/** Collects a running CLI's output and resolves when it exits. */
export function collect(child: ChildProcess): {
  output: () => CliResult;
  done: Promise<CliResult>;
} {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { output: () => ({ code: child.exitCode, stdout, stderr }), done };
}

export async function runCli(
  args: readonly string[],
  target: CliTarget | undefined,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  return collect(startCli(args, cliEnv(target, extraEnv))).done;
}
