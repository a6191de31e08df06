/**
 * The table in document form: the storage modules build lib-dynamodb's
 * commands (plain values in, plain values out), and `DocumentTable.send`
 * runs each as the low-level command it stands for, on one DynamoDBClient
 * created with `cacheMiddleware`. That client resolves its middleware stack
 * once per command type; the document client must resolve it on every call
 * (lib-dynamodb refuses `cacheMiddleware`, as its commands bind the stack to
 * one input), which cost about a fifth of each call's CPU in the gateway.
 *
 * Values are converted with util-dynamodb's own `marshall`/`unmarshall`, for
 * the fields the expression-based API has: keys, items, expression values
 * and start keys in; items, attributes and keys out. The legacy parameters
 * (`Expected`, `AttributeUpdates`, `KeyConditions`, `QueryFilter`) are not
 * converted; no storage module uses them. Errors are the SDK's, unchanged,
 * as the document client leaves them.
 */

import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  type DescribeTableCommand,
  type DescribeTableCommandOutput,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand as QueryItemsCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
  DeleteCommand,
  type DeleteCommandOutput,
  GetCommand,
  type GetCommandOutput,
  PutCommand,
  type PutCommandOutput,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  type TransactWriteCommandOutput,
  UpdateCommand,
  type UpdateCommandOutput,
} from "@aws-sdk/lib-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { HttpHandlerOptions } from "@smithy/types";

type Document = Record<string, unknown>;
type Stored = Record<string, AttributeValue>;

const MARSHALL = { removeUndefinedValues: true, convertClassInstanceToMap: false } as const;

const toStored = (value: Document): Stored => marshall(value, MARSHALL);
const fromStored = (value: Stored): Document => unmarshall(value);
const maybeToStored = (value: Document | undefined) => (value ? toStored(value) : undefined);
const maybeFromStored = (value: Stored | undefined) => (value ? fromStored(value) : undefined);

function mapValues<A, B>(record: Record<string, A>, each: (value: A) => B): Record<string, B> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, each(value)]));
}

/** The members of an item action (Get, Put, Update, Delete, or one of a transaction) that hold values. */
interface DocumentBody {
  Key?: Document;
  Item?: Document;
  ExpressionAttributeValues?: Document;
}

type StoredBody<T> = Omit<T, keyof DocumentBody> & {
  Key: Stored | undefined;
  Item: Stored | undefined;
  ExpressionAttributeValues: Stored | undefined;
};

/** An item action with its key or item and its expression values marshalled. */
function storedBody<T extends DocumentBody>(body: T): StoredBody<T> {
  const { Key, Item, ExpressionAttributeValues, ...rest } = body;
  return {
    ...rest,
    Key: maybeToStored(Key),
    Item: maybeToStored(Item),
    ExpressionAttributeValues: maybeToStored(ExpressionAttributeValues),
  };
}

/** What an item action answers, with the item or the attributes it returns unmarshalled. */
async function documentOutput<T extends { Item?: Stored; Attributes?: Stored }>(sent: Promise<T>) {
  const out = await sent;
  return { ...out, Item: maybeFromStored(out.Item), Attributes: maybeFromStored(out.Attributes) };
}

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** One transaction action (ConditionCheck, Put, Delete or Update) with its values marshalled. */
function storedAction(action: TransactItem): TransactWriteItem {
  const stored = Object.entries(action).map(([kind, body]: [string, DocumentBody | undefined]) => [
    kind,
    body && storedBody(body),
  ]);
  return Object.fromEntries(stored) as TransactWriteItem;
}

type DocumentWrite = NonNullable<BatchWriteCommandInput["RequestItems"]>[string][number];

function storedWrite(request: DocumentWrite): WriteRequest {
  return {
    ...(request.PutRequest && { PutRequest: { Item: toStored(request.PutRequest.Item ?? {}) } }),
    ...(request.DeleteRequest && {
      DeleteRequest: { Key: toStored(request.DeleteRequest.Key ?? {}) },
    }),
  };
}

function documentWrite(request: WriteRequest): DocumentWrite {
  return {
    ...(request.PutRequest && { PutRequest: { Item: fromStored(request.PutRequest.Item ?? {}) } }),
    ...(request.DeleteRequest && {
      DeleteRequest: { Key: fromStored(request.DeleteRequest.Key ?? {}) },
    }),
  };
}

type Options = HttpHandlerOptions | undefined;

async function query(client: DynamoDBClient, input: QueryCommandInput, options: Options) {
  const { ExpressionAttributeValues, ExclusiveStartKey, ...rest } = input;
  const out = await client.send(
    new QueryItemsCommand({
      ...rest,
      ExpressionAttributeValues: maybeToStored(ExpressionAttributeValues),
      ExclusiveStartKey: maybeToStored(ExclusiveStartKey),
    }),
    options,
  );
  return {
    ...out,
    Items: out.Items?.map(fromStored),
    LastEvaluatedKey: maybeFromStored(out.LastEvaluatedKey),
  };
}

async function batchGet(client: DynamoDBClient, input: BatchGetCommandInput, options: Options) {
  const { RequestItems, ...rest } = input;
  const out = await client.send(
    new BatchGetItemCommand({
      ...rest,
      RequestItems: mapValues(RequestItems ?? {}, (each) => ({
        ...each,
        Keys: each.Keys?.map(toStored),
      })),
    }),
    options,
  );
  return {
    ...out,
    Responses: out.Responses && mapValues(out.Responses, (items) => items.map(fromStored)),
    UnprocessedKeys:
      out.UnprocessedKeys &&
      mapValues(out.UnprocessedKeys, (each) => ({ ...each, Keys: each.Keys?.map(fromStored) })),
  };
}

async function batchWrite(client: DynamoDBClient, input: BatchWriteCommandInput, options: Options) {
  const { RequestItems, ...rest } = input;
  const out = await client.send(
    new BatchWriteItemCommand({
      ...rest,
      RequestItems: mapValues(RequestItems ?? {}, (requests) => requests.map(storedWrite)),
    }),
    options,
  );
  return {
    ...out,
    UnprocessedItems:
      out.UnprocessedItems &&
      mapValues(out.UnprocessedItems, (requests) => requests.map(documentWrite)),
  };
}

function transactWrite(client: DynamoDBClient, input: TransactWriteCommandInput, options: Options) {
  const { TransactItems, ...rest } = input;
  return client.send(
    new TransactWriteItemsCommand({ ...rest, TransactItems: TransactItems?.map(storedAction) }),
    options,
  );
}

export class DocumentTable {
  /** The client is created with `cacheMiddleware: true`; its stack is complete before the first call. */
  constructor(readonly client: DynamoDBClient) {}

  send(command: GetCommand, options?: HttpHandlerOptions): Promise<GetCommandOutput>;
  send(command: PutCommand, options?: HttpHandlerOptions): Promise<PutCommandOutput>;
  send(command: UpdateCommand, options?: HttpHandlerOptions): Promise<UpdateCommandOutput>;
  send(command: DeleteCommand, options?: HttpHandlerOptions): Promise<DeleteCommandOutput>;
  send(command: QueryCommand, options?: HttpHandlerOptions): Promise<QueryCommandOutput>;
  send(command: BatchGetCommand, options?: HttpHandlerOptions): Promise<BatchGetCommandOutput>;
  send(command: BatchWriteCommand, options?: HttpHandlerOptions): Promise<BatchWriteCommandOutput>;
  send(
    command: TransactWriteCommand,
    options?: HttpHandlerOptions,
  ): Promise<TransactWriteCommandOutput>;
  send(
    command: DescribeTableCommand,
    options?: HttpHandlerOptions,
  ): Promise<DescribeTableCommandOutput>;
  send(command: unknown, given?: HttpHandlerOptions): Promise<unknown> {
    // The SDK caches only calls without options: options that say nothing are dropped.
    const options = given?.abortSignal ? given : undefined;
    const client = this.client;
    if (command instanceof GetCommand)
      return documentOutput(client.send(new GetItemCommand(storedBody(command.input)), options));
    if (command instanceof PutCommand)
      return documentOutput(client.send(new PutItemCommand(storedBody(command.input)), options));
    if (command instanceof UpdateCommand)
      return documentOutput(client.send(new UpdateItemCommand(storedBody(command.input)), options));
    if (command instanceof DeleteCommand)
      return documentOutput(client.send(new DeleteItemCommand(storedBody(command.input)), options));
    if (command instanceof QueryCommand) return query(client, command.input, options);
    if (command instanceof BatchGetCommand) return batchGet(client, command.input, options);
    if (command instanceof BatchWriteCommand) return batchWrite(client, command.input, options);
    if (command instanceof TransactWriteCommand)
      return transactWrite(client, command.input, options);
    // A low-level command (DescribeTable) goes as it is.
    return client.send(command as DescribeTableCommand, options);
  }
}
