/**
 * Child processes of the local stack. Every child is registered here and
 * killed on every way out of the parent (normal exit, signals, crashes); a
 * pid file in the data dir lets the next start clear children a SIGKILLed
 * parent could not.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";

const children = new Set<ChildProcess>();
let hooksInstalled = false;

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  installHooks();
  return child;
}

export function killAll(signal: NodeJS.Signals = "SIGTERM"): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
}

/** Waits for every tracked child to exit, escalating to SIGKILL after `graceMs`. */
export async function stopAll(graceMs = 3000): Promise<void> {
  const pending = [...children].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
      }),
  );
  killAll("SIGTERM");
  const timer = setTimeout(() => killAll("SIGKILL"), graceMs);
  await Promise.all(pending);
  clearTimeout(timer);
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once("exit", () => killAll("SIGKILL"));
}

/** Kills the children a previous run recorded, if they are still alive. */
export async function clearStaleChildren(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const killed: number[] = [];
  try {
    const pids: unknown = JSON.parse(readFileSync(pidFile, "utf8"));
    if (Array.isArray(pids)) {
      for (const pid of pids) {
        if (typeof pid !== "number" || !isOurChild(pid)) continue;
        try {
          process.kill(pid, "SIGKILL");
          killed.push(pid);
        } catch {
          // Already gone.
        }
      }
    }
  } catch {
    // A torn pid file names nothing we can trust.
  }
  // A killed child holds its port and data dir until it is gone: wait for that.
  const deadline = Date.now() + STALE_EXIT_WAIT_MS;
  while (killed.some(isOurChild) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  rmSync(pidFile, { force: true });
}

const STALE_EXIT_WAIT_MS = 5000;

/** Only a process that is still one of ours is killed: pids get reused. */
function isOurChild(pid: number): boolean {
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return commandLine.includes("DynamoDBLocal") || commandLine.includes("s3rver");
  } catch {
    return false;
  }
}

export function recordChildren(pidFile: string): void {
  const pids = [...children].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  writeFileSync(pidFile, JSON.stringify(pids));
}
