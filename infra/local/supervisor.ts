/**
 * Watches the local stack's children (DynamoDB Local, the S3 emulator). A
 * child that exits while the stack runs is logged in one line naming it,
 * reported as down (the gateway's /health answers 503 naming it), and started
 * again on the same port and data dir, with a growing pause between tries.
 * When it cannot be brought back (too many failed starts in a row, or too
 * many exits within a minute), the supervisor gives up and says so: the
 * caller stops the whole stack.
 */
/** What the health check calls each dependency. */
export type Dependency = "dynamodb" | "s3" | "stream";

/** A child process, or an in-process worker (the stream poller) that reports its end the same way. */
export interface Exitable {
  readonly pid?: number | undefined;
  once(
    event: "exit",
    listener: (code: number | null, signal: NodeJS.Signals | null) => void,
  ): unknown;
}

export interface SupervisedChild {
  /** How an operator knows it, e.g. "DynamoDB Local". */
  label: string;
  dependency: Dependency;
  /** Starts it (again) and resolves once it answers. */
  start: () => Promise<Exitable>;
  /** Runs after a restart, before it counts as up (e.g. the table of an in-memory database). */
  afterRestart?: () => Promise<void>;
}

export interface SupervisorOptions {
  /** Failed starts in a row, or exits within `windowMs`, before giving up. */
  maxRestarts: number;
  /** Pause before the first restart; doubled for each later try, up to `maxBackoffMs`. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  windowMs: number;
  log: (line: string) => void;
  /** Called once, with a message for the operator, when a child cannot be brought back. */
  onGiveUp: (message: string) => void;
  /** Called after every successful restart (the pid file is rewritten then). */
  onRestarted?: () => void;
}

interface Watched {
  spec: SupervisedChild;
  child: Exitable;
  down: boolean;
  exits: number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `code ${code ?? "unknown"}`;
}

export class Supervisor {
  private readonly watched: Watched[] = [];
  private stopping = false;
  private gaveUp = false;

  constructor(private readonly options: SupervisorOptions) {}

  watch(spec: SupervisedChild, child: Exitable): void {
    const entry: Watched = { spec, child, down: false, exits: [] };
    this.watched.push(entry);
    this.follow(entry);
  }

  /** Dependencies whose child is not running now. */
  down(): Dependency[] {
    return this.watched.filter((entry) => entry.down).map((entry) => entry.spec.dependency);
  }

  /** No restarts from now on: the stack is stopping its children itself. */
  stop(): void {
    this.stopping = true;
  }

  private follow(entry: Watched): void {
    entry.child.once("exit", (code, signal) => {
      if (this.stopping || this.gaveUp) return;
      entry.down = true;
      this.options.log(
        `local stack: ${entry.spec.label} (pid ${entry.child.pid ?? "?"}) exited with ${describeExit(code, signal)}; restarting it`,
      );
      void this.restart(entry);
    });
  }

  private async restart(entry: Watched): Promise<void> {
    const { maxRestarts, windowMs } = this.options;
    const now = Date.now();
    entry.exits = [...entry.exits.filter((at) => now - at < windowMs), now];
    if (entry.exits.length > maxRestarts) {
      this.giveUp(
        `${entry.spec.label} exited ${entry.exits.length} times within ${Math.round(windowMs / 1000)} s`,
      );
      return;
    }
    let lastError = "";
    for (let attempt = 1; attempt <= maxRestarts; attempt++) {
      await sleep(
        Math.min(this.options.maxBackoffMs, this.options.initialBackoffMs * 2 ** (attempt - 1)),
      );
      if (this.stopping || this.gaveUp) return;
      try {
        const child = await entry.spec.start();
        if (this.stopping) return;
        entry.child = child;
        this.follow(entry);
        await entry.spec.afterRestart?.();
        entry.down = false;
        this.options.log(
          `local stack: ${entry.spec.label} is running again (pid ${child.pid ?? "?"}, restart ${attempt})`,
        );
        this.options.onRestarted?.();
        return;
      } catch (error) {
        lastError = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
      }
    }
    this.giveUp(
      `${entry.spec.label} did not start again after ${maxRestarts} tries (${lastError})`,
    );
  }

  private giveUp(reason: string): void {
    if (this.gaveUp || this.stopping) return;
    this.gaveUp = true;
    this.options.onGiveUp(`local stack: ${reason}; stopping the whole stack.`);
  }
}
