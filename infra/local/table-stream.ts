/**
 * The ARN of the local table's stream, switching the stream on for a table
 * made before it was part of the table's definition (an older data dir).
 *
 * DynamoDB Local answers DescribeTable by counting the table's items, so its
 * cost grows with the table (about 57 ms of its CPU at 50,000 items); the
 * poller looks again every two seconds with ListStreams, whose cost does not.
 */
import {
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { type DynamoDBStreamsClient, ListStreamsCommand } from "@aws-sdk/client-dynamodb-streams";

/** The newest stream listed for the table, without reading the table; undefined if none is. */
export async function listedStreamArn(
  streams: DynamoDBStreamsClient,
  tableName: string,
): Promise<string | undefined> {
  const listed = await streams.send(new ListStreamsCommand({ TableName: tableName }));
  let newest: { arn: string; label: string } | undefined;
  for (const stream of listed.Streams ?? []) {
    const label = stream.StreamLabel ?? "";
    if (stream.StreamArn && (!newest || label > newest.label))
      newest = { arn: stream.StreamArn, label };
  }
  return newest?.arn;
}

export async function tableStreamArn(table: DynamoDBClient, tableName: string): Promise<string> {
  const described = await table.send(new DescribeTableCommand({ TableName: tableName }));
  const arn = described.Table?.LatestStreamArn;
  if (arn && described.Table?.StreamSpecification?.StreamEnabled) return arn;
  // A table made before streams were part of its definition (an older data dir).
  await table.send(
    new UpdateTableCommand({
      TableName: tableName,
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
    }),
  );
  const again = await table.send(new DescribeTableCommand({ TableName: tableName }));
  const latest = again.Table?.LatestStreamArn;
  if (!latest) throw new Error("the local table has no stream");
  return latest;
}
