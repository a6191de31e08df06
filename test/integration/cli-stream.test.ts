/**
 * `session-trail events --follow` on the push stream, run as a child process
 * against the local stack: it subscribes by default, prints each event once
 * in order, sees an append within a second (its poll interval is set far
 * longer, so only the push can do that), and polls when told to.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { appendEventsRoute } from "#shared/contract/routes/events.ts";
import {
  deleteSessionRoute,
  endSessionRoute,
  startSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import { baseUrl, newKey, uniqueTenant, uniqueUser } from "../support/api.ts";
import { type CliTarget, cliEnv, collect, startCli } from "../support/cli.ts";
import { stackClient } from "../support/client.ts";

let target: CliTarget;

beforeAll(async () => {
  target = { url: baseUrl(), key: await newKey(uniqueTenant("cli-stream"), "admin") };
});

async function startSession(): Promise<{ id: string; user: string }> {
  const user = uniqueUser("cli-stream");
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

const seqsOf = (stdout: string) =>
  stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { seq: number }).seq);

describe("events --follow on the push stream", () => {
  it("subscribes by default, sees an append within a second, prints each event once and exits 0 at the end", async () => {
    const { id, user } = await startSession();
    await append(id, "before");
    const follower = collect(
      startCli(["events", id, "--follow", "--interval", "60", "--json"], cliEnv(target)),
    );
    await vi.waitFor(() => expect(follower.output().stderr).toContain("following live"), {
      timeout: 45_000,
      interval: 20,
    });
    await vi.waitFor(() => expect(seqsOf(follower.output().stdout)).toEqual([1, 2]), {
      timeout: 5000,
      interval: 10,
    });
    for (const message of ["live 1", "live 2"]) {
      await append(id, message);
      await vi.waitFor(() => expect(follower.output().stdout).toContain(`"message":"${message}"`), {
        timeout: 1000,
        interval: 10,
      });
    }
    const ended = await stackClient(target.key).call(endSessionRoute, {
      params: { id },
      body: { user_id: user, performer_id: "cli-test" },
    });
    expect(ended.status).toBe(200);
    const result = await follower.done;
    expect(result.code, result.stderr).toBe(0);
    expect(seqsOf(result.stdout)).toEqual([1, 2, 3, 4, 5]);
    expect(result.stderr).toContain("the session was ended");
  });

  it("reports a deleted session and exits 0", async () => {
    const { id } = await startSession();
    const follower = collect(
      startCli(["events", id, "--follow", "--interval", "60", "--json"], cliEnv(target)),
    );
    await vi.waitFor(() => expect(follower.output().stderr).toContain("following live"), {
      timeout: 45_000,
      interval: 20,
    });
    const deleted = await stackClient(target.key).call(deleteSessionRoute, { params: { id } });
    expect(deleted.status).toBe(204);
    const result = await follower.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("the session was deleted");
  });

  it("polls with --poll", async () => {
    const { id, user } = await startSession();
    const follower = collect(
      startCli(["events", id, "--follow", "--poll", "--interval", "0.3", "--json"], cliEnv(target)),
    );
    await vi.waitFor(() => expect(follower.output().stdout).toContain('"seq":1'), {
      timeout: 45_000,
      interval: 20,
    });
    expect(follower.output().stderr).toContain("following by polling");
    await append(id, "polled");
    await stackClient(target.key).call(endSessionRoute, {
      params: { id },
      body: { user_id: user, performer_id: "cli-test" },
    });
    const result = await follower.done;
    expect(result.code, result.stderr).toBe(0);
    expect(seqsOf(result.stdout)).toEqual([1, 2, 3]);
  });

  it("answers a session the key may not see as not found", async () => {
    const { id } = await startSession();
    const stranger = { url: baseUrl(), key: await newKey(uniqueTenant("cli-stranger"), "admin") };
    const result = await collect(startCli(["events", id, "--follow"], cliEnv(stranger))).done;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("NOT_FOUND");
  });
});
