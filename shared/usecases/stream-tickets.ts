/**
 * Push-stream tickets: a browser cannot set headers on a WebSocket, so a
 * client trades its API key (in a header) for a ticket that goes in the
 * stream URL. The ticket is single use, valid 60 s, stored only as its
 * SHA-256 hash, and carries the key's tenant, role and scope.
 */
import { randomBytes } from "node:crypto";
import { streamUrl } from "../config.ts";
import type { StreamTicket } from "../contract/schemas/stream.ts";
import type { Principal } from "../domain/principal.ts";
import { sha256 } from "../storage/keys.ts";
import { putTicket, takeTicket } from "../storage/stream-ticket-store.ts";

export const TICKET_TTL_SECONDS = 60;
const TICKET_PATTERN = /^stt_[A-Za-z0-9_-]{43}$/;

export async function createStreamTicket(principal: Principal): Promise<StreamTicket> {
  const ticket = `stt_${randomBytes(32).toString("base64url")}`;
  const expiresAtMs = Date.now() + TICKET_TTL_SECONDS * 1000;
  const expiresAt = new Date(expiresAtMs).toISOString();
  await putTicket({
    ticketHash: sha256(ticket),
    principal,
    expiresAt,
    // DynamoDB's TTL deletes within days, not seconds: redeeming checks expires_at.
    ttlEpochSeconds: Math.ceil(expiresAtMs / 1000) + 60,
  });
  const url = new URL(streamUrl());
  url.searchParams.set("ticket", ticket);
  return { ticket, url: url.toString(), expires_at: expiresAt };
}

/**
 * The principal a ticket was issued to, taking the ticket so it cannot be
 * used again; undefined when it is malformed, unknown, used or expired.
 */
export async function redeemStreamTicket(
  ticket: string | undefined,
): Promise<Principal | undefined> {
  if (!ticket || !TICKET_PATTERN.test(ticket)) return undefined;
  const taken = await takeTicket(sha256(ticket));
  if (!taken || Date.parse(taken.expiresAt) <= Date.now()) return undefined;
  const { expiresAt: _expiresAt, ...principal } = taken;
  return principal;
}
