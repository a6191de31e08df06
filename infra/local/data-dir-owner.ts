/**
 * One `npm start` per data dir. The first records its pid in the data dir; a
 * second start on the same dir refuses and names what holds it (the running
 * stack's pid and command, its children, its URL), instead of killing the
 * first stack's DynamoDB Local and emulator as leftovers.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod";

export const OWNER_FILE = "local-stack.owner";
const PIDS_FILE = "local-stack.pids";
const ENDPOINTS_FILE = "local-stack.json";

const Owner = z.object({ pid: z.number().int().positive(), started_at: z.string() });

export class DataDirBusyError extends Error {
  override name = "DataDirBusyError";
}

function commandLineOf(pid: number): string | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return raw.split("\0").filter(Boolean).join(" ");
  } catch {
    return undefined;
  }
}

/** The local stack's own command line (`…/infra/local/start.ts`), not a reused pid. */
function isLocalStack(commandLine: string | undefined): commandLine is string {
  return commandLine?.includes("infra/local/start.ts") === true;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** What else the running stack of `dataDir` holds: its children and its URL, as it recorded them. */
function holdings(dataDir: string): string[] {
  const lines: string[] = [];
  const pids = readJson(join(dataDir, PIDS_FILE));
  if (Array.isArray(pids)) {
    for (const pid of pids) {
      if (typeof pid !== "number") continue;
      const commandLine = commandLineOf(pid);
      if (!commandLine) continue;
      const what = commandLine.includes("DynamoDBLocal")
        ? "DynamoDB Local"
        : commandLine.includes("s3rver")
          ? "the S3 emulator"
          : commandLine.slice(0, 80);
      lines.push(`  pid ${pid}: ${what}`);
    }
  }
  const endpoints = readJson(join(dataDir, ENDPOINTS_FILE));
  if (endpoints && typeof endpoints === "object" && "baseUrl" in endpoints) {
    lines.push(`  serving ${String(endpoints.baseUrl)}`);
  }
  return lines;
}

/** Records this process as the data dir's stack; throws DataDirBusyError while another one runs. */
export function claimDataDir(dataDir: string): void {
  const file = join(dataDir, OWNER_FILE);
  const owner = Owner.safeParse(readJson(file));
  if (owner.success && owner.data.pid !== process.pid) {
    const commandLine = commandLineOf(owner.data.pid);
    if (isLocalStack(commandLine)) {
      throw new DataDirBusyError(
        [
          `The data dir ${dataDir} is in use by another local stack, started ${owner.data.started_at}:`,
          `  pid ${owner.data.pid}: ${commandLine}`,
          ...holdings(dataDir),
          `Stop it (kill ${owner.data.pid}; it stops its children) or start with another DATA_DIR.`,
        ].join("\n"),
      );
    }
  }
  writeFileSync(file, JSON.stringify({ pid: process.pid, started_at: new Date().toISOString() }));
}

/** Removes the record, if it is still this process's. */
export function releaseDataDir(dataDir: string): void {
  const file = join(dataDir, OWNER_FILE);
  const owner = Owner.safeParse(readJson(file));
  if (owner.success && owner.data.pid === process.pid) rmSync(file, { force: true });
}
