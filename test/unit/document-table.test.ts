/**
 * The table's document commands against lib-dynamodb's document client: for
 * each command the storage modules use, both send the same request body, and
 * both read the same answer into the same output. Neither talks to a network:
 * each client's HTTP handler records the request and answers with a fixed
 * DynamoDB response, so everything above the wire (serialization, signing,
 * the middleware stack) is the SDK's own.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { HttpRequest } from "@smithy/types";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DocumentTable } from "#shared/storage/documents.ts";

interface Answer {
  status?: number;
  body: unknown;
}

/** An HTTP handler that keeps each request's JSON body and gives `answer`. */
function wire(answer: () => Answer) {
  const bodies: unknown[] = [];
  return {
    bodies,
    handler: {
      async handle(request: HttpRequest) {
        bodies.push(JSON.parse(String(request.body)));
        const { status = 200, body } = answer();
        return {
          response: {
            statusCode: status,
            reason: undefined,
            headers: {
              "content-type": "application/x-amz-json-1.0",
              "x-amzn-requestid": "test",
            },
            body: Buffer.from(JSON.stringify(body)),
          },
        };
      },
    },
  };
}

function clients(answer: () => Answer) {
  const config = {
    region: "us-east-1",
    endpoint: "http://127.0.0.1:1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  };
  const document = wire(answer);
  const table = wire(answer);
  const documentClient = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...config, requestHandler: document.handler }),
    { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } },
  );
  const client = new DynamoDBClient({
    ...config,
    requestHandler: table.handler,
    cacheMiddleware: true,
  });
  return { documentClient, table: new DocumentTable(client), document, wired: table };
}

type TableCommand =
  | GetCommand
  | PutCommand
  | UpdateCommand
  | DeleteCommand
  | QueryCommand
  | BatchGetCommand
  | BatchWriteCommand
  | TransactWriteCommand;

/** Sends `make()` through both; returns both outputs without their metadata. */
async function both<C extends TableCommand>(make: () => C, answer: unknown) {
  const { documentClient, table, document, wired } = clients(() => ({ body: answer }));
  // The overloads take each command type; one call site sends any of them.
  const send = (target: { send: (command: C) => Promise<unknown> }) => target.send(make());
  const [viaDocument, viaTable] = await Promise.all([
    send(documentClient as unknown as { send: (command: C) => Promise<unknown> }),
    send(table as unknown as { send: (command: C) => Promise<unknown> }),
  ]);
  const strip = (output: unknown) => {
    const { $metadata: _, ...rest } = output as Record<string, unknown>;
    // Sets as arrays, so the comparison sees their members.
    return JSON.parse(
      JSON.stringify(rest, (_, value: unknown) => (value instanceof Set ? [...value] : value)),
    ) as unknown;
  };
  expect(wired.bodies).toEqual(document.bodies);
  expect(strip(viaTable)).toEqual(strip(viaDocument));
  return { request: wired.bodies[0], output: strip(viaTable) };
}

const ITEM = {
  pk: "T#t1#S#s1",
  sk: "META",
  status: "active",
  last_seq: 12,
  labels: { team: "render", nested: { list: [1, "two", true, null] } },
  tags: new Set(["a", "b"]),
  gone: undefined,
};
const STORED = {
  pk: { S: "T#t1#S#s1" },
  sk: { S: "META" },
  status: { S: "active" },
  last_seq: { N: "12" },
  labels: {
    M: {
      team: { S: "render" },
      nested: { M: { list: { L: [{ N: "1" }, { S: "two" }, { BOOL: true }, { NULL: true }] } } },
    },
  },
  tags: { SS: ["a", "b"] },
};
const KEY = { pk: "T#t1#S#s1", sk: "META" };

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the table's document commands", () => {
  it("get: the key in, the item out", async () => {
    const { request, output } = await both(
      () => new GetCommand({ TableName: "table", Key: KEY, ConsistentRead: true }),
      { Item: STORED },
    );
    expect(request).toMatchObject({ Key: { pk: { S: KEY.pk } } });
    expect(output).toMatchObject({ Item: { last_seq: 12, tags: ["a", "b"] } });
  });

  it("get of a missing item", async () => {
    const { output } = await both(() => new GetCommand({ TableName: "table", Key: KEY }), {});
    expect(output).toEqual({});
  });

  it("put: the item without its undefined values, the expression values, the old item out", async () => {
    const { request } = await both(
      () =>
        new PutCommand({
          TableName: "table",
          Item: ITEM,
          ConditionExpression: "attribute_not_exists(pk) OR #s = :s",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: { ":s": "paused" },
          ReturnValues: "ALL_OLD",
        }),
      { Attributes: STORED },
    );
    expect(request).toMatchObject({ Item: STORED });
  });

  it("update and delete: key and values in, attributes out", async () => {
    await both(
      () =>
        new UpdateCommand({
          TableName: "table",
          Key: KEY,
          UpdateExpression: "SET last_seq = last_seq + :n, labels.team = :team",
          ExpressionAttributeValues: { ":n": 3, ":team": "export" },
          ReturnValues: "ALL_NEW",
        }),
      { Attributes: STORED },
    );
    await both(
      () =>
        new DeleteCommand({
          TableName: "table",
          Key: KEY,
          ConditionExpression: "last_seq = :seq",
          ExpressionAttributeValues: { ":seq": 12 },
          ReturnValues: "ALL_OLD",
        }),
      { Attributes: STORED },
    );
  });

  it("query: values and start key in, items and last key out", async () => {
    const { output } = await both(
      () =>
        new QueryCommand({
          TableName: "table",
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
          ExpressionAttributeValues: { ":pk": KEY.pk, ":lo": "EVT#1", ":hi": "META" },
          ExclusiveStartKey: { pk: KEY.pk, sk: "EVT#0" },
          Limit: 3,
        }),
      {
        Items: [STORED, STORED],
        Count: 2,
        ScannedCount: 2,
        LastEvaluatedKey: { pk: { S: KEY.pk }, sk: { S: "META" } },
      },
    );
    expect(output).toMatchObject({ Count: 2, LastEvaluatedKey: KEY });
  });

  it("batch get and batch write, with what is left unprocessed", async () => {
    await both(
      () =>
        new BatchGetCommand({
          RequestItems: { table: { Keys: [KEY, { ...KEY, sk: "STATS" }], ConsistentRead: true } },
        }),
      {
        Responses: { table: [STORED] },
        UnprocessedKeys: { table: { Keys: [{ pk: { S: KEY.pk }, sk: { S: "STATS" } }] } },
      },
    );
    await both(
      () =>
        new BatchWriteCommand({
          RequestItems: {
            table: [{ PutRequest: { Item: ITEM } }, { DeleteRequest: { Key: KEY } }],
          },
        }),
      { UnprocessedItems: { table: [{ DeleteRequest: { Key: { pk: { S: KEY.pk } } } }] } },
    );
  });

  it("transact write: every kind of action", async () => {
    const { request } = await both(
      () =>
        new TransactWriteCommand({
          ClientRequestToken: "token-1",
          TransactItems: [
            {
              ConditionCheck: {
                TableName: "table",
                Key: KEY,
                ConditionExpression: "last_seq = :seq",
                ExpressionAttributeValues: { ":seq": 12 },
              },
            },
            { Put: { TableName: "table", Item: ITEM } },
            { Delete: { TableName: "table", Key: KEY } },
            {
              Update: {
                TableName: "table",
                Key: KEY,
                UpdateExpression: "SET last_seq = :seq",
                ExpressionAttributeValues: { ":seq": 13 },
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
          ],
        }),
      {},
    );
    expect(request).toMatchObject({ TransactItems: { length: 4 } });
  });

  it("resolves the middleware once per command type, each call with its own input", async () => {
    let n = 0;
    const { table, wired } = clients(() => ({ body: { Item: STORED } }));
    const resolve = vi.spyOn(GetItemCommand.prototype, "resolveMiddleware");
    for (const sk of ["A", "B", "C"]) {
      n += 1;
      await table.send(new GetCommand({ TableName: "table", Key: { pk: `p${n}`, sk } }));
    }
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(wired.bodies).toEqual(
      ["A", "B", "C"].map((sk, index) => ({
        TableName: "table",
        Key: { pk: { S: `p${index + 1}` }, sk: { S: sk } },
      })),
    );
  });

  it("passes DynamoDB's errors on as the SDK's own", async () => {
    const { table } = clients(() => ({
      status: 400,
      body: {
        __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
        message: "The conditional request failed",
      },
    }));
    await expect(
      table.send(new PutCommand({ TableName: "table", Item: ITEM })),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });
});
