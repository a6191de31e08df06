/**
 * The limits the server keeps are in the document, and the fuzzing suite's
 * generator reaches every limit the document states (and goes past where it
 * states none), so a limit left out of the document is a valid request the
 * server refuses: the failure the suite looks for.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { oas31 } from "zod-openapi";
import { buildOpenApiDocument } from "#shared/contract/openapi.ts";
import { SchemaArbitraries } from "../support/schema-arbitrary.ts";

const document = buildOpenApiDocument();
const components = document.components?.schemas ?? {};
const schemas = new SchemaArbitraries(document);

function property(component: string, name: string): oas31.SchemaObject {
  const owner = components[component] as oas31.SchemaObject;
  return schemas.resolve(owner.properties?.[name] ?? {});
}

function stringVariant(schema: oas31.SchemaObject): Record<string, unknown> {
  const variant = (schema.anyOf ?? [schema]).find(
    (each) => (each as oas31.SchemaObject).type === "string",
  );
  return variant as Record<string, unknown>;
}

describe("the document states the limits the server keeps", () => {
  it("gives start's labels maxProperties 20", () => {
    expect(property("StartSessionRequest", "labels").maxProperties).toBe(20);
  });

  it("gives session_notes and an event's message x-max-utf8-bytes 4096", () => {
    expect(
      stringVariant(property("StartSessionRequest", "session_notes"))["x-max-utf8-bytes"],
    ).toBe(4096);
    expect(
      stringVariant(property("SessionUpdateRequest", "session_notes"))["x-max-utf8-bytes"],
    ).toBe(4096);
    expect(stringVariant(property("NewEvent", "message"))["x-max-utf8-bytes"]).toBe(4096);
  });

  it("lists application/merge-patch+json for the PATCH body", () => {
    const content = document.paths?.["/sessions/{id}"]?.patch
      ?.requestBody as oas31.RequestBodyObject;
    expect(Object.keys(content.content)).toEqual([
      "application/json",
      "application/merge-patch+json",
    ]);
  });
});

describe("the fuzzing generator reaches the limits", () => {
  const sample = <T>(arbitrary: fc.Arbitrary<T>) => fc.sample(arbitrary, { numRuns: 400, seed: 7 });

  it("builds records with exactly maxProperties members, and many when none is stated", () => {
    const stated = sample(
      schemas.valid({
        type: "object",
        maxProperties: 20,
        additionalProperties: { type: "string" },
      }),
    );
    expect(Math.max(...stated.map((value) => Object.keys(value as object).length))).toBe(20);
    const unstated = sample(
      schemas.valid({ type: "object", additionalProperties: { type: "string" } }),
    );
    expect(
      Math.max(...unstated.map((value) => Object.keys(value as object).length)),
    ).toBeGreaterThan(20);
  });

  it("builds record keys by propertyNames, prototype member names among them", () => {
    const labels = sample(schemas.valid(property("StartSessionRequest", "labels")));
    const keys = labels.flatMap((value) => Object.keys(value as object));
    expect(keys.every((key) => /^[a-z0-9_.-]{1,64}$/.test(key))).toBe(true);
    expect(keys).toContain("constructor");
  });

  it("builds strings past 4096 bytes where no byte limit is stated, and never past one that is", () => {
    const bytes = (schema: oas31.SchemaObject) =>
      Math.max(...sample(schemas.valid(schema)).map((value) => Buffer.byteLength(String(value))));
    expect(bytes({ type: "string", maxLength: 4096 })).toBeGreaterThan(4096);
    expect(bytes({ type: "string" })).toBeGreaterThan(4096);
    expect(
      bytes({ type: "string", maxLength: 4096, "x-max-utf8-bytes": 4096 } as oas31.SchemaObject),
    ).toBeLessThanOrEqual(4096);
  });

  it("builds label values at the limit with astral characters and line separators", () => {
    const values = sample(schemas.valid({ type: "string", maxLength: 256 })).map(String);
    expect(
      values.some(
        (value) => [...value].length === 256 && /\p{Extended_Pictographic}|𝄞/u.test(value),
      ),
    ).toBe(true);
    expect(values.some((value) => value.includes("\u2028"))).toBe(true);
    expect(values.some((value) => value.includes("\n"))).toBe(true);
  });
});
