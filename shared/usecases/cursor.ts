/**
 * Listing cursors, tamper-evident. A cursor is `{payload}.{tag}`: the
 * payload holds the position (base64url JSON), the tag is an HMAC-SHA256
 * under CURSOR_SECRET over the payload as sent, the tenant, the key's scope
 * (the key id too for an `own` key) and the listing's filters after parsing.
 * So only a `next_cursor` this API issued, sent back unchanged by a key of
 * the same scope with the same filters, is taken; anything else is a 400
 * naming `cursor`. The tag is checked before the payload is parsed.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import * as z from "zod";
import { cursorSecret } from "../config.ts";
import { ValidationError } from "../domain/errors.ts";
import type { Principal } from "../domain/principal.ts";

const VERSION = 2;
const POSITION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#sess_[A-Za-z0-9_-]{22}$/;
const CursorPayload = z.strictObject({ v: z.literal(VERSION), p: z.string().regex(POSITION) });
/** A payload of a position is about 110 characters; the tag is 32 bytes, 43 in base64url. */
const CURSOR_FORM = /^([A-Za-z0-9_-]{1,512})\.([A-Za-z0-9_-]{43})$/;

/** The filters a page was read with, as the query schema parsed them; `limit` may change between pages. */
export interface CursorFilters {
  user_id?: string | undefined;
  status?: string | undefined;
  outcome?: string | undefined;
  label?: string | undefined;
  created_after?: string | undefined;
  created_before?: string | undefined;
}

/** What a cursor is bound to besides its position. */
export interface CursorContext {
  tenant: string;
  /** `tenant`, or `own:{key id}`: an own-scoped key's cursors are its alone. */
  keyScope: string;
  filters: CursorFilters;
}

export function cursorContext(principal: Principal, filters: CursorFilters): CursorContext {
  return {
    tenant: principal.tenantId,
    keyScope: principal.scope === "own" ? `own:${principal.keyId}` : "tenant",
    filters,
  };
}

function tagOf(payload: string, context: CursorContext, secret: string): string {
  const { filters } = context;
  // A JSON array keeps the fields apart: no value can pass for another's.
  const signed = JSON.stringify([
    "session-list-cursor",
    VERSION,
    payload,
    context.tenant,
    context.keyScope,
    filters.user_id ?? null,
    filters.status ?? null,
    filters.outcome ?? null,
    filters.label ?? null,
    filters.created_after ?? null,
    filters.created_before ?? null,
  ]);
  return createHmac("sha256", secret).update(signed, "utf8").digest("base64url");
}

export function encodeCursor(
  position: string,
  context: CursorContext,
  secret: string = cursorSecret(),
): string {
  const payload = Buffer.from(JSON.stringify({ v: VERSION, p: position })).toString("base64url");
  return `${payload}.${tagOf(payload, context, secret)}`;
}

/** The position a cursor holds, when this API issued it for `context`; else a 400. */
export function decodeCursor(
  cursor: string,
  context: CursorContext,
  secret: string = cursorSecret(),
): string {
  const invalid = () =>
    new ValidationError(
      "cursor is not valid: pass next_cursor from the previous page unchanged, with the same filters and an API key of the same scope.",
      { field: "cursor" },
    );
  const form = CURSOR_FORM.exec(cursor);
  const payload = form?.[1];
  const sent = form?.[2];
  if (payload === undefined || sent === undefined) throw invalid();
  // The tag's text is compared, not its bytes: base64url has several spellings of one byte string.
  const expected = Buffer.from(tagOf(payload, context, secret));
  const received = Buffer.from(sent);
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  const parsed = CursorPayload.safeParse(decoded);
  if (!parsed.success) throw invalid();
  return parsed.data.p;
}
