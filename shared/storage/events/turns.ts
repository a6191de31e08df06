/**
 * The append queue's counters on the session item: `next_turn` (the last turn
 * handed out), `served_turn` (the last turn committed or skipped) and
 * `cancelled_turns` (turns whose writers gave up). The protocol that uses them
 * is in shared/usecases/events/append-turns.ts; the commit that serves a turn
 * is in ./commit.ts.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { UpdateCommand, type UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import { tableName } from "../../config.ts";
import { dynamo } from "../clients.ts";
import { SessionItem } from "../items.ts";
import { keys } from "../keys.ts";

/**
 * Takes the next turn. Returns the turn and the session as it is after
 * taking it, or undefined when the session no longer takes events.
 */
export async function takeAppendTurn(
  tenant: string,
  sessionId: string,
): Promise<{ turn: number; session: SessionItem } | undefined> {
  try {
    const result = await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.session(tenant, sessionId),
        UpdateExpression:
          "SET next_turn = if_not_exists(next_turn, :zero) + :one, served_turn = if_not_exists(served_turn, :zero)",
        ConditionExpression:
          "attribute_exists(pk) AND #status <> :expired AND attribute_not_exists(deleting)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":zero": 0, ":one": 1, ":expired": "expired" },
        ReturnValues: "ALL_NEW",
      }),
    );
    const session = SessionItem.parse(result.Attributes);
    return { turn: session.next_turn ?? 1, session };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/**
 * Moves the queue past a turn whose writer is gone (it gave up, or was seen
 * holding the head of the queue for too long). Conditional on the served turn
 * the caller saw, so one stuck turn is skipped once however many writers try;
 * a skipped writer that comes back finds its turn gone and queues again.
 */
export async function skipAppendTurn(
  tenant: string,
  sessionId: string,
  servedTurn: number,
): Promise<void> {
  await updateTurnsIf(tenant, sessionId, {
    UpdateExpression: "SET served_turn = :next DELETE cancelled_turns :skipped",
    ConditionExpression: "served_turn = :served AND next_turn > :served",
    ExpressionAttributeValues: {
      ":served": servedTurn,
      ":next": servedTurn + 1,
      ":skipped": new Set([servedTurn + 1]),
    },
  });
}

/** Marks a turn as given up, so the writers behind it need not wait for it. */
export async function cancelAppendTurn(
  tenant: string,
  sessionId: string,
  turn: number,
): Promise<void> {
  await updateTurnsIf(tenant, sessionId, {
    UpdateExpression: "ADD cancelled_turns :turn",
    ConditionExpression: "served_turn < :number",
    ExpressionAttributeValues: { ":turn": new Set([turn]), ":number": turn },
  });
}

/** A change to the queue's counters that is moot, not an error, when its condition fails. */
async function updateTurnsIf(
  tenant: string,
  sessionId: string,
  change: Pick<
    UpdateCommandInput,
    "UpdateExpression" | "ConditionExpression" | "ExpressionAttributeValues"
  >,
): Promise<void> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.session(tenant, sessionId),
        ...change,
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
