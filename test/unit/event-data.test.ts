import { describe, expect, it } from "vitest";
import { findUnstorableKey, findUnstorableValue } from "#shared/domain/events.ts";
import { findAlteredNumber } from "#shared/domain/number-literals.ts";

describe("event data that would not come back as it was sent", () => {
  it.each([
    ['{"n":1e309}', ["n"]],
    ['{"a":{"b":[0,-1e400]}}', ["a", "b", 1]],
    ['{"n":1e126}', ["n"]],
    ['{"n":-5e-131}', ["n"]],
    ['{"x":{"__proto__":{"polluted":1}}}', ["x", "__proto__"]],
    ['[{"__proto__":null}]', [0, "__proto__"]],
  ])("finds %s at %j", (text, path) => {
    expect(findUnstorableValue(JSON.parse(text))?.path).toEqual(path);
  });

  it.each([
    '{"n":9.999999999999998e125,"m":-1e-130,"z":0,"f":0.1}',
    '{"constructor":{"prototype":1},"toString":"x"}',
    '"__proto__"',
    "[]",
  ])("accepts %s", (text) => {
    expect(findUnstorableValue(JSON.parse(text))).toBeUndefined();
  });

  it("walks any depth without recursion", () => {
    const deep = JSON.parse(`${"[".repeat(100_000)}{"__proto__":1}${"]".repeat(100_000)}`);
    expect(findUnstorableKey(deep)?.path).toHaveLength(100_001);
  });

  it("looks only at member names when asked for keys", () => {
    expect(findUnstorableKey({ n: Number.POSITIVE_INFINITY })).toBeUndefined();
  });
});

describe("integers a double would round", () => {
  it.each([
    ['{"n":9007199254740993}', ["n"]],
    ['{"a":[0,{"b":-18446744073709551617}]}', ["a", 1, "b"]],
    ["[12345678901234567890]", [0]],
  ])("finds %s at %j", (text, path) => {
    expect(findAlteredNumber(text)?.path).toEqual(path);
  });

  it.each([
    '{"n":9007199254740991,"m":-9007199254740992,"big":100000000000000000000}',
    '{"s":"9007199254740993","t":"a \\" 9007199254740993"}',
    '{"f":9007199254740993.5,"e":9007199254740993e0}',
  ])("leaves %s alone", (text) => {
    expect(findAlteredNumber(text)).toBeUndefined();
  });
});

describe("non-zero literals a double turns into zero", () => {
  it.each([
    ['{"a":1e-400}', ["a"]],
    ['{"a":-1e-400}', ["a"]],
    ['{"z":0,"a":{"b":[0,1e-330]}}', ["a", "b", 1]],
    ['{"a":0.0001e-400}', ["a"]],
    ['{"a":2.5E-999}', ["a"]],
    ["[0,0,-7e-1000]", [2]],
  ])("finds %s at %j", (text, path) => {
    const found = findAlteredNumber(text);
    expect(found?.path).toEqual(path);
    expect(found?.message).toContain("too small");
  });

  it.each([
    '{"z":0,"m":-0,"f":0.0,"e":0e-400,"g":-0.000E+5}',
    '{"tiny":5e-324,"small":1e-131}',
    '{"s":"1e-400","t":"a \\" 1e-400"}',
  ])("leaves %s alone (zero as written, or not zero)", (text) => {
    expect(findAlteredNumber(text)).toBeUndefined();
  });

  it("names the literal's own place, not another zero before it", () => {
    expect(findAlteredNumber('{"first":0,"second":{"deep":1e-400}}')?.path).toEqual([
      "second",
      "deep",
    ]);
  });
});
