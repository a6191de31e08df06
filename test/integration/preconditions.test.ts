/**
 * If-Match on every route that changes a session (PATCH, end, pause,
 * resume, DELETE): strong comparison of the tags' text (RFC 9110 §8.8.3.2),
 * several header lines read as one list, 412 with the version now when
 * stale, and nothing changed.
 */
import { request as httpRequest } from "node:http";
import { beforeAll, describe, expect, it } from "vitest";
import type { ApiError } from "#shared/client/client.ts";
import {
  deleteSessionRoute,
  endSessionRoute,
  getSessionRoute,
  pauseSessionRoute,
  resumeSessionRoute,
  startSessionRoute,
  updateSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import { baseUrl, newKey, uniqueTenant, uniqueUser, useStackStorage } from "../support/api.ts";
import { refusal, stackClient, statusOf } from "../support/client.ts";
import { checkAnswer } from "../support/response-check.ts";

let key: string;

beforeAll(async () => {
  useStackStorage();
  key = await newKey(uniqueTenant("ifmatch"), "admin");
});

async function start(): Promise<{ id: string; user: string }> {
  const user = uniqueUser("ifm");
  const answer = await stackClient(key).call(startSessionRoute, {
    body: { user_id: user, performer_id: "p" },
  });
  expect(answer.status).toBe(201);
  return { id: answer.body.session.session_id, user };
}

async function read(id: string) {
  return stackClient(key).call(getSessionRoute, { params: { id } });
}

const STEPS = { end: endSessionRoute, pause: pauseSessionRoute, resume: resumeSessionRoute };

/** A request with one header sent on several lines, which fetch would join into one. */
function sendWithLines(
  method: string,
  path: string,
  lines: [string, string][],
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const url = new URL(`${baseUrl()}${path}`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: [string, string][] = [["Host", url.host], ["X-API-Key", key], ...lines];
  if (payload !== undefined) {
    headers.push(["Content-Type", "application/json"]);
    headers.push(["Content-Length", String(Buffer.byteLength(payload))]);
  }
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method, headers: headers.flat() },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () => {
          const status = response.statusCode ?? 0;
          const answerHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (typeof value === "string") answerHeaders.set(name, value);
          }
          try {
            checkAnswer({ method, path, status, headers: answerHeaders, text });
            resolve({ status, text });
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

async function expectStale(call: Promise<unknown>, version: number, what: string) {
  const answer: ApiError = await refusal(call);
  expect(answer.status, what).toBe(412);
  expect(answer, what).toMatchObject({
    error_code: "PRECONDITION_FAILED",
    details: { current_version: version },
  });
}

describe("If-Match", () => {
  it("compares tags as text: a tag that only reads as the same number never matches", async () => {
    const { id } = await start();
    for (const tag of ['"01"', '" 1"', '"1.0"', '"+1"', 'W/"1"', '"0x1"']) {
      const answer = stackClient(key).call(updateSessionRoute, {
        params: { id },
        body: { session_notes: "x" },
        headers: { "If-Match": tag },
      });
      await expectStale(answer, 1, tag);
    }
    expect((await read(id)).body).toMatchObject({ version: 1, last_seq: 1 });
    const exact = await stackClient(key).call(updateSessionRoute, {
      params: { id },
      body: { session_notes: "x" },
      headers: { "If-Match": 'W/"1", "1"' },
    });
    expect(exact.status).toBe(200);
  });

  it("reads several If-Match lines as one list, as it reads one line with the same tags", async () => {
    const { id } = await start();
    const lines = await sendWithLines(
      "PATCH",
      `/sessions/${id}`,
      [
        ["If-Match", '"2"'],
        ["If-Match", '"1"'],
        ["If-Match", '"9"'],
      ],
      { session_notes: "lines" },
    );
    expect(lines.status, lines.text).toBe(200);
    const stale = await sendWithLines(
      "PATCH",
      `/sessions/${id}`,
      [
        ["If-Match", '"1"'],
        ["If-Match", '"9"'],
      ],
      { session_notes: "stale" },
    );
    expect(stale.status, stale.text).toBe(412);
    expect((await read(id)).body.version).toBe(2);
  });

  it("reads other headers sent on several lines as a list too, never as the last line alone", async () => {
    const user = uniqueUser("ifm");
    const twoKeys = await sendWithLines(
      "POST",
      "/sessions",
      [
        ["Idempotency-Key", "first"],
        ["Idempotency-Key", "second"],
      ],
      { user_id: user, performer_id: "p" },
    );
    expect(twoKeys.status, twoKeys.text).toBe(400);
    expect(JSON.parse(twoKeys.text)).toMatchObject({ details: { field: "Idempotency-Key" } });
  });

  it.each(["end", "pause"] as const)(
    "holds %s to the version named, and leaves a stale one unchanged",
    async (step) => {
      const { id, user } = await start();
      const body = { user_id: user, performer_id: "p" };
      const stale = stackClient(key).call(STEPS[step], {
        params: { id },
        body,
        headers: { "If-Match": '"999"' },
      });
      await expectStale(stale, 1, step);
      expect((await read(id)).body).toMatchObject({ status: "active", version: 1, last_seq: 1 });
      const current = await stackClient(key).call(STEPS[step], {
        params: { id },
        body,
        headers: { "If-Match": '"1"' },
      });
      expect(current.status).toBe(200);
      expect(current.headers.get("etag")).toBe('"2"');
      expect(current.body.session.version).toBe(2);
    },
  );

  it("holds resume to the version named", async () => {
    const { id, user } = await start();
    const body = { user_id: user, performer_id: "p" };
    const client = stackClient(key);
    expect((await client.call(pauseSessionRoute, { params: { id }, body })).status).toBe(200);
    const stale = client.call(resumeSessionRoute, {
      params: { id },
      body,
      headers: { "If-Match": '"1"' },
    });
    await expectStale(stale, 2, "resume");
    expect((await read(id)).body.status).toBe("paused");
    const any = await client.call(resumeSessionRoute, {
      params: { id },
      body,
      headers: { "If-Match": "*" },
    });
    expect(any.status).toBe(200);
  });

  it("holds DELETE to the version named, and leaves a stale one in place", async () => {
    const { id } = await start();
    const client = stackClient(key);
    const remove = (tag: string) =>
      client.call(deleteSessionRoute, { params: { id }, headers: { "If-Match": tag } });
    await expectStale(remove('"999"'), 1, "delete");
    const malformed = await refusal(remove("1"));
    expect(malformed.status).toBe(400);
    expect(malformed.details?.field).toBe("If-Match");
    expect((await read(id)).status).toBe(200);
    const deleted = await remove('"1"');
    expect(deleted.status).toBe(204);
    expect((await refusal(read(id))).status).toBe(404);
  });

  it("lets exactly one of concurrent ends and deletes with the same If-Match win", async () => {
    const { id, user } = await start();
    const headers = { "If-Match": '"1"' };
    const client = stackClient(key);
    const statuses = await Promise.all([
      statusOf(
        client.call(endSessionRoute, {
          params: { id },
          headers,
          body: { user_id: user, performer_id: "a" },
        }),
      ),
      statusOf(
        client.call(pauseSessionRoute, {
          params: { id },
          headers,
          body: { user_id: user, performer_id: "b" },
        }),
      ),
      statusOf(client.call(deleteSessionRoute, { params: { id }, headers })),
    ]);
    expect(statuses.filter((status) => status === 200 || status === 204)).toHaveLength(1);
    // A loser re-reads before it checks the tag: after a winning end or pause
    // the session is at version 2 (412); after a winning DELETE it is gone,
    // and a request to a missing session is a 404 whatever its preconditions
    // (RFC 9110 §13.2.1).
    const deleted = statuses[2] === 204;
    const losers = statuses.filter((status) => status !== 200 && status !== 204);
    expect(losers).toEqual([deleted ? 404 : 412, deleted ? 404 : 412]);
    if (deleted) expect((await refusal(read(id))).status).toBe(404);
    else {
      const after = await read(id);
      expect(after.status).toBe(200);
      expect(after.body.version).toBe(2);
      expect(after.body.status).toBe(statuses[0] === 200 ? "ended" : "paused");
    }
  });

  it("answers 404, not 412, to an end that loses to a DELETE with the same If-Match", async () => {
    const { id, user } = await start();
    const headers = { "If-Match": '"1"' };
    const client = stackClient(key);
    expect((await client.call(deleteSessionRoute, { params: { id }, headers })).status).toBe(204);
    const late = await refusal(
      client.call(endSessionRoute, {
        params: { id },
        headers,
        body: { user_id: user, performer_id: "a" },
      }),
    );
    expect(late.status).toBe(404);
    expect(late.error_code).toBe("NOT_FOUND");
  });
});
