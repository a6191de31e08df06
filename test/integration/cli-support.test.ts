/**
 * The command line as a support engineer uses it, as child processes: ending
 * with an outcome and finding failed sessions, files landing in the folder
 * the command was typed in (npm's INIT_CWD), no silent overwrite, and errors
 * that say what to do next.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendEventsRoute } from "#shared/contract/routes/events.ts";
import { baseUrl, newKey, uniqueTenant, uniqueUser } from "../support/api.ts";
import { type CliTarget, runCli } from "../support/cli.ts";
import { stackClient } from "../support/client.ts";

let target: CliTarget;
let callerDir: string;

beforeAll(async () => {
  target = { url: baseUrl(), key: await newKey(uniqueTenant("cli-support"), "admin") };
  callerDir = mkdtempSync(join(tmpdir(), "session-trail-caller-"));
});

afterAll(() => {
  rmSync(callerDir, { recursive: true, force: true });
});

async function startSession(): Promise<{ id: string; user: string }> {
  const user = uniqueUser("cli-support");
  const started = await runCli(["start", "--user", user, "--performer", "cli", "--json"], target);
  expect(started.code, started.stderr).toBe(0);
  return {
    id: (JSON.parse(started.stdout) as { session: { session_id: string } }).session.session_id,
    user,
  };
}

describe("session-trail for support", () => {
  it("ends with --outcome and --reason, and finds failed sessions with --status failed or --outcome", async () => {
    const { id, user } = await startSession();
    const ended = await runCli(
      [
        "end",
        id,
        "--user",
        user,
        "--performer",
        "cli",
        "--outcome",
        "failed",
        "--reason",
        "bake ran out of memory",
        "--json",
      ],
      target,
    );
    expect(ended.code, ended.stderr).toBe(0);
    const session = (JSON.parse(ended.stdout) as { session: Record<string, unknown> }).session;
    expect(session.outcome).toBe("failed");
    expect(session.end_reason).toBe("bake ran out of memory");

    const byStatus = await runCli(["sessions", "--user", user, "--status", "failed"], target);
    expect(byStatus.code, byStatus.stderr).toBe(0);
    expect(byStatus.stderr).toContain('"failed" is an outcome, not a lifecycle status');
    expect(byStatus.stdout).toMatch(/^SESSION\s+STATUS\s+OUTCOME\s+USER/);
    expect(byStatus.stdout).toMatch(new RegExp(`${id}\\s+ended\\s+failed\\s+${user}`));

    const byOutcome = await runCli(["sessions", "--user", user, "--outcome", "completed"], target);
    expect(byOutcome.code, byOutcome.stderr).toBe(0);
    expect(byOutcome.stdout).not.toContain(id);

    const wrong = await runCli(
      ["end", id, "--user", user, "--performer", "cli", "--outcome", "fine"],
      target,
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("completed, abandoned, failed");
  });

  it("uploads from and downloads into the caller's folder (INIT_CWD), and refuses to overwrite without --force", async () => {
    const { id } = await startSession();
    writeFileSync(join(callerDir, "worker.log"), "INFO one\nERROR two\n");
    // npm runs the command in the checkout and says where it was typed in INIT_CWD.
    const asNpm = { INIT_CWD: callerDir };
    const uploaded = await runCli(["upload", id, "worker.log", "logs/worker.log"], target, asNpm);
    expect(uploaded.code, uploaded.stderr).toBe(0);
    expect(uploaded.stderr).toBe("Uploaded 19 B to logs/worker.log.\n");

    const copy = join(callerDir, "copy", "..", "worker-copy.log");
    const downloaded = await runCli(
      ["download", id, "logs/worker.log", "-o", "worker-copy.log"],
      target,
      asNpm,
    );
    expect(downloaded.code, downloaded.stderr).toBe(0);
    expect(readFileSync(copy, "utf8")).toBe("INFO one\nERROR two\n");
    expect(existsSync(join(process.cwd(), "worker-copy.log"))).toBe(false);

    writeFileSync(join(callerDir, "worker.log"), "mine, not to be lost\n");
    const refused = await runCli(["download", id, "logs/worker.log"], target, asNpm);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `${join(callerDir, "worker.log")} already exists; pass --force`,
    );
    expect(readFileSync(join(callerDir, "worker.log"), "utf8")).toBe("mine, not to be lost\n");

    const forced = await runCli(["download", id, "logs/worker.log", "--force"], target, asNpm);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(callerDir, "worker.log"), "utf8")).toBe("INFO one\nERROR two\n");
  });

  it("names the open session on a 409 and the role needed on a 403", async () => {
    const { id, user } = await startSession();
    const again = await runCli(["start", "--user", user, "--performer", "cli"], target);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`ACTIVE_SESSION_EXISTS`);
    expect(again.stderr).toContain(`The open session is ${id}`);

    const support = await newKey(uniqueTenant("cli-support-ro"), "support");
    const forbidden = await runCli(["start", "--user", user, "--performer", "cli"], {
      url: target.url,
      key: support,
    });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain("FORBIDDEN");
    expect(forbidden.stderr).toContain("POST /sessions needs a key with the role app or admin.");
  });

  it("names the data dir it looked in when no stack runs there", async () => {
    const empty = mkdtempSync(join(callerDir, "no-stack-"));
    const result = await runCli(["sessions"], undefined, { DATA_DIR: empty });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`no running local stack was found in ${empty} (DATA_DIR)`);
  });

  it("lines up the event columns and shows the step", async () => {
    const { id } = await startSession();
    const appended = await stackClient(target.key).call(appendEventsRoute, {
      params: { id },
      body: {
        events: [
          { event_type: "step_completed", step_id: "bake", message: "baked" },
          { event_type: "info", message: "idle" },
        ],
      },
    });
    expect(appended.status).toBe(201);
    const events = await runCli(["events", id], target);
    expect(events.code, events.stderr).toBe(0);
    const lines = events.stdout.trimEnd().split("\n");
    expect(lines[1]).toMatch(/step_completed +bake +baked$/);
    expect(lines[2]).toMatch(/info +- +idle$/);
    expect(lines[1]?.indexOf("baked")).toBe(lines[2]?.indexOf("idle"));
  });
});
