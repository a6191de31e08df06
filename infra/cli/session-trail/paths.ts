/**
 * Local paths as the person typed them. `npm run cli -- …` runs in the
 * checkout, not where it was typed; npm records that folder in INIT_CWD, so
 * a relative path is taken from there (the bin run directly has no INIT_CWD
 * and uses its own working directory).
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { UsageError } from "./errors.ts";

export function callerPath(path: string): string {
  if (path === "-" || isAbsolute(path)) return path;
  const base = process.env.INIT_CWD || process.cwd();
  return resolve(base, path);
}

/** Refuses to write over an existing file unless the caller said --force. */
export async function refuseOverwrite(file: string, force: boolean | undefined): Promise<void> {
  if (force || file === "-") return;
  try {
    await access(file, constants.F_OK);
  } catch {
    return;
  }
  throw new UsageError(`${file} already exists; pass --force to overwrite it, or -o another file.`);
}
