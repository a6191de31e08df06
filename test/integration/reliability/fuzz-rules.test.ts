/**
 * Property-based checks of two rules the schemas cannot state, over HTTP:
 * a listing cursor changed in any way, or sent with other filters, is 400
 * naming `cursor`; an If-Match list matches exactly when one of its strong
 * tags has the ETag's text (RFC 9110 strong comparison), else 412.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  listSessionsRoute,
  startSessionRoute,
  updateSessionRoute,
} from "#shared/contract/routes/sessions.ts";
import { newKey, uniqueTenant, uniqueUser, useStackStorage } from "../../support/api.ts";
import { refusal, stackClient, statusOf } from "../../support/client.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_121);
const RUNS = 120;
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

let key: string;
let cursor: string;
let sessionId: string;

beforeAll(async () => {
  useStackStorage();
  key = await newKey(uniqueTenant("fuzz-rules"), "admin");
  for (let index = 0; index < 3; index += 1) {
    const answer = await stackClient(key).call(startSessionRoute, {
      body: { user_id: uniqueUser("fz"), performer_id: "p", labels: { k: "v" } },
    });
    expect(answer.status).toBe(201);
    sessionId = answer.body.session.session_id;
  }
  const first = await stackClient(key).call(listSessionsRoute, { query: { limit: 1 } });
  cursor = first.body.next_cursor ?? "";
  expect(cursor).not.toBe("");
});

/** One edit of a string: insert, delete, replace or swap at an index, or cut it short. */
type Edit =
  | { kind: "insert" | "replace"; at: number; char: string }
  | { kind: "delete" | "swap" | "truncate"; at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    char: fc.constantFrom(...`${BASE64URL}.=+/% `),
  }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("replace" as const),
    at: fc.nat(),
    char: fc.constantFrom(...`${BASE64URL}.`),
  }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function applyEdit(text: string, change: Edit): string {
  const at = change.at % (text.length + 1);
  switch (change.kind) {
    case "insert":
      return `${text.slice(0, at)}${change.char}${text.slice(at)}`;
    case "delete":
      return `${text.slice(0, at)}${text.slice(at + 1)}`;
    case "replace":
      return `${text.slice(0, at)}${change.char}${text.slice(at + 1)}`;
    case "swap":
      return `${text.slice(0, at)}${text[at + 1] ?? ""}${text[at] ?? ""}${text.slice(at + 2)}`;
    case "truncate":
      return text.slice(0, at);
  }
}
const otherFilters = fc
  .record(
    {
      status: fc.constantFrom("active", "paused", "ended", "expired"),
      outcome: fc.constantFrom("completed", "abandoned", "failed"),
      label: fc.constantFrom("k:v", "k:w", "a:b"),
      user_id: fc.constantFrom("u1", "someone"),
      created_after: fc.constantFrom("2000-01-01T00:00:00Z", "2026-01-01T00:00:00.000Z"),
      created_before: fc.constantFrom("2999-01-01T00:00:00Z", "2100-06-01T12:00:00+02:00"),
    },
    { requiredKeys: [] },
  )
  .filter((filters) => Object.keys(filters).length > 0);

describe("fuzzing listing cursors", () => {
  it(`refuses ${RUNS} cursors changed by one or two edits with 400 naming cursor`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 2 }), async (edits) => {
        const changed = edits.reduce(applyEdit, cursor);
        fc.pre(changed !== cursor);
        const answer = await refusal(
          stackClient(key).call(listSessionsRoute, { query: { limit: 1, cursor: changed } }),
        );
        expect(answer.status, changed).toBe(400);
        expect(answer.details?.field, changed).toBe("cursor");
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });

  it(`refuses a cursor sent with ${RUNS / 2} other sets of filters`, async () => {
    await fc.assert(
      fc.asyncProperty(otherFilters, async (filters) => {
        const query = { ...filters, limit: 1, cursor };
        const answer = await refusal(stackClient(key).call(listSessionsRoute, { query }));
        expect(answer.status, JSON.stringify(query)).toBe(400);
        expect(answer.details?.field, JSON.stringify(query)).toBe("cursor");
      }),
      { numRuns: RUNS / 2, seed: SEED, endOnFailure: true },
    );
  });
});

/** Opaque tag text as RFC 9110 allows it (etagc), biased towards numbers near the version. */
const opaque = fc.oneof(
  fc.constantFrom("1", "01", "001", " 1", "1 ", "+1", "1.0", "1e0", "0x1", "2", ""),
  fc.stringMatching(/^[0-9]{1,4}$/),
  fc.stringMatching(/^[!#-~]{0,8}$/),
);
const tag = fc.record({ weak: fc.boolean(), text: opaque });
const separator = fc.constantFrom(",", ", ", " ,\t");

describe("fuzzing If-Match", () => {
  it(`matches ${RUNS} tag lists exactly when a strong tag reads "1", on the session at version 1`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(tag, { minLength: 1, maxLength: 4 }),
        separator,
        async (tags, comma) => {
          const header = tags.map((each) => `${each.weak ? "W/" : ""}"${each.text}"`).join(comma);
          const matches = tags.some((each) => !each.weak && each.text === "1");
          // An empty patch changes nothing, so the session stays at version 1.
          const answer = stackClient(key).call(updateSessionRoute, {
            params: { id: sessionId },
            body: {},
            headers: { "If-Match": header },
          });
          expect(await statusOf(answer), header).toBe(matches ? 200 : 412);
        },
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });
});
