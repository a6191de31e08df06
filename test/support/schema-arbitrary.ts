/**
 * fast-check arbitraries built from the JSON Schemas of an OpenAPI 3.1
 * document: values a schema accepts, and the field paths a mutation can aim
 * at. Only the keywords the document uses are understood (type, enum, const,
 * pattern, lengths, ranges, items, properties, required, additionalProperties,
 * anyOf/oneOf, `$ref` to components, and the `x-max-utf8-bytes`,
 * `x-max-segment-utf8-bytes` and `x-unicode-normalization` keywords); anything
 * else falls back to any JSON.
 */
import fc from "fast-check";
import type { oas31 } from "zod-openapi";

export type Schema = oas31.SchemaObject | oas31.ReferenceObject;
type JsonType = "string" | "number" | "integer" | "boolean" | "null" | "array" | "object";

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** Valid values are mostly small: the point is to reach the handlers. */
const MAX_VALID_ITEMS = 4;
const MAX_VALID_STRING = 40;
/**
 * But not only small: a value at the limit the document states, or past
 * where a server could hide one when it states none, is valid too. Kept only
 * to small ones, valid values never reached a limit the server enforces and
 * the document leaves out (20 labels, 4096 bytes of UTF-8 in a text field),
 * so "valid is never refused" could not see such a gap.
 */
const UNSTATED_STRING_LIMIT = 6_000;
const UNSTATED_MEMBER_LIMIT = 30;
/** Units an edge-sized string is made of: multi-byte, astral, line breaks of every kind. */
const EDGE_UNITS = ["a", "é", "😀", "𝄞", "\n", "\u2028", "\u2029", "\r\n", "ab c"];
/** Member names Object.prototype has: data in any user-keyed map. */
export const PROTOTYPE_MEMBER_NAMES = Object.getOwnPropertyNames(Object.prototype).filter(
  (name) => name !== "__proto__",
);

function isReference(schema: Schema): schema is oas31.ReferenceObject {
  return typeof (schema as oas31.ReferenceObject).$ref === "string";
}

export class SchemaArbitraries {
  constructor(private readonly document: oas31.OpenAPIObject) {}

  /** The schema a `$ref` points at (only `#/components/schemas/...`). */
  resolve(schema: Schema): oas31.SchemaObject {
    if (!isReference(schema)) return schema;
    const name = schema.$ref.replace("#/components/schemas/", "");
    const resolved = this.document.components?.schemas?.[name];
    if (!resolved) throw new Error(`Unresolvable $ref ${schema.$ref}`);
    return this.resolve(resolved);
  }

  /** JSON types a schema accepts (empty: any). */
  typesOf(schema: Schema): JsonType[] {
    const resolved = this.resolve(schema);
    const variants = resolved.anyOf ?? resolved.oneOf;
    if (variants) return [...new Set(variants.flatMap((variant) => this.typesOf(variant)))];
    if (resolved.enum) {
      return [...new Set(resolved.enum.map((value) => jsonTypeOf(value)))];
    }
    if (resolved.type === undefined) return [];
    const types = (Array.isArray(resolved.type) ? resolved.type : [resolved.type]) as JsonType[];
    // An integer is also a number as far as JSON is concerned.
    return types.includes("integer") ? [...types, "number"] : types;
  }

  /** Values the schema accepts. */
  valid(schema: Schema): fc.Arbitrary<unknown> {
    const resolved = this.resolve(schema);
    if (resolved.const !== undefined) return fc.constant(resolved.const);
    if (resolved.enum) return fc.constantFrom(...(resolved.enum as unknown[]));
    const variants = resolved.anyOf ?? resolved.oneOf;
    if (variants) return fc.oneof(...variants.map((variant) => this.valid(variant)));
    if (Array.isArray(resolved.type)) {
      return fc.oneof(
        ...resolved.type.map((type) => this.valid({ ...resolved, type } as oas31.SchemaObject)),
      );
    }
    switch (resolved.type) {
      case "string":
        return validString(resolved);
      case "integer":
        return integerBetween(resolved.minimum ?? -1_000_000, resolved.maximum ?? 1_000_000);
      case "number":
        return fc.double({
          noNaN: true,
          noDefaultInfinity: true,
          min: resolved.minimum ?? -1e9,
          max: resolved.maximum ?? 1e9,
        });
      case "boolean":
        return fc.boolean();
      case "null":
        return fc.constant(null);
      case "array":
        return this.validArray(resolved);
      case "object":
        return this.validObject(resolved);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  private validArray(schema: oas31.SchemaObject): fc.Arbitrary<unknown[]> {
    const minLength = schema.minItems ?? 0;
    const maxLength = Math.max(
      minLength,
      Math.min(schema.maxItems ?? MAX_VALID_ITEMS, MAX_VALID_ITEMS),
    );
    const items = schema.items ? this.valid(schema.items) : fc.jsonValue({ maxDepth: 1 });
    return fc.array(items, { minLength, maxLength });
  }

  private validObject(schema: oas31.SchemaObject): fc.Arbitrary<Record<string, unknown>> {
    const properties = Object.entries(schema.properties ?? {});
    if (properties.length === 0) return this.validRecord(schema);
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [name, property] of properties) model[name] = this.valid(property);
    const requiredKeys = (schema.required ?? []).filter((name) => name in model);
    return fc.record(model, { requiredKeys }) as fc.Arbitrary<Record<string, unknown>>;
  }

  /**
   * A free-form object (a record): keys as `propertyNames` allows (prototype
   * member names among them where they fit), values as
   * `additionalProperties` says, and sometimes exactly `maxProperties`
   * members, or more than a handful when the document states no maximum.
   */
  private validRecord(schema: oas31.SchemaObject): fc.Arbitrary<Record<string, unknown>> {
    const names = schema.propertyNames ? this.resolve(schema.propertyNames) : undefined;
    const pattern = typeof names?.pattern === "string" ? new RegExp(names.pattern) : undefined;
    const prototypeNames = PROTOTYPE_MEMBER_NAMES.filter((name) => !pattern || pattern.test(name));
    const ordinary = pattern ? matching(pattern) : fc.string({ minLength: 1, maxLength: 12 });
    const key = prototypeNames.length
      ? fc.oneof({ arbitrary: ordinary, weight: 3 }, fc.constantFrom(...prototypeNames))
      : ordinary;
    const members =
      typeof schema.additionalProperties === "object"
        ? this.valid(schema.additionalProperties)
        : fc.jsonValue({ maxDepth: 2 });
    const most =
      typeof schema.maxProperties === "number" ? schema.maxProperties : UNSTATED_MEMBER_LIMIT;
    return fc.oneof(
      { arbitrary: fc.dictionary(key, members, { maxKeys: Math.min(4, most) }), weight: 4 },
      fc.dictionary(key, members, { minKeys: most, maxKeys: most }),
    );
  }

  /**
   * Every place in a value of this schema a mutation can aim at: object
   * members (by name) and the first item of arrays, each with its schema.
   */
  fieldsOf(schema: Schema, prefix: readonly (string | number)[] = []): FieldPath[] {
    const resolved = this.resolve(schema);
    const fields: FieldPath[] = [];
    const variants = resolved.anyOf ?? resolved.oneOf ?? [];
    for (const variant of variants) fields.push(...this.fieldsOf(variant, prefix));
    for (const [name, property] of Object.entries(resolved.properties ?? {})) {
      const path = [...prefix, name];
      fields.push({ path, schema: property });
      fields.push(...this.fieldsOf(property, path));
    }
    if (resolved.items) {
      const path = [...prefix, 0];
      fields.push({ path, schema: resolved.items });
      fields.push(...this.fieldsOf(resolved.items, path));
    }
    return fields;
  }

  /** Paths of the objects (the root included) inside a value of this schema. */
  objectsOf(schema: Schema, prefix: readonly (string | number)[] = []): (string | number)[][] {
    const resolved = this.resolve(schema);
    const objects: (string | number)[][] = [];
    if (this.typesOf(resolved).includes("object")) objects.push([...prefix]);
    for (const [name, property] of Object.entries(resolved.properties ?? {})) {
      objects.push(...this.objectsOf(property, [...prefix, name]));
    }
    if (resolved.items) objects.push(...this.objectsOf(resolved.items, [...prefix, 0]));
    for (const variant of resolved.anyOf ?? resolved.oneOf ?? []) {
      objects.push(...this.objectsOf(variant, prefix));
    }
    return objects;
  }
}

export interface FieldPath {
  path: (string | number)[];
  schema: Schema;
}

function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value as JsonType;
}

/** Whole numbers between the bounds, past 32 bits when the schema allows it. */
export function integerBetween(min: number, max: number): fc.Arbitrary<number> {
  if (min >= INT32_MIN && max <= INT32_MAX) return fc.integer({ min, max });
  return fc
    .oneof(
      fc.bigInt({ min: BigInt(min), max: BigInt(Math.min(max, min + 1_000_000)) }),
      fc.bigInt({ min: BigInt(min), max: BigInt(max) }),
    )
    .map(Number);
}

/** `from 1 to 100`, `1..1000`: the range a parameter's description gives in words. */
export function describedRange(description: string | undefined): [number, number] | undefined {
  const match = /(\d+)\s*(?:\.\.|to)\s*(\d+)/.exec(description ?? "");
  if (!match?.[1] || !match[2]) return undefined;
  return [Number(match[1]), Number(match[2])];
}

const DIGITS_ONLY = /^\^(\[0-9\]|\\d)(\+|\{\d*,?\d*\})\$$/;

function validString(schema: oas31.SchemaObject): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? Number.POSITIVE_INFINITY;
  const limits = schema as Record<string, unknown>;
  const maxBytes = limits["x-max-utf8-bytes"];
  const maxSegmentBytes = limits["x-max-segment-utf8-bytes"];
  // The byte limits and normalisation the document states beside the schema.
  // JSON Schema counts characters (code points), not UTF-16 units.
  const fits = (value: string) =>
    [...value].length >= minLength &&
    [...value].length <= maxLength &&
    (typeof maxBytes !== "number" || Buffer.byteLength(value) <= maxBytes) &&
    (typeof maxSegmentBytes !== "number" ||
      value.split("/").every((part) => Buffer.byteLength(part) <= maxSegmentBytes)) &&
    (limits["x-unicode-normalization"] !== "NFC" || value.normalize("NFC") === value);
  const range = describedRange(schema.description);
  if (range && (schema.pattern === undefined || DIGITS_ONLY.test(schema.pattern))) {
    return fc.integer({ min: range[0], max: range[1] }).map(String);
  }
  if (schema.format === "date-time") {
    return fc
      .date({
        min: new Date("2000-01-01T00:00:00.000Z"),
        max: new Date("2100-01-01T00:00:00.000Z"),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString());
  }
  const options: { arbitrary: fc.Arbitrary<string>; weight: number }[] = [];
  if (schema.pattern !== undefined) {
    options.push({
      arbitrary: fc.stringMatching(new RegExp(schema.pattern)).filter(fits),
      weight: 4,
    });
  } else {
    options.push({
      arbitrary: fc.string({
        minLength: Math.max(minLength, 1),
        maxLength: Math.max(Math.min(maxLength, MAX_VALID_STRING), minLength, 1),
      }),
      weight: 4,
    });
    options.push({ arbitrary: edgeString(maxLength, maxBytes).filter(fits), weight: 1 });
  }
  if (typeof schema.example === "string" && fits(schema.example)) {
    options.push({ arbitrary: fc.constant(schema.example), weight: 1 });
  }
  return fc.oneof(...options);
}

/** Strings a pattern matches; one fast-check cannot build from (a lookahead) is filtered for. */
function matching(pattern: RegExp): fc.Arbitrary<string> {
  try {
    return fc.stringMatching(pattern);
  } catch {
    return fc.string({ minLength: 1, maxLength: 12 }).filter((value) => pattern.test(value));
  }
}

/**
 * A string as long as the document lets it be: a unit repeated up to the
 * stated characters and UTF-8 bytes, or to several kilobytes when neither is
 * stated (a limit the server keeps and the document leaves out is then hit).
 */
function edgeString(maxLength: number, maxBytes: unknown): fc.Arbitrary<string> {
  const byteLimit = typeof maxBytes === "number" ? maxBytes : undefined;
  const unstated = !Number.isFinite(maxLength) && byteLimit === undefined;
  return fc.constantFrom(...EDGE_UNITS).map((unit) => {
    const characters = Number.isFinite(maxLength) ? maxLength : Number.POSITIVE_INFINITY;
    const bytes = byteLimit ?? (unstated ? UNSTATED_STRING_LIMIT : Number.POSITIVE_INFINITY);
    const chars = [...unit];
    let out = "";
    let count = 0;
    let size = 0;
    for (let index = 0; ; index += 1) {
      const char = chars[index % chars.length] ?? "a";
      const next = Buffer.byteLength(char);
      if (count + 1 > characters || size + next > bytes) break;
      out += char;
      count += 1;
      size += next;
    }
    return out;
  });
}
