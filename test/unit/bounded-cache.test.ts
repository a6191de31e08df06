import { describe, expect, it } from "vitest";
import { BoundedCache } from "#shared/domain/bounded-cache.ts";

describe("the bounded cache", () => {
  it("evicts the least recently used entry beyond its entry limit", () => {
    const cache = new BoundedCache<string>(2, 1000);
    cache.set("a", "A", 1);
    cache.set("b", "B", 1);
    expect(cache.get("a")).toBe("A");
    cache.set("c", "C", 1);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe("A");
    expect(cache.get("c")).toBe("C");
  });

  it("evicts until the total size fits and refuses an entry larger than the whole cache", () => {
    const cache = new BoundedCache<string>(10, 100);
    cache.set("a", "A", 60);
    cache.set("b", "B", 30);
    cache.set("c", "C", 30);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.size).toBe(2);
    cache.set("huge", "H", 101);
    expect(cache.get("huge")).toBeUndefined();
    expect(cache.get("b")).toBe("B");
  });

  it("replaces an entry under the same key without counting it twice", () => {
    const cache = new BoundedCache<string>(10, 100);
    cache.set("a", "A1", 80);
    cache.set("a", "A2", 80);
    expect(cache.get("a")).toBe("A2");
    expect(cache.size).toBe(1);
  });
});
