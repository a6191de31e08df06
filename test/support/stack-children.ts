/**
 * The children of a suite's own local stack (DynamoDB Local, the S3
 * emulator), found through its pid file and /proc, for suites that stop,
 * freeze or kill them the way a real failure would.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export type ChildKind = "DynamoDBLocal" | "s3rver";

export function childPid(dataDir: string, kind: ChildKind): number {
  const pids: unknown = JSON.parse(readFileSync(join(dataDir, "local-stack.pids"), "utf8"));
  if (!Array.isArray(pids)) throw new Error("no pid file");
  for (const pid of pids) {
    if (typeof pid !== "number") continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(kind)) return pid;
    } catch {
      // Gone.
    }
  }
  throw new Error(`no ${kind} child recorded`);
}

/** Processes whose command line names the data dir: the stack's children. */
export function processesOnDataDir(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(dataDir))
        pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

/** Resumes and then kills whatever of the stack's children is left. */
export function sweepChildren(dataDir: string): void {
  for (const signal of ["SIGCONT", "SIGKILL"] as const) {
    for (const pid of processesOnDataDir(dataDir)) {
      try {
        process.kill(pid, signal);
      } catch {
        // Gone.
      }
    }
  }
}

/** Probes until it answers something other than undefined; fails after `limitMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  limitMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
