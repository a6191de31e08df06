/**
 * A follower's rule for pushed events (DESIGN §9): delivery is at least
 * once and may arrive out of order across the backlog and the live stream,
 * so the follower keeps the last seq it holds, drops anything at or below
 * it, and fills any hole (or a `gap` notice) with `GET …/events?after=`.
 * What it passes on is each event once, in seq order.
 */
import type { SessionEvent } from "#shared/contract/schemas/event.ts";

/** Reads events after a seq, oldest first (one page); what fills holes. */
export type ReadAfter = (after: number) => Promise<{ items: SessionEvent[]; raw: unknown[] }>;

export interface FollowerCounts {
  /** Events received more than once (dropped). */
  repeats: number;
  /** Events fetched with GET to fill a hole or a gap. */
  filled: number;
}

export class SeqFollower {
  readonly counts: FollowerCounts = { repeats: 0, filled: 0 };
  private queue: Promise<void> = Promise.resolve();

  constructor(
    /** The last seq held: nothing at or below it is passed on. */
    public last: number,
    private readonly readAfter: ReadAfter,
    private readonly emit: (event: SessionEvent, raw: unknown) => void,
  ) {}

  /** Pushed items (any order, repeats allowed); resolves once they are passed on. */
  accept(items: readonly SessionEvent[], raw: readonly unknown[] = items): Promise<void> {
    const sorted = items
      .map((item, index) => ({ item, raw: raw[index] ?? item }))
      .sort((a, b) => a.item.seq - b.item.seq);
    return this.serial(async () => {
      for (const { item, raw: original } of sorted) {
        if (item.seq <= this.last) {
          this.counts.repeats += 1;
          continue;
        }
        if (item.seq > this.last + 1) await this.fillTo(item.seq - 1);
        if (item.seq <= this.last) {
          this.counts.repeats += 1;
          continue;
        }
        this.pass(item, original);
      }
    });
  }

  /** A `gap`: events after `after` and before `before` were not pushed. */
  gap(before: number): Promise<void> {
    return this.serial(() => this.fillTo(before - 1));
  }

  /** Everything committed so far, by GET (after a reconnect or when polling). */
  catchUp(): Promise<void> {
    return this.serial(() => this.fillTo(Number.MAX_SAFE_INTEGER));
  }

  private serial(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private pass(item: SessionEvent, raw: unknown): void {
    this.last = item.seq;
    this.emit(item, raw);
  }

  private async fillTo(upTo: number): Promise<void> {
    while (this.last < upTo) {
      const page = await this.readAfter(this.last);
      const wanted = page.items.filter((item) => item.seq > this.last && item.seq <= upTo);
      if (wanted.length === 0) return;
      for (const item of wanted) {
        this.counts.filled += 1;
        this.pass(item, page.raw[page.items.indexOf(item)] ?? item);
      }
    }
  }
}
