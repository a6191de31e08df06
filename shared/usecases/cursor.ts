/**
 * Opaque listing cursors. A cursor carries only a position inside the
 * caller's own tenant; the keys are rebuilt from the principal, so a forged
 * cursor can at most move within the caller's data. Anything malformed is a
 * 400.
 */
import * as z from "zod";
import { ValidationError } from "../domain/errors.ts";

const POSITION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#sess_[A-Za-z0-9_-]{22}$/;
const CursorPayload = z.strictObject({ v: z.literal(1), p: z.string().regex(POSITION) });

export function encodeCursor(position: string): string {
  return Buffer.from(JSON.stringify({ v: 1, p: position })).toString("base64url");
}

export function decodeCursor(cursor: string): string {
  const invalid = () =>
    new ValidationError("cursor is not valid: pass next_cursor from the previous page unchanged.", {
      field: "cursor",
    });
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  const parsed = CursorPayload.safeParse(decoded);
  if (!parsed.success) throw invalid();
  return parsed.data.p;
}
