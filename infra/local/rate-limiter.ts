/**
 * Token buckets per API key, as an API Gateway usage plan throttles: a steady
 * rate and a burst. A rate of 0 turns the limiter off (local load runs).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes a token; answers 0 when allowed, else the seconds until one is free. */
  take(key: string, now: number = Date.now()): number {
    if (this.ratePerSecond <= 0) return 0;
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    const refilled = Math.min(
      this.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond,
    );
    if (refilled >= 1) {
      this.buckets.set(key, { tokens: refilled - 1, at: now });
      return 0;
    }
    this.buckets.set(key, { tokens: refilled, at: now });
    return (1 - refilled) / this.ratePerSecond;
  }
}
