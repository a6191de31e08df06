/**
 * The `session-trail` command line, run as a child process against the local
 * stack exactly as a user runs it: its bin, its environment variables, its
 * exit codes and its output formats.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { appendEventsRoute } from "#shared/contract/routes/events.ts";
import { endSessionRoute, startSessionRoute } from "#shared/contract/routes/sessions.ts";
import { investigateSessionRoute } from "#shared/contract/routes/workspaces.ts";
import { baseUrl, newKey, uniqueTenant, uniqueUser } from "../support/api.ts";
import { type CliTarget, cliEnv, collect, runCli, startCli } from "../support/cli.ts";
import { stackClient } from "../support/client.ts";

interface Started {
  session: { session_id: string; user_id: string; status: string };
}

let target: CliTarget;
let workDir: string;

beforeAll(async () => {
  target = { url: baseUrl(), key: await newKey(uniqueTenant("cli"), "admin") };
  workDir = mkdtempSync(join(tmpdir(), "session-trail-cli-"));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

async function startSession(): Promise<{ id: string; user: string }> {
  const user = uniqueUser("cli");
  const started = await stackClient(target.key).call(startSessionRoute, {
    body: { user_id: user, performer_id: "cli-test" },
  });
  expect(started.status).toBe(201);
  return { id: started.body.session.session_id, user };
}

async function append(id: string, ...messages: string[]): Promise<void> {
  const appended = await stackClient(target.key).call(appendEventsRoute, {
    params: { id },
    body: { events: messages.map((message) => ({ event_type: "info", message })) },
  });
  expect(appended.status).toBe(201);
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("session-trail command line", () => {
  it("starts, lists, shows and ends a session, with --json printing the API's answers", async () => {
    const user = uniqueUser("cli-start");
    const started = await runCli(
      ["start", "--user", user, "--performer", "cli-test", "--ttl", "600", "--json"],
      target,
    );
    expect(started.code, started.stderr).toBe(0);
    const session = (JSON.parse(started.stdout) as Started).session;
    expect(session.user_id).toBe(user);

    const listed = await runCli(["sessions", "--user", user, "--json"], target);
    expect(listed.code).toBe(0);
    const list = JSON.parse(listed.stdout) as { items: Array<{ session_id: string }> };
    expect(list.items.map((item) => item.session_id)).toEqual([session.session_id]);

    const table = await runCli(["sessions", "--user", user, "--status", "active"], target);
    expect(table.stdout).toMatch(new RegExp(`${session.session_id}\\s+active\\s+-\\s+${user}`));

    const ended = await runCli(
      ["end", session.session_id, "--user", user, "--performer", "cli-test"],
      target,
    );
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toContain(`${session.session_id}  ended`);

    const shown = await runCli(["show", session.session_id, "--json"], target);
    expect((JSON.parse(shown.stdout) as { status: string }).status).toBe("ended");
    // The key is never printed, whatever the command.
    for (const run of [started, listed, table, ended, shown]) {
      expect(run.stdout + run.stderr).not.toContain(target.key);
    }
  });

  it("prints one line per event (seq, timestamp, type, message) and filters by type and seq", async () => {
    const { id } = await startSession();
    await append(id, "first", "second\nwith a newline and \u001b[31mescape");
    const warned = await stackClient(target.key).call(appendEventsRoute, {
      params: { id },
      body: { events: [{ event_type: "warning", message: "careful" }] },
    });
    expect(warned.status).toBe(201);

    const all = await runCli(["events", id], target);
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\s+1 {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}session_started +-$/);
    expect(lines[1]).toMatch(/^\s+2 {2}\S+Z {2}info +- +first$/);
    // Columns line up: the message starts at the same place on every line.
    expect(lines[1]?.indexOf("first")).toBe(lines[2]?.indexOf("second"));
    // Control characters are shown as escapes, never sent to the terminal.
    expect(lines[2]).toContain("second\\nwith a newline and \\u001b[31mescape");

    const warnings = await runCli(["events", id, "--type", "warning", "--json"], target);
    expect(jsonLines(warnings.stdout).map((event) => event.message)).toEqual(["careful"]);

    const afterTwo = await runCli(["events", id, "--after", "2", "--limit", "1", "--json"], target);
    expect(jsonLines(afterTwo.stdout).map((event) => event.seq)).toEqual([3]);
  });

  it("escapes bidi and C1 controls in events, as text and as --json (U+202E and U+009B went out raw)", async () => {
    const { id } = await startSession();
    const message = "file\u202Etxt.exe \u009B31m \u2066x\u2069 \u200F\u061C\u0085";
    await append(id, message);
    const unsafe = /[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

    const text = await runCli(["events", id], target);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).not.toMatch(unsafe);
    expect(text.stdout).toContain(
      "file\\u202etxt.exe \\u009b31m \\u2066x\\u2069 \\u200f\\u061c\\u0085",
    );

    const json = await runCli(["events", id, "--json"], target);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).not.toMatch(unsafe);
    expect(json.stdout).toContain("\\u202e");
    expect(json.stdout).toContain("\\u009b");
    // The same value as the API sent, only written with escapes.
    expect(jsonLines(json.stdout).map((event) => event.message)).toContain(message);
  });

  it("events --follow prints events appended while it runs, each once, and exits 0 when the session ends", async () => {
    const { id, user } = await startSession();
    await append(id, "before");
    const follower = collect(
      startCli(["events", id, "--follow", "--interval", "0.3", "--json"], cliEnv(target)),
    );
    await vi.waitFor(() => expect(follower.output().stdout).toContain('"message":"before"'), {
      timeout: 15_000,
      interval: 50,
    });
    await append(id, "during 1", "during 2");
    await vi.waitFor(() => expect(follower.output().stdout).toContain('"message":"during 2"'), {
      timeout: 15_000,
      interval: 50,
    });
    await append(id, "during 3");
    const ended = await stackClient(target.key).call(endSessionRoute, {
      params: { id },
      body: { user_id: user, performer_id: "cli-test" },
    });
    expect(ended.status).toBe(200);

    const result = await follower.done;
    expect(result.code, result.stderr).toBe(0);
    const events = jsonLines(result.stdout);
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.map((event) => event.event_type).at(-1)).toBe("session_ended");
    expect(result.stderr).toContain("the session was ended");
  });

  it("uploads a workspace, investigates its failure and downloads a file back", async () => {
    const { id } = await startSession();
    const status = join(workDir, "status.json");
    writeFileSync(
      status,
      JSON.stringify({
        status: "failed",
        processing_stage: "texture_bake",
        error_code: "BLENDER_OOM",
        error_message: "out of memory",
        blender_exit_code: 137,
        failed_at: "2026-11-21T12:19:30.000Z",
      }),
    );
    const log = join(workDir, "run.log");
    writeFileSync(log, "INFO start\nWARNING memory at 92%\nERROR could not allocate\nINFO bye\n");
    for (const [file, path] of [
      [status, "status.json"],
      [log, "logs/run.log"],
    ] as const) {
      const uploaded = await runCli(["upload", id, file, path], target);
      expect(uploaded.code, uploaded.stderr).toBe(0);
    }

    const report = await runCli(["investigate", id, "--log-lines", "10"], target);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain("FAILED");
    expect(report.stdout).toMatch(/stage\s+texture_bake/);
    expect(report.stdout).toMatch(/code\s+BLENDER_OOM/);
    expect(report.stdout).toMatch(/exit code\s+137 \(.+\)/);
    expect(report.stdout).toMatch(/run\.log\s+\d+ B/);
    // Error lines are marked; others are not.
    expect(report.stdout).toContain("! ERROR could not allocate");
    expect(report.stdout).toContain("  INFO bye");

    const asJson = await runCli(["investigate", id, "--json"], target);
    const direct = await stackClient(target.key).call(investigateSessionRoute, { params: { id } });
    const printed = JSON.parse(asJson.stdout) as Record<string, unknown>;
    expect(Object.keys(printed)).toEqual(Object.keys(direct.body));
    expect(printed.error_details).toEqual(direct.body.error_details);

    const copy = join(workDir, "copy.log");
    const downloaded = await runCli(["download", id, "logs/run.log", "-o", copy], target);
    expect(downloaded.code, downloaded.stderr).toBe(0);
    expect(readFileSync(copy, "utf8")).toBe(readFileSync(log, "utf8"));
    const toStdout = await runCli(["download", id, "logs/run.log", "-o", "-"], target);
    expect(toStdout.stdout).toBe(readFileSync(log, "utf8"));
  });

  it("exits 1 with the error_code on stderr for API and network errors", async () => {
    const missing = await runCli(["show", "sess_AAAAAAAAAAAAAAAAAAAAAA"], target);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("NOT_FOUND");

    const badKey = await runCli(["sessions"], { url: target.url, key: "st_not-a-key" });
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toContain("UNAUTHORIZED");
    expect(badKey.stderr).not.toContain("st_not-a-key");

    const refused = await runCli(["start", "--user", "u", "--performer", "p"], {
      url: "http://127.0.0.1:9/v1",
      key: target.key,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("NETWORK_ERROR");

    const rejected = await runCli(
      ["upload", "sess_AAAAAAAAAAAAAAAAAAAAAA", CLI_FIXTURE, "../x"],
      target,
    );
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/VALIDATION_ERROR|NOT_FOUND/);
  });

  it("exits 2 for usage errors and 0 for --help on every command", async () => {
    expect((await runCli(["events"], target)).code).toBe(2);
    expect((await runCli(["events", "sess_x", "--limit", "many"], target)).code).toBe(2);
    expect((await runCli(["sessions", "--status", "sleeping"], target)).code).toBe(2);
    expect((await runCli(["frobnicate"], target)).code).toBe(2);
    const emptyDir = mkdtempSync(join(workDir, "no-stack-"));
    const untargeted = await runCli(["sessions"], undefined, { DATA_DIR: emptyDir });
    expect(untargeted.code).toBe(2);
    expect(untargeted.stderr).toContain("SESSION_TRAIL_URL");

    for (const command of [
      [],
      ["investigate"],
      ["events"],
      ["sessions"],
      ["show"],
      ["start"],
      ["end"],
      ["upload"],
      ["download"],
    ]) {
      const help = await runCli([...command, "--help"], undefined);
      expect(help.code, command.join(" ")).toBe(0);
      expect(help.stdout).toContain("Usage: session-trail");
    }
  });
});

const CLI_FIXTURE = join(process.cwd(), "package.json");
