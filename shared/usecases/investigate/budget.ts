/**
 * The request's time budget: one deadline that every part of an
 * investigation races, so a part that is late is reported, never waited for.
 */
import { logger } from "../../observability.ts";
import { isMissingObject } from "../../storage/workspace-store.ts";

/** A part's result, or why there is none. */
export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; reason: "timeout" | "missing" | "failed" };

/** The request's deadline: an abort signal for I/O and a race for every part. */
export class Budget {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly expired: Promise<{ ok: false; reason: "timeout" }>;

  constructor(readonly deadline: number) {
    this.expired = new Promise((resolve) => {
      this.controller.signal.addEventListener(
        "abort",
        () => resolve({ ok: false, reason: "timeout" }),
        { once: true },
      );
    });
    this.timer = setTimeout(() => this.controller.abort(), Math.max(0, deadline - Date.now()));
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The work's result, or why there is none; never later than the deadline. */
  run<T>(work: Promise<T>, part: string): Promise<Outcome<T>> {
    const settled = work.then(
      (value): Outcome<T> => ({ ok: true, value }),
      (error: unknown): Outcome<T> => {
        if (isMissingObject(error)) return { ok: false, reason: "missing" };
        if (this.signal.aborted || Date.now() >= this.deadline) {
          return { ok: false, reason: "timeout" };
        }
        logger.warn("investigate part failed", { part, error: describeError(error) });
        return { ok: false, reason: "failed" };
      },
    );
    return Promise.race([settled, this.expired]);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

/** An error for a log line: its name and message, never its stack or SDK metadata. */
export function describeError(error: unknown): Record<string, unknown> {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { value: String(error) };
}
