/**
 * Reads DynamoDB Local's stream of the table and hands each batch to the
 * fan-out function as a DynamoDBStreamEvent, as Lambda's event source
 * mapping does on AWS: the same filter, records in order per shard, a
 * failed batch retried a bounded number of times and then dropped with a
 * log line (AWS sends it to the failure queue). Unlike AWS's four reads a
 * second, a round follows each write at once (`nudge`), and nothing is
 * handed on while no WebSocket is open. Positions are kept per shard, so a
 * poller started again resumes AFTER_SEQUENCE_NUMBER; a trimmed or expired
 * iterator, new shards or a table created anew are handled by describing
 * the stream again.
 */
import { EventEmitter } from "node:events";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  TrimmedDataAccessException,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { passesStreamFilter } from "#shared/storage/stream-records.ts";
import { lambdaRecord } from "./stream-record-shape.ts";
import { tableStreamArn } from "./table-stream.ts";

export interface StreamPollerOptions {
  endpoint: string;
  region: string;
  tableName: string;
  deliver: (event: DynamoDBStreamEvent) => Promise<void>;
  log: (line: string) => void;
  /**
   * Whether anyone can receive what the fan-out sends (a WebSocket is open).
   * While nobody can, records are read and passed over, and rounds are slow.
   */
  wanted?: () => boolean;
  /** Pause between rounds that found nothing, while wanted; a nudge ends it early. */
  idleMs?: number;
  /** Pause between rounds while not wanted. */
  quietMs?: number;
  /** Attempts per batch before it is dropped (the mapping's retryAttempts + 1). */
  attempts?: number;
}

interface ShardState {
  iterator: string | undefined;
  /** The last record handed on; where a new iterator starts. */
  lastSequence: string | undefined;
  closed: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const REDESCRIBE_MS = 2000;

export class StreamPoller extends EventEmitter {
  readonly pid = undefined;
  private readonly streams: DynamoDBStreamsClient;
  private readonly table: DynamoDBClient;
  private streamArn: string | undefined;
  private readonly shards = new Map<string, ShardState>();
  private running = false;
  private stopRequested = false;
  private describedAt = 0;
  /** Batches handed to the fan-out, for the bench and /health. */
  delivered = 0;
  /** A write was made since the current round began: the next pause is skipped. */
  private nudged = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: StreamPollerOptions) {
    super();
    const client = { endpoint: options.endpoint, region: options.region, maxAttempts: 2 };
    this.streams = new DynamoDBStreamsClient(client);
    this.table = new DynamoDBClient(client);
  }

  /**
   * Starts the loop; resolves once the stream is found. `round` is emitted
   * after each round with the records it read, `exit` when the loop ends.
   */
  async start(): Promise<this> {
    this.stopRequested = false;
    await this.describe(true);
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

  /** Finds the stream and its shards; new shards start where nothing can be missed. */
  private async describe(first: boolean): Promise<void> {
    const arn = await tableStreamArn(this.table, this.options.tableName);
    if (arn !== this.streamArn) {
      // A new table (or the first look): open shards from now on, on a new table from its start.
      const fresh = this.streamArn !== undefined;
      this.streamArn = arn;
      this.shards.clear();
      first = !fresh;
    }
    let start: string | undefined;
    do {
      const page = await this.streams.send(
        new DescribeStreamCommand({ StreamArn: arn, ExclusiveStartShardId: start }),
      );
      for (const shard of page.StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
        const open = shard.SequenceNumberRange?.EndingSequenceNumber === undefined;
        if (first && !open) continue;
        const type = first ? "LATEST" : "TRIM_HORIZON";
        const iterator = await this.streams.send(
          new GetShardIteratorCommand({
            StreamArn: arn,
            ShardId: shard.ShardId,
            ShardIteratorType: type,
          }),
        );
        this.shards.set(shard.ShardId, {
          iterator: iterator.ShardIterator,
          lastSequence: undefined,
          closed: false,
        });
      }
      start = page.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    this.describedAt = Date.now();
  }

  private async reopen(shardId: string, state: ShardState): Promise<void> {
    const iterator = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shardId,
        ...(state.lastSequence
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: state.lastSequence }
          : { ShardIteratorType: "TRIM_HORIZON" }),
      }),
    );
    state.iterator = iterator.ShardIterator;
  }

  private async loop(): Promise<void> {
    // A shard that handed records on resumes after the last one (an earlier run's
    // iterator may be stale); one that has not keeps its position, as TRIM_HORIZON
    // would replay the whole retained stream where the mapping starts at LATEST.
    for (const [shardId, state] of this.shards)
      if (!state.closed && state.lastSequence)
        await this.reopen(shardId, state).catch(() => undefined);
    while (!this.stopRequested) {
      let found = 0;
      this.nudged = false;
      // While nobody is connected a round only moves the positions on, once a
      // second however much it found, rather than reading as fast as writes come.
      const wanted = this.isWanted();
      try {
        if (Date.now() - this.describedAt > REDESCRIBE_MS) await this.describe(false);
        for (const [shardId, state] of this.shards) {
          if (state.closed || this.stopRequested) continue;
          found += await this.pollShard(shardId, state, wanted ? 100 : 1000);
        }
      } catch (error) {
        // DynamoDB Local down or restarting: look again shortly; the table may be new.
        this.describedAt = 0;
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

  private async pollShard(shardId: string, state: ShardState, limit: number): Promise<number> {
    if (!state.iterator) await this.reopen(shardId, state);
    let result: { Records?: StreamRecord[]; NextShardIterator?: string };
    try {
      result = await this.streams.send(
        new GetRecordsCommand({ ShardIterator: state.iterator, Limit: limit }),
      );
    } catch (error) {
      if (
        error instanceof TrimmedDataAccessException ||
        error instanceof ExpiredIteratorException
      ) {
        this.describedAt = 0;
        await this.reopen(shardId, state);
        return 0;
      }
      throw error;
    }
    const records = result.Records ?? [];
    if (records.length > 0) {
      await this.hand(records);
      state.lastSequence =
        records[records.length - 1]?.dynamodb?.SequenceNumber ?? state.lastSequence;
    }
    state.iterator = result.NextShardIterator;
    if (!state.iterator) {
      state.closed = true;
      this.describedAt = 0;
    }
    return records.length;
  }

  /** One GetRecords result as one invocation, after the mapping's filter. */
  private async hand(records: StreamRecord[]): Promise<void> {
    const event: DynamoDBStreamEvent = {
      Records: records
        .map((record) => lambdaRecord(record, this.options.region, this.streamArn))
        .filter(passesStreamFilter),
    };
    // Nobody is connected, so no subscription can be served: the records
    // are passed over (a subscriber that connects later gets its backlog by
    // query when it subscribes).
    if (event.Records.length === 0 || !this.isWanted()) return;
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
    this.streams.destroy();
    this.table.destroy();
  }
}
