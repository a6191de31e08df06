/**
 * A record read with the DynamoDB Streams API in the shape Lambda hands a
 * function (`DynamoDBRecord`): dates as epoch seconds, the source ARN and
 * region filled in, as the event source mapping delivers it on AWS.
 */
import type { _Record as StreamRecord } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBRecord } from "aws-lambda";

export function lambdaRecord(
  record: StreamRecord,
  region: string,
  streamArn: string | undefined,
): DynamoDBRecord {
  const change = record.dynamodb;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: region,
    eventSourceARN: streamArn,
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
