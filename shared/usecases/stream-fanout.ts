/**
 * The fan-out: new events, read off the table's change stream, go to every
 * connection subscribed to their session, in seq order, each subscriber
 * getting only what is past its `after`. A connection that is gone (410) has
 * its subscriptions removed; one that fails otherwise gets a `gap` where
 * possible and never holds up the others or the stream. A deleted session
 * ends its subscriptions with `unsubscribed`/`deleted`.
 */
import type { SessionEvent } from "../contract/schemas/event.ts";
import { eventMessages, gapFor } from "../domain/stream-batches.ts";
import type { StreamChange } from "../storage/stream-records.ts";
import {
  clearConnection,
  removeSubscription,
  type Subscriber,
  subscribersOf,
} from "../storage/subscription-store.ts";
import { deliver, send } from "./stream-subscriptions.ts";

export interface FanOutReport {
  messagesSent: number;
  goneConnections: number;
  deliveryFailures: number;
  gaps: number;
}

interface SessionChanges {
  tenant: string;
  sessionId: string;
  events: SessionEvent[];
  removed: boolean;
}

function bySession(changes: readonly StreamChange[]): SessionChanges[] {
  const groups = new Map<string, SessionChanges>();
  for (const change of changes) {
    const id = `${change.tenant}\n${change.sessionId}`;
    let group = groups.get(id);
    if (!group) {
      group = { tenant: change.tenant, sessionId: change.sessionId, events: [], removed: false };
      groups.set(id, group);
    }
    if (change.kind === "event") group.events.push(change.event);
    else group.removed = true;
  }
  return [...groups.values()];
}

export async function fanOut(
  changes: readonly StreamChange[],
  onFailure: (error: unknown, connectionId: string) => void,
): Promise<FanOutReport> {
  const report: FanOutReport = {
    messagesSent: 0,
    goneConnections: 0,
    deliveryFailures: 0,
    gaps: 0,
  };
  // Sessions are independent; within one, a subscriber's messages go out in seq order.
  await Promise.all(
    bySession(changes).map(async (group) => {
      // A failed read of subscribers fails the batch: the event source mapping retries it.
      const subscribers = await subscribersOf(group.tenant, group.sessionId);
      await Promise.all(
        subscribers.map((subscriber) =>
          deliverTo(group, subscriber, report).catch((error: unknown) => {
            report.deliveryFailures += 1;
            onFailure(error, subscriber.connectionId);
          }),
        ),
      );
    }),
  );
  return report;
}

async function deliverTo(
  group: SessionChanges,
  subscriber: Subscriber,
  report: FanOutReport,
): Promise<void> {
  const { tenant, sessionId } = group;
  const wanted = group.events.filter((event) => event.seq > subscriber.after);
  for (const message of eventMessages(sessionId, wanted)) {
    let outcome: "sent" | "gone";
    try {
      outcome = await deliver(subscriber.connectionId, message);
    } catch (error) {
      // Throttled or failing after the SDK's retries: the client fills the hole with a GET.
      const gap = gapFor(message);
      if (gap) await send(subscriber.connectionId, gap).catch(() => undefined);
      report.gaps += gap ? 1 : 0;
      throw error;
    }
    if (outcome === "gone") {
      report.goneConnections += 1;
      await clearConnection(tenant, subscriber.connectionId);
      return;
    }
    report.messagesSent += 1;
    if (message.type === "gap") report.gaps += 1;
  }
  if (group.removed) {
    const outcome = await send(subscriber.connectionId, {
      type: "unsubscribed",
      session_id: sessionId,
      reason: "deleted",
    });
    if (outcome === "gone") {
      report.goneConnections += 1;
      await clearConnection(tenant, subscriber.connectionId);
      return;
    }
    report.messagesSent += 1;
    await removeSubscription(tenant, sessionId, subscriber.connectionId);
  }
}
