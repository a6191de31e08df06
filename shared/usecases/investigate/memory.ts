/**
 * What this process keeps between requests, per set of ports (tests use
 * their own). Everything but listings is keyed by an object version (ETag
 * and size), so a hit is never stale; a listing is reused for at most
 * INVESTIGATE_LISTING_REUSE_MS. Work in flight (a listing, a log count) is
 * shared by concurrent requests for the same session instead of repeated.
 */
import { config } from "../../config.ts";
import { BoundedCache } from "../../domain/bounded-cache.ts";
import type { LogCounts } from "../../domain/log-scan.ts";
import { MAX_LIST_KEYS, type WorkspaceListing } from "../../storage/workspace-store.ts";
import type { InvestigationPorts, RequestContext } from "./context.ts";
import type { JsonFileOutcome, TailWindow } from "./remembered-reads.ts";

/** Objects listed per folder; a folder with more is flagged as truncated. */
export const LISTING_CAP = MAX_LIST_KEYS;

class ProcessMemory {
  readonly listings = new BoundedCache<{ listing: WorkspaceListing; listedAt: number }>(
    512,
    32 * 1024 * 1024,
  );
  readonly jsonFiles = new BoundedCache<JsonFileOutcome>(1024, 16 * 1024 * 1024);
  readonly tails = new BoundedCache<TailWindow>(256, 16 * 1024 * 1024);
  readonly completeCounts = new BoundedCache<LogCounts>(4096, 4096 * 256);
  /** The processing status this process last stored per session, and when. */
  readonly storedStatuses = new BoundedCache<{ status: string; storedAt: number }>(
    4096,
    4096 * 128,
  );
  readonly listingFlights = new Map<string, Promise<WorkspaceListing>>();
  readonly countFlights = new Map<string, Promise<{ counts: LogCounts; exact: boolean }>>();
}

let memories = new WeakMap<InvestigationPorts, ProcessMemory>();

/** Drops everything this process remembers, as a new Lambda instance starts (benchmarks). */
export function forgetInvestigationMemory(): void {
  memories = new WeakMap();
}

export function memoryOf(ports: InvestigationPorts): ProcessMemory {
  let memory = memories.get(ports);
  if (!memory) {
    memory = new ProcessMemory();
    memories.set(ports, memory);
  }
  return memory;
}

/** The work in flight under `key`, or new work started and shared until it settles. */
export function joinFlight<T>(
  flights: Map<string, Promise<T>>,
  key: string,
  start: () => Promise<T>,
) {
  const running = flights.get(key);
  if (running) return running;
  const started = start().finally(() => flights.delete(key));
  flights.set(key, started);
  return started;
}

/** A cache key within the request's session; the parts name an object version. */
export function versionKey(context: RequestContext, ...parts: (string | number)[]): string {
  return JSON.stringify([context.scope.tenant, context.scope.sessionId, ...parts]);
}

/**
 * A listing of the workspace or one folder: reused if this process listed
 * the same thing within the reuse window, joined if the same listing is in
 * flight, else made (bounded by the deadline of the request that starts it).
 */
export async function listWorkspaceOnce(
  context: RequestContext,
  options: { under?: string; delimiter?: boolean },
): Promise<WorkspaceListing> {
  const { scope, ports, budget } = context;
  const memory = memoryOf(ports);
  const key = versionKey(context, options.under ?? "", options.delimiter === true ? "/" : "");
  const reuseMs = config().INVESTIGATE_LISTING_REUSE_MS;
  const cached = memory.listings.get(key);
  if (cached && Date.now() - cached.listedAt < reuseMs) return cached.listing;
  return joinFlight(memory.listingFlights, key, async () => {
    const listedAt = Date.now();
    const listing = await ports.listWorkspace(scope, {
      ...options,
      maxKeys: LISTING_CAP,
      // Just after the starter's deadline, so its own budget reports the timeout.
      signal: AbortSignal.timeout(Math.max(1, budget.deadline - listedAt + 50)),
    });
    if (reuseMs > 0) {
      memory.listings.set(key, { listing, listedAt }, 200 * (listing.objects.length + 1));
    }
    return listing;
  });
}
