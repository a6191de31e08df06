/**
 * The local table's stream and its shards, as the stream poller reads them.
 * The local table is made without a stream, and the stream is turned on when
 * push delivery is first wanted (a WebSocket handshake awaits it): DynamoDB
 * Local spends about a tenth more on every write while its table has a
 * stream, a cost nobody should pay while nobody listens. On AWS the stream
 * is part of the table's definition and costs writes nothing.
 */
import {
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { TABLE_STREAM_VIEW } from "../table-definition.ts";

/** The ARN of the table's stream, or undefined while it has none. */
export async function currentStreamArn(
  table: DynamoDBClient,
  tableName: string,
): Promise<string | undefined> {
  const described = await table.send(new DescribeTableCommand({ TableName: tableName }));
  const arn = described.Table?.LatestStreamArn;
  return arn && described.Table?.StreamSpecification?.StreamEnabled ? arn : undefined;
}

/** Turns the table's stream on if it is off; its ARN. */
export async function enableTableStream(table: DynamoDBClient, tableName: string): Promise<string> {
  const arn = await currentStreamArn(table, tableName);
  if (arn) return arn;
  await table.send(
    new UpdateTableCommand({
      TableName: tableName,
      StreamSpecification: { StreamEnabled: true, StreamViewType: TABLE_STREAM_VIEW },
    }),
  );
  const enabled = await currentStreamArn(table, tableName);
  if (!enabled) throw new Error("the local table's stream did not turn on");
  return enabled;
}

export interface ShardState {
  iterator: string | undefined;
  /** The last record handed on; where a new iterator starts. */
  lastSequence: string | undefined;
  closed: boolean;
}

/**
 * The table's stream as the poller reads it: its ARN, its shards and where
 * each is read from. It is turned on once push delivery is wanted.
 */
export class TableStream {
  arn: string | undefined;
  readonly shards = new Map<string, ShardState>();
  /** When the shards were last looked at (0: look at the next round). */
  describedAt = 0;
  /** Push delivery was asked for: the stream is kept on from then. */
  private streamWanted = false;
  /** A look found no stream: the one turned on since is read from its start. */
  private streamMissing = false;
  private describing: Promise<void> | undefined;

  constructor(
    private readonly table: DynamoDBClient,
    private readonly streams: DynamoDBStreamsClient,
    private readonly tableName: string,
    /** Whether a WebSocket is open. */
    private readonly wanted: () => boolean,
  ) {}

  /** Turns the stream on, if it is off, and opens its shards. */
  async ensure(): Promise<void> {
    if (this.streamWanted && this.arn !== undefined) return;
    this.streamWanted = true;
    await this.describe(false);
  }

  /** One look at the stream at a time: two would open the same shard twice. */
  describe(first: boolean): Promise<void> {
    this.describing ??= this.lookAtStream(first).finally(() => {
      this.describing = undefined;
    });
    return this.describing;
  }

  /** Finds the stream and its shards; new shards start where nothing can be missed. */
  private async lookAtStream(first: boolean): Promise<void> {
    // A WebSocket open turns the stream on too, should its handshake not have.
    if (this.wanted()) this.streamWanted = true;
    const arn = this.streamWanted
      ? await enableTableStream(this.table, this.tableName)
      : await currentStreamArn(this.table, this.tableName);
    if (!arn) {
      this.streamMissing = true;
      this.shards.clear();
      this.describedAt = Date.now();
      return;
    }
    if (arn !== this.arn) {
      // The first look at a stream that was there: open shards from now on. A
      // stream turned on since a look found none, or a new table's: from its start.
      const fresh = this.arn !== undefined || this.streamMissing;
      this.arn = arn;
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

  /** A new iterator for a shard: after the last record handed on, or from its start. */
  async reopen(shardId: string, state: ShardState): Promise<void> {
    const iterator = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.arn,
        ShardId: shardId,
        ...(state.lastSequence
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: state.lastSequence }
          : { ShardIteratorType: "TRIM_HORIZON" }),
      }),
    );
    state.iterator = iterator.ShardIterator;
  }
}
