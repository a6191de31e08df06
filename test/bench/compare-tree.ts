/**
 * The two trees of `npm run bench -- compare <ref>`: the reference checked out
 * in a temporary git worktree and installed, and each tree's local stack run
 * as its own process (`node --import tsx infra/local/start.ts`), whose CPU is
 * read from /proc for the process and every descendant (DynamoDB Local, the S3
 * emulator), since `process.cpuUsage` sees only its own process.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface Tree {
  label: "new" | "ref";
  root: string;
  /** How its node_modules came to be. */
  install: string;
  remove: () => void;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Checks `ref` out beside the current tree and installs it (or shares node_modules). */
export function checkOutRef(projectRoot: string, ref: string): Tree {
  const commit = git(projectRoot, "rev-parse", "--verify", `${ref}^{commit}`).trim();
  const root = join(mkdtempSync(join(tmpdir(), "session-trail-compare-")), "ref");
  git(projectRoot, "worktree", "add", "--detach", root, commit);
  const remove = () => {
    try {
      git(projectRoot, "worktree", "remove", "--force", root);
    } catch {
      rmSync(root, { recursive: true, force: true });
      git(projectRoot, "worktree", "prune");
    }
  };
  try {
    const sameLock =
      readFileSync(join(root, "package-lock.json"), "utf8") ===
      readFileSync(join(projectRoot, "package-lock.json"), "utf8");
    let install: string;
    if (sameLock) {
      symlinkSync(join(projectRoot, "node_modules"), join(root, "node_modules"), "dir");
      install = "package-lock.json identical: node_modules symlinked to the current tree's";
    } else {
      console.log(`installing ${ref} (${commit.slice(0, 7)}) with npm ci ...`);
      execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
        cwd: root,
        stdio: ["ignore", "ignore", "inherit"],
      });
      install = "package-lock.json differs: installed with npm ci";
    }
    return { label: "ref", root, install: `${ref} = ${commit.slice(0, 7)}; ${install}`, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/**
 * CPU (utime + stime) of `pid` and all its descendants, and of `pid` alone
 * (the gateway and the handlers), in milliseconds.
 */
export function treeCpuMs(pid: number): { tree: number; gateway: number } {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone since the listing
    }
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ppid = Number(fields[1]);
    ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  let total = 0;
  const queue = [pid];
  while (queue.length) {
    const next = queue.pop() as number;
    total += ticks.get(next) ?? 0;
    queue.push(...(children.get(next) ?? []));
  }
  return { tree: total * TICK_MS, gateway: (ticks.get(pid) ?? 0) * TICK_MS };
}

const TICK_MS = 1000 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

export interface RunningStack {
  tree: Tree;
  baseUrl: string;
  adminKey: string;
  pid: number;
  stop: () => Promise<void>;
}

/**
 * Starts a tree's local stack as `npm start` does, on a free port, with
 * in-memory DynamoDB, no rate limit, no expiry timer and its own data dir.
 * `extraNodeArgs` (e.g. `--cpu-prof`) go to the gateway's node.
 */
export async function startTreeStack(tree: Tree, extraNodeArgs: string[]): Promise<RunningStack> {
  const dataDir = mkdtempSync(join(tmpdir(), `session-trail-compare-${tree.label}-`));
  const logFile = join(dataDir, "stack.log");
  const out = openSync(logFile, "w");
  const child: ChildProcess = spawn(
    process.execPath,
    [...extraNodeArgs, "--import", "tsx", "infra/local/start.ts"],
    {
      cwd: tree.root,
      stdio: ["ignore", out, out],
      env: {
        ...process.env,
        PORT: "0",
        DATA_DIR: dataDir,
        DYNAMODB_IN_MEMORY: "true",
        RATE_LIMIT_RPS: "0",
        EXPIRY_INTERVAL_SECONDS: "0",
        AUTHORIZER_CACHE_SECONDS: "300",
      },
    },
  );
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await Promise.race([exited, sleep(15_000)]);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const started = Date.now();
  while (Date.now() - started < 120_000) {
    const log = readFileSync(logFile, "utf8");
    const url = /ready at (\S+)/.exec(log)?.[1];
    const keyFile = join(dataDir, "dev-api-key");
    if (url && existsSync(keyFile)) {
      const adminKey = readFileSync(keyFile, "utf8").trim();
      return { tree, baseUrl: url, adminKey, pid: child.pid as number, stop };
    }
    if (child.exitCode !== null) break;
    await sleep(200);
  }
  const log = readFileSync(logFile, "utf8");
  await stop();
  throw new Error(`the ${tree.label} stack did not start:\n${log.slice(-2000)}`);
}
