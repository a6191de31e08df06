/**
 * Where the local stream poller is in each shard of the table's stream:
 * finding the stream and its shards (again when the table is new or a shard
 * splits), a position per shard that survives a restart of the poller, and
 * the two ways a position moves on: reading the records after it, or, while
 * nobody is connected, jumping to the shard's end without reading them.
 */
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
import { listedStreamArn, tableStreamArn } from "./table-stream.ts";

interface ShardState {
  iterator: string | undefined;
  /** The last record handed on; where a new iterator starts. */
  lastSequence: string | undefined;
  /** Moved to the shard's end while nobody was connected: a new iterator starts at LATEST. */
  passedOver: boolean;
  closed: boolean;
}

const REDESCRIBE_MS = 2000;
/** Records per GetRecords, as the event source mapping's batch size. */
const BATCH = 100;

export class StreamShards {
  private readonly streams: DynamoDBStreamsClient;
  private readonly table: DynamoDBClient;
  private readonly shards = new Map<string, ShardState>();
  private describedAt = 0;
  streamArn: string | undefined;

  private readonly tableName: string;

  constructor(options: { endpoint: string; region: string; tableName: string }) {
    this.tableName = options.tableName;
    const client = { endpoint: options.endpoint, region: options.region, maxAttempts: 2 };
    this.streams = new DynamoDBStreamsClient(client);
    this.table = new DynamoDBClient(client);
  }

  /**
   * The shards still to be read, described again every two seconds or when
   * something changed; `passingOver` while nobody is connected.
   */
  async open(passingOver: boolean): Promise<Array<[string, ShardState]>> {
    if (Date.now() - this.describedAt > REDESCRIBE_MS) await this.describe(false, passingOver);
    return [...this.shards].filter(([, state]) => !state.closed);
  }

  /** Look at the stream afresh on the next round (DynamoDB Local restarting; a new table). */
  forget(): void {
    this.describedAt = 0;
  }

  /** Finds the stream and its shards; new shards start where nothing can be missed. */
  async describe(first: boolean, passingOver = false): Promise<void> {
    // The first look goes through the table, which switches an older table's stream on.
    const listed = first ? undefined : await listedStreamArn(this.streams, this.tableName);
    const arn = listed ?? (await tableStreamArn(this.table, this.tableName));
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
        if (!shard.ShardId) continue;
        const open = shard.SequenceNumberRange?.EndingSequenceNumber === undefined;
        const known = this.shards.get(shard.ShardId);
        if (known) {
          // Closed, and passed over to its end with nobody connected since: nothing
          // is left to read in it.
          if (!open && known.passedOver && passingOver) known.closed = true;
          continue;
        }
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
          passedOver: false,
          closed: false,
        });
      }
      start = page.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    this.describedAt = Date.now();
  }

  /**
   * After a restart: a shard that handed records on resumes after the last
   * one (an earlier run's iterator may be stale); one that has not keeps its
   * position, as TRIM_HORIZON would replay the whole retained stream where
   * the mapping starts at LATEST.
   */
  async resume(): Promise<void> {
    for (const [shardId, state] of this.shards)
      if (!state.closed && state.lastSequence)
        await this.reopen(shardId, state).catch(() => undefined);
  }

  private async reopen(shardId: string, state: ShardState): Promise<void> {
    const iterator = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shardId,
        ...(state.lastSequence
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: state.lastSequence }
          : { ShardIteratorType: state.passedOver ? "LATEST" : "TRIM_HORIZON" }),
      }),
    );
    state.iterator = iterator.ShardIterator;
  }

  /** Nobody is connected: the shard's position moves to its end, its records unread. */
  async passOver(shardId: string, state: ShardState): Promise<void> {
    const latest = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shardId,
        ShardIteratorType: "LATEST",
      }),
    );
    state.iterator = latest.ShardIterator;
    state.lastSequence = undefined;
    state.passedOver = true;
  }

  /** Reads the next batch, hands it on, and only then moves the position past it. */
  async read(
    shardId: string,
    state: ShardState,
    hand: (records: StreamRecord[]) => Promise<void>,
  ): Promise<number> {
    if (!state.iterator) await this.reopen(shardId, state);
    let result: { Records?: StreamRecord[]; NextShardIterator?: string };
    try {
      result = await this.streams.send(
        new GetRecordsCommand({ ShardIterator: state.iterator, Limit: BATCH }),
      );
    } catch (error) {
      if (
        error instanceof TrimmedDataAccessException ||
        error instanceof ExpiredIteratorException
      ) {
        this.forget();
        await this.reopen(shardId, state);
        return 0;
      }
      throw error;
    }
    const records = result.Records ?? [];
    state.passedOver = false;
    if (records.length > 0) {
      await hand(records);
      state.lastSequence =
        records[records.length - 1]?.dynamodb?.SequenceNumber ?? state.lastSequence;
    }
    state.iterator = result.NextShardIterator;
    if (!state.iterator) {
      state.closed = true;
      this.forget();
    }
    return records.length;
  }

  destroy(): void {
    this.streams.destroy();
    this.table.destroy();
  }
}
