/**
 * The storage deadline bounds every SDK attempt made while an invocation
 * runs, against a server that accepts and never answers (a hung
 * dependency). It is kept without an AsyncLocalStorage, whose promise hooks
 * would cost every promise of every request in the local gateway.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

let hung: Server;
let port: number;
const accepted: Socket[] = [];

beforeAll(async () => {
  vi.stubEnv("TABLE_NAME", "deadline-table");
  vi.stubEnv("BUCKET_NAME", "deadline-bucket");
  vi.stubEnv("AWS_REGION", "us-east-1");
  vi.stubEnv("STREAM_CONNECTIONS_ENDPOINT", "http://127.0.0.1:9/");
  vi.stubEnv("AWS_REQUEST_TIMEOUT_MS", "400");
  // Accepts connections, answers nothing.
  hung = createServer((socket) => accepted.push(socket));
  await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
  const address = hung.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  port = address.port;
  // Loaded before any budget starts counting: loading the SDK takes a while.
  await import("#shared/storage/clients.ts");
});

afterAll(async () => {
  for (const socket of accepted) socket.destroy();
  await new Promise<void>((resolve) => hung.close(() => resolve()));
});

/** One attempt against the hung server: how it failed and how long it took. */
async function attempt(): Promise<{ name: string; ms: number }> {
  const { requestHandler } = await import("#shared/storage/clients.ts");
  const started = Date.now();
  const request: Parameters<ReturnType<typeof requestHandler>["handle"]>[0] = {
    protocol: "http:",
    hostname: "127.0.0.1",
    port,
    method: "GET",
    path: "/",
    headers: { host: `127.0.0.1:${port}` },
    query: {},
    clone: () => request,
  };
  try {
    await requestHandler().handle(request);
  } catch (error) {
    return { name: (error as Error).name, ms: Date.now() - started };
  }
  throw new Error("the hung server answered");
}

describe("the storage deadline", () => {
  it("cuts an attempt inside an invocation at what is left of its budget", async () => {
    const { withStorageDeadline } = await import("#shared/storage/deadline.ts");
    const failed = await withStorageDeadline(150, attempt);
    expect(failed.name).toBe("TimeoutError");
    expect(failed.ms).toBeGreaterThanOrEqual(140);
    expect(failed.ms).toBeLessThan(400);
  });

  it("fails an attempt at once when the budget is spent", async () => {
    const { withStorageDeadline } = await import("#shared/storage/deadline.ts");
    const failed = await withStorageDeadline(0, attempt);
    expect(failed).toMatchObject({ name: "TimeoutError" });
    expect(failed.ms).toBeLessThan(100);
  });

  it("bounds an attempt outside any invocation by AWS_REQUEST_TIMEOUT_MS", async () => {
    const { storageDeadline } = await import("#shared/storage/deadline.ts");
    expect(storageDeadline()).toBeUndefined();
    const failed = await attempt();
    expect(failed.name).toBe("TimeoutError");
    expect(failed.ms).toBeGreaterThanOrEqual(390);
  });

  it("never lets a call of overlapping invocations run past the earlier one's deadline", async () => {
    const { storageDeadline, withStorageDeadline } = await import("#shared/storage/deadline.ts");
    let release = () => {};
    const older = withStorageDeadline(1_000, () => new Promise<void>((r) => (release = r)));
    const seen = await withStorageDeadline(5_000, async () => storageDeadline());
    expect(seen).toBeLessThanOrEqual(Date.now() + 1_000);
    release();
    await older;
    expect(storageDeadline()).toBeUndefined();
    // Alone again, an invocation has its whole budget.
    const alone = await withStorageDeadline(5_000, async () => storageDeadline());
    expect(alone).toBeGreaterThan(Date.now() + 4_000);
  });

  it("forgets an invocation's deadline when its work throws", async () => {
    const { storageDeadline, withStorageDeadline } = await import("#shared/storage/deadline.ts");
    await expect(
      withStorageDeadline(1_000, async () => {
        throw new Error("work failed");
      }),
    ).rejects.toThrow("work failed");
    expect(storageDeadline()).toBeUndefined();
  });

  it("runs an invocation without an AsyncLocalStorage", async () => {
    const run = vi.spyOn(AsyncLocalStorage.prototype, "run");
    const enterWith = vi.spyOn(AsyncLocalStorage.prototype, "enterWith");
    const { withStorageDeadline } = await import("#shared/storage/deadline.ts");
    await withStorageDeadline(1_000, async () => "done");
    expect(run).not.toHaveBeenCalled();
    expect(enterWith).not.toHaveBeenCalled();
    run.mockRestore();
    enterWith.mockRestore();
  });
});
