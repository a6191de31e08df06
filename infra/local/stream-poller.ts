/**
 * Reads DynamoDB Local's stream of the table and hands each batch to the
 * fan-out function as a DynamoDBStreamEvent, as Lambda's event source
 * mapping does on AWS: the same filter, records in order per shard, a
 * failed batch retried a bounded number of times and then dropped with a
 * log line (AWS sends it to the failure queue). Unlike AWS's four reads a
 * second, a round follows each write at once (`nudge`), and while no
 * WebSocket is open the stream is not read at all: once a second each shard's
 * position moves to its end (LATEST), so a subscriber that connects later is
 * handed what commits after it connected, and its backlog comes by query when
 * it subscribes. Positions are kept per shard (stream-shards.ts), so a
 * poller started again resumes AFTER_SEQUENCE_NUMBER; a trimmed or expired
 * iterator, new shards or a table created anew are handled by describing the
 * stream again.
 */
import { EventEmitter } from "node:events";
import type { _Record as StreamRecord } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { passesStreamFilter } from "#shared/storage/stream-records.ts";
import { lambdaRecord } from "./stream-record-shape.ts";
import { StreamShards } from "./stream-shards.ts";

export interface StreamPollerOptions {
  endpoint: string;
  region: string;
  tableName: string;
  deliver: (event: DynamoDBStreamEvent) => Promise<void>;
  log: (line: string) => void;
  /**
   * Whether anyone can receive what the fan-out sends (a WebSocket is open).
   * While nobody can, the stream is not read: rounds are slow and only move each
   * shard's position to its end.
   */
  wanted?: () => boolean;
  /** Pause between rounds that found nothing, while wanted; a nudge ends it early. */
  idleMs?: number;
  /** Pause between rounds while not wanted. */
  quietMs?: number;
  /** Attempts per batch before it is dropped (the mapping's retryAttempts + 1). */
  attempts?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class StreamPoller extends EventEmitter {
  readonly pid = undefined;
  private readonly shards: StreamShards;
  private running = false;
  private stopRequested = false;
  /** Batches handed to the fan-out, for the bench and /health. */
  delivered = 0;
  /** A write was made since the current round began: the next pause is skipped. */
  private nudged = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: StreamPollerOptions) {
    super();
    this.shards = new StreamShards(options);
  }

  /**
   * Starts the loop; resolves once the stream is found. `round` is emitted
   * after each round with the records it read, `exit` when the loop ends.
   */
  async start(): Promise<this> {
    this.stopRequested = false;
    await this.shards.describe(true);
    this.running = true;
    void this.loop().then(
      () => this.emit("exit", 0, this.stopRequested ? "SIGTERM" : null),
      (error: unknown) => {
        this.options.log(
          `local stack: stream poller failed (${error instanceof Error ? error.message : String(error)})`,
        );
        this.emit("exit", 1, null);
      },
    );
    return this;
  }

  /** Ends the loop as a killed process would end (the supervisor then starts it again). */
  kill(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  /**
   * Something was written: read the stream now rather than at the end of
   * the pause. Writes go through the gateway, which calls this after each,
   * so a subscriber hears of an event within one round of its commit.
   */
  nudge(): void {
    if (!this.isWanted()) return;
    this.nudged = true;
    this.wake?.();
  }

  private isWanted(): boolean {
    return this.options.wanted?.() ?? true;
  }

  /** The pause between rounds, ended early by a nudge. */
  private pause(): Promise<void> {
    if (this.nudged) return Promise.resolve();
    const ms = this.isWanted() ? (this.options.idleMs ?? 100) : (this.options.quietMs ?? 1000);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  get isRunning(): boolean {
    return this.running;
  }

  private async loop(): Promise<void> {
    await this.shards.resume();
    while (!this.stopRequested) {
      let found = 0;
      this.nudged = false;
      // While nobody is connected a round only moves the positions to the
      // shards' ends, once a second, without reading (or parsing) the records.
      const wanted = this.isWanted();
      try {
        for (const [shardId, state] of await this.shards.open(!wanted)) {
          if (this.stopRequested) break;
          if (wanted)
            found += await this.shards.read(shardId, state, (records) => this.hand(records));
          else await this.shards.passOver(shardId, state);
        }
      } catch (error) {
        // DynamoDB Local down or restarting: look again shortly; the table may be new.
        this.shards.forget();
        if (
          !(error instanceof Error) ||
          !/ECONNREFUSED|ResourceNotFound|socket hang up/.test(`${error.name} ${error.message}`)
        ) {
          this.options.log(
            `local stack: stream poller: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        await sleep(250);
        continue;
      }
      this.emit("round", found);
      if (found === 0 || !wanted) await this.pause();
    }
    this.running = false;
  }

  /** One GetRecords result as one invocation, after the mapping's filter. */
  private async hand(records: StreamRecord[]): Promise<void> {
    // Nobody is connected (any more), so no subscription can be served: the
    // records are passed over (a subscriber that connects later gets its
    // backlog by query when it subscribes).
    if (!this.isWanted()) return;
    const event: DynamoDBStreamEvent = {
      Records: records
        .map((record) => lambdaRecord(record, this.options.region, this.shards.streamArn))
        .filter(passesStreamFilter),
    };
    if (event.Records.length === 0) return;
    const attempts = this.options.attempts ?? 4;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      try {
        await this.options.deliver(event);
        this.delivered += 1;
        return;
      } catch (error) {
        if (attempt === attempts) {
          this.options.log(
            `local stack: fan-out failed ${attempts} times on ${event.Records.length} stream records; dropped (${error instanceof Error ? error.message : String(error)})`,
          );
          return;
        }
        await sleep(100 * attempt);
      }
    }
  }

  destroy(): void {
    this.kill();
    this.shards.destroy();
  }
}
