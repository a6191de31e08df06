import { describe, expect, it } from "vitest";
import {
  findRoundedInteger,
  findUnstorableKey,
  findUnstorableValue,
} from "#shared/domain/events.ts";

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
    expect(findRoundedInteger(text, JSON.parse(text))?.path).toEqual(path);
  });

  it.each([
    '{"n":9007199254740991,"m":-9007199254740992,"big":100000000000000000000}',
    '{"s":"9007199254740993","t":"a \\" 9007199254740993"}',
    '{"f":9007199254740993.5,"e":9007199254740993e0}',
  ])("leaves %s alone", (text) => {
    expect(findRoundedInteger(text, JSON.parse(text))).toBeUndefined();
  });
});
