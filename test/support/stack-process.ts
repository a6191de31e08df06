/**
 * `npm start` as a child process, for suites that need the stack exactly as
 * an operator runs it (its own data dir, its own settings): resolves once it
 * prints its base URL, rejects with its output if it exits or stalls first.
 */
import { type ChildProcess, spawn } from "node:child_process";

export interface StackProcess {
  child: ChildProcess;
  baseUrl: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startStackProcess(
  dataDir: string,
  env: Record<string, string> = {},
  timeoutMs = 120_000,
  command: [string, string[]] = [process.execPath, ["--import", "tsx", "infra/local/start.ts"]],
): Promise<StackProcess> {
  const child = spawn(command[0], command[1], {
    env: {
      ...process.env,
      PORT: "0",
      DATA_DIR: dataDir,
      RATE_LIMIT_RPS: "0",
      EXPIRY_INTERVAL_SECONDS: "0",
      LOG_LEVEL: process.env.LOG_LEVEL ?? "CRITICAL",
      POWERTOOLS_METRICS_DISABLED: "true",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => reject(new Error(`npm start did not get ready:\n${output}`)),
      timeoutMs,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ready at (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, baseUrl: match[1], exited });
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}

/** SIGTERM, then wait for the exit (the stack stops its own children first). */
export async function stopStackProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
