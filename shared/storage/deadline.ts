/**
 * The storage deadline of the invocations running in this process: every
 * attempt of every SDK call made while one runs is bounded by it (see
 * clients.ts).
 *
 * It is kept per process, not per asynchronous context. Lambda runs one
 * invocation at a time in an execution environment, so there the deadline is
 * exactly the running invocation's. The local gateway runs overlapping
 * invocations in one process; there a call is bounded by the earliest
 * deadline of those running, which is never later than its own invocation's:
 * every request still answers within its budget (a 503, not the function
 * timeout's 504). A request may be cut sooner only while an older one has
 * waited on storage for nearly its whole budget, that is while storage is
 * hung or crawling; it then answers 503 with Retry-After sooner. The latest
 * deadline instead would let requests that keep arriving during a hang
 * extend each other's waits past their functions' timeouts.
 *
 * An `AsyncLocalStorage` would give each invocation its own deadline, but on
 * Node 20 it turns on promise hooks for every promise in the process, which
 * cost the local gateway about a tenth of its CPU per request.
 */
import { config, RESPONSE_MARGIN_MS, SDK_MAX_ATTEMPTS } from "../config.ts";

/** Deadlines (epoch ms) of the invocations now running, in arrival order. */
const running: number[] = [];

/**
 * Runs one invocation with a storage deadline: once it has passed, every
 * attempt of every SDK call inside `work` fails at once as a timeout
 * (which the HTTP edge answers with 503 and Retry-After).
 */
export async function withStorageDeadline<T>(budgetMs: number, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + budgetMs;
  running.push(deadline);
  try {
    return await work();
  } finally {
    running.splice(running.indexOf(deadline), 1);
  }
}

/** The deadline a storage call made now must keep, or undefined outside any invocation. */
export function storageDeadline(): number | undefined {
  if (running.length === 0) return undefined;
  let earliest = running[0] as number;
  for (const deadline of running) if (deadline < earliest) earliest = deadline;
  return earliest;
}

/** The storage time one invocation may spend in all: every attempt of every call. */
export function storageBudgetMs(remainingMs?: number): number {
  const budget = config().AWS_REQUEST_TIMEOUT_MS * SDK_MAX_ATTEMPTS;
  if (remainingMs === undefined) return budget;
  return Math.max(0, Math.min(budget, remainingMs - RESPONSE_MARGIN_MS));
}

/** The storage budget of an invocation: never past the function's own timeout. */
export function invocationStorageBudget(
  context: { getRemainingTimeInMillis?: () => number } | undefined,
): number {
  const remaining =
    typeof context?.getRemainingTimeInMillis === "function"
      ? context.getRemainingTimeInMillis()
      : undefined;
  return storageBudgetMs(remaining);
}
