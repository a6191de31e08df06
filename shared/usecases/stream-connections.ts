/** A push-stream connection's life: recorded at $connect, cleared (with its subscriptions) at $disconnect. */
import type { Principal } from "../domain/principal.ts";
import { clearConnection, putConnection } from "../storage/subscription-store.ts";

export async function openConnection(principal: Principal, connectionId: string): Promise<void> {
  await putConnection(principal, connectionId);
}

export async function closeConnection(tenant: string, connectionId: string): Promise<void> {
  await clearConnection(tenant, connectionId);
}
