import { describe, expect, it } from "vitest";
import { RateLimiter } from "#infra/local/rate-limiter.ts";

describe("the local per-key rate limiter", () => {
  it("allows the burst, then the steady rate, and says how long to wait", () => {
    const limiter = new RateLimiter(10, 5);
    const t0 = 1_000_000;
    for (let index = 0; index < 5; index += 1) expect(limiter.take("k", t0)).toBe(0);
    const wait = limiter.take("k", t0);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(0.1);
    expect(limiter.take("k", t0 + 100)).toBe(0);
    expect(limiter.take("other", t0)).toBe(0);
  });

  it("is off at a rate of 0", () => {
    const limiter = new RateLimiter(0, 0);
    for (let index = 0; index < 1000; index += 1) expect(limiter.take("k")).toBe(0);
  });
});
