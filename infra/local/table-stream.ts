/**
 * The ARN of the local table's stream, switching the stream on for a table
 * made before it was part of the table's definition (an older data dir).
 */
import {
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";

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
