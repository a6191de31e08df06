/**
 * Reading a session as a caller may see it: a tenant-scoped key sees every
 * session of its tenant, an own-scoped key only those it started.
 */
import type { Session } from "../../contract/schemas/session.ts";
import { sessionNotFound } from "../../domain/errors.ts";
import { etagOfVersion } from "../../domain/preconditions.ts";
import { maySee, type Principal } from "../../domain/principal.ts";
import { type SessionItem, toSession } from "../../storage/items.ts";
import { readSession } from "../../storage/sessions/read.ts";

/**
 * The session if the caller may see it: any session of its tenant for a
 * tenant-scoped key, only those it started for an own-scoped one. Every other
 * session is undefined, exactly like one that does not exist.
 */
export async function readVisibleSession(
  principal: Principal,
  sessionId: string,
): Promise<SessionItem | undefined> {
  return visibleTo(principal, await readSession(principal.tenantId, sessionId));
}

export function visibleTo(
  principal: Principal,
  session: SessionItem | undefined,
): SessionItem | undefined {
  return session && maySee(principal, session.started_by_key) ? session : undefined;
}

export async function getSession(principal: Principal, sessionId: string): Promise<Session> {
  const item = await readVisibleSession(principal, sessionId);
  if (!item) throw sessionNotFound();
  return toSession(item);
}

/** The ETag of a session version: a strong entity tag. */
export function etagOf(session: Session): string {
  return etagOfVersion(session.version);
}
