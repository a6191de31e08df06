/**
 * Reads DynamoDB Local's stream of the table and hands each batch to the
 * fan-out function as a DynamoDBStreamEvent, as Lambda's event source
 * mapping does on AWS: the same filter, records in order per shard, a
 * failed batch retried a bounded number of times and then dropped with a
 * log line (AWS sends it to the failure queue). Positions are kept per
 * shard, so a poller started again resumes AFTER_SEQUENCE_NUMBER instead of
 * skipping what committed meanwhile; a trimmed or expired iterator, a split
 * (new shards) or a table created anew (DynamoDB Local restarted in memory)
 * is handled by describing the stream again.
 */
import { EventEmitter } from "node:events";
import { DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  TrimmedDataAccessException,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { passesStreamFilter } from "#shared/storage/stream-records.ts";

export interface StreamPollerOptions {
  endpoint: string;
  region: string;
  tableName: string;
  deliver: (event: DynamoDBStreamEvent) => Promise<void>;
  log: (line: string) => void;
  /** Pause between rounds that found nothing. */
  idleMs?: number;
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

  constructor(private readonly options: StreamPollerOptions) {
    super();
    const client = { endpoint: options.endpoint, region: options.region, maxAttempts: 2 };
    this.streams = new DynamoDBStreamsClient(client);
    this.table = new DynamoDBClient(client);
  }

  /** Starts the loop; resolves once the stream is found. `exit` is emitted when the loop ends. */
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
  }

  get isRunning(): boolean {
    return this.running;
  }

  private async ensureStream(): Promise<string> {
    const described = await this.table.send(
      new DescribeTableCommand({ TableName: this.options.tableName }),
    );
    const arn = described.Table?.LatestStreamArn;
    if (arn && described.Table?.StreamSpecification?.StreamEnabled) return arn;
    // A table made before streams were part of its definition (an older data dir).
    await this.table.send(
      new UpdateTableCommand({
        TableName: this.options.tableName,
        StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
      }),
    );
    const again = await this.table.send(
      new DescribeTableCommand({ TableName: this.options.tableName }),
    );
    const latest = again.Table?.LatestStreamArn;
    if (!latest) throw new Error("the local table has no stream");
    return latest;
  }

  /** Finds the stream and its shards; new shards start where nothing can be missed. */
  private async describe(first: boolean): Promise<void> {
    const arn = await this.ensureStream();
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
      try {
        if (Date.now() - this.describedAt > REDESCRIBE_MS) await this.describe(false);
        for (const [shardId, state] of this.shards) {
          if (state.closed || this.stopRequested) continue;
          found += await this.pollShard(shardId, state);
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
      if (found === 0) await sleep(this.options.idleMs ?? 25);
    }
    this.running = false;
  }

  private async pollShard(shardId: string, state: ShardState): Promise<number> {
    if (!state.iterator) await this.reopen(shardId, state);
    let result: { Records?: StreamRecord[]; NextShardIterator?: string };
    try {
      result = await this.streams.send(
        new GetRecordsCommand({ ShardIterator: state.iterator, Limit: 100 }),
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
      Records: records.map((record) => this.lambdaRecord(record)).filter(passesStreamFilter),
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

  private lambdaRecord(record: StreamRecord): DynamoDBRecord {
    const change = record.dynamodb;
    return {
      eventID: record.eventID,
      eventName: record.eventName,
      eventVersion: record.eventVersion ?? "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: this.options.region,
      eventSourceARN: this.streamArn,
      dynamodb: {
        ApproximateCreationDateTime: change?.ApproximateCreationDateTime
          ? Math.floor(change.ApproximateCreationDateTime.getTime() / 1000)
          : undefined,
        Keys: change?.Keys as DynamoDBRecord["dynamodb"] extends infer D
          ? D extends { Keys?: infer K }
            ? K
            : never
          : never,
        NewImage: change?.NewImage as DynamoDBRecord["dynamodb"] extends infer D
          ? D extends { NewImage?: infer K }
            ? K
            : never
          : never,
        SequenceNumber: change?.SequenceNumber,
        SizeBytes: change?.SizeBytes,
        StreamViewType: change?.StreamViewType,
      },
    };
  }

  destroy(): void {
    this.stopRequested = true;
    this.streams.destroy();
    this.table.destroy();
  }
}
