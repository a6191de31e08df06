/**
 * The table and bucket actions a built function bundle can perform, read off
 * the SDK commands its minified code builds (test/infra/bundles.test.ts holds
 * them to each function's declared access).
 */
import type { BucketAction, TableAction } from "#shared/contract/routes.ts";

/** What each SDK command needs of the declared access. */
const COMMAND_ACCESS: Record<string, { table?: TableAction[]; bucket?: BucketAction[] }> = {
  GetCommand: { table: ["get"] },
  PutCommand: { table: ["put"] },
  UpdateCommand: { table: ["update"] },
  DeleteCommand: { table: ["delete"] },
  QueryCommand: { table: ["query"] },
  BatchGetCommand: { table: ["batchGet"] },
  BatchWriteCommand: { table: ["batchWrite"] },
  DescribeTableCommand: { table: ["describe"] },
  // Its items carry their own actions (counted below).
  TransactWriteCommand: {},
  // The low-level commands, as shared/storage/documents.ts runs the document ones.
  GetItemCommand: { table: ["get"] },
  PutItemCommand: { table: ["put"] },
  UpdateItemCommand: { table: ["update"] },
  DeleteItemCommand: { table: ["delete"] },
  BatchGetItemCommand: { table: ["batchGet"] },
  BatchWriteItemCommand: { table: ["batchWrite"] },
  TransactWriteItemsCommand: {},
  GetObjectCommand: { bucket: ["get"] },
  // Without ListBucket a missing object answers 403, not 404.
  HeadObjectCommand: { bucket: ["get", "list"] },
  PutObjectCommand: { bucket: ["put"] },
  DeleteObjectCommand: { bucket: ["delete"] },
  DeleteObjectsCommand: { bucket: ["delete"] },
  ListObjectsV2Command: { bucket: ["list"] },
  HeadBucketCommand: { bucket: ["list"] },
  // The stream's @connections calls: granted by `manageConnections`, not table or bucket access.
  PostToConnectionCommand: {},
  DeleteConnectionCommand: {},
  GetConnectionCommand: {},
};
const TRANSACTION_ITEM_ACCESS: Record<string, TableAction> = {
  Put: "put",
  Update: "update",
  Delete: "delete",
};

/**
 * shared/storage/documents.ts runs each document command as its low-level
 * command, so a bundle with the table builds one of each of these whatever it
 * calls. They are not access of their own (the document commands at the call
 * sites are): one of each is taken off the count. The low-level Query has the
 * document Query's name.
 */
const TRANSLATION = [
  "GetItemCommand",
  "PutItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
  "QueryCommand",
  "BatchGetItemCommand",
  "BatchWriteItemCommand",
  "TransactWriteItemsCommand",
];

/** The table and bucket actions a minified bundle can perform, read off its SDK calls. */
export function accessUsedBy(code: string): { table: string[]; bucket: string[] } {
  const table = new Set<string>();
  const bucket = new Set<string>();
  // The SDK is required (see infra/runtime-require.ts), so a command is built
  // as a member of the required module: `new <module>.GetCommand(`.
  const built = new Map<string, number>();
  for (const [, command = ""] of code.matchAll(/new [\w$]+\.(\w+Command)\(/g)) {
    built.set(command, (built.get(command) ?? 0) + 1);
  }
  if (built.has("TransactWriteItemsCommand")) {
    for (const command of TRANSLATION) built.set(command, (built.get(command) ?? 0) - 1);
  }
  for (const [command, count] of built) {
    if (count <= 0) continue;
    const needs = COMMAND_ACCESS[command];
    if (!needs) throw new Error(`no declared-access rule for ${command}`);
    for (const action of needs.table ?? []) table.add(action);
    for (const action of needs.bucket ?? []) bucket.add(action);
  }
  for (const [, item = ""] of code.matchAll(/[{,](Put|Update|Delete|ConditionCheck):\{/g)) {
    const action = TRANSACTION_ITEM_ACCESS[item];
    if (!action) throw new Error(`no declared-access rule for transaction item ${item}`);
    table.add(action);
  }
  return { table: [...table].sort(), bucket: [...bucket].sort() };
}
