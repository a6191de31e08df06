/**
 * Deleting a session: its own module because it is the one lifecycle step
 * that touches the bucket (the workspace goes too), so only its function
 * loads the S3 SDK.
 */
import { sessionNotFound, UnavailableError } from "../domain/errors.ts";
import { requireVersion, type VersionPrecondition } from "../domain/preconditions.ts";
import { maySee, type Principal } from "../domain/principal.ts";
import {
  markDeleting,
  purgeSessionPartition,
  readDeletingSession,
} from "../storage/sessions/delete.ts";
import { backoffMs, RACED_TRANSACTION_ATTEMPTS, sleep } from "../storage/transactions.ts";
import { deleteWorkspace } from "../storage/workspace-store.ts";
import { readVisibleSession } from "./sessions/read.ts";

/**
 * Delete: the session vanishes for callers and releases its lock in one
 * transaction (conditional on the version read, so If-Match holds), then its
 * events and workspace are removed. A delete that was interrupted is finished
 * by the next delete of the same id, whatever its If-Match: the session is
 * already gone for every caller.
 */
export async function deleteSession(
  principal: Principal,
  sessionId: string,
  precondition?: VersionPrecondition,
): Promise<void> {
  const tenant = principal.tenantId;
  for (let attempt = 0; attempt < RACED_TRANSACTION_ATTEMPTS; attempt += 1) {
    const read = await readVisibleSession(principal, sessionId);
    if (!read) {
      const deleting = await readDeletingSession(tenant, sessionId);
      if (deleting && maySee(principal, deleting.startedByKey)) break;
      throw sessionNotFound();
    }
    // Checked on every read: the delete below is conditional on this version.
    requireVersion(precondition, read.version);
    if ((await markDeleting(tenant, read)) === "committed") break;
    await sleep(backoffMs(attempt));
    if (attempt === RACED_TRANSACTION_ATTEMPTS - 1) throw new UnavailableError();
  }
  await deleteWorkspace(tenant, sessionId);
  await purgeSessionPartition(tenant, sessionId);
}
