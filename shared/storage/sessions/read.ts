/** Reading one session as every caller sees it, and whether its table answers at all. */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { tableName } from "../../config.ts";
import { dynamo } from "../clients.ts";
import { SessionItem } from "../items.ts";
import { keys } from "../keys.ts";

/** The session, or undefined when it does not exist or is being deleted. */
export async function readSession(
  tenant: string,
  sessionId: string,
): Promise<SessionItem | undefined> {
  const result = await dynamo().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.session(tenant, sessionId),
      ConsistentRead: true,
    }),
  );
  if (!result.Item) return undefined;
  const session = SessionItem.parse(result.Item);
  return session.deleting ? undefined : session;
}

/** Whether the table answers: a DescribeTable, which reads no item. */
export async function pingTable(abortSignal: AbortSignal): Promise<void> {
  await dynamo().send(new DescribeTableCommand({ TableName: tableName() }), { abortSignal });
}
