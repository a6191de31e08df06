/**
 * The local stack's CURSOR_SECRET: made once per data dir and kept there,
 * readable by its owner only, so cursors stay valid across restarts of
 * `npm start` and no two data dirs share one. A value already in the
 * environment wins (an operator may pin it).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const CURSOR_SECRET_FILE = "cursor-secret";

export function ensureCursorSecret(dataDir: string): string {
  const file = join(dataDir, CURSOR_SECRET_FILE);
  try {
    // `wx`: a second stack starting on the same dir at the same time keeps the first one's.
    writeFileSync(file, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    chmodSync(file, 0o600);
  }
  return readFileSync(file, "utf8").trim();
}
