/**
 * Where the command line talks to: --url and --api-key, else
 * SESSION_TRAIL_URL and SESSION_TRAIL_API_KEY, else the running local stack
 * of DATA_DIR (default `.data`) with its dev key, as the other CLIs find it.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEV_KEY_FILE, readEndpoints } from "../../local/endpoints.ts";
import { UsageError } from "./errors.ts";

export interface ApiTarget {
  /** The API's base, ending in the stage (`…/v1`), without a trailing slash. */
  baseUrl: string;
  apiKey: string;
}

export interface TargetOptions {
  url?: string | undefined;
  apiKey?: string | undefined;
}

/** Where the local stack's files are looked for; named in the message when nothing is found. */
function localDataDir(): string {
  return resolve(process.env.DATA_DIR || ".data");
}

function fromLocalStack(): { baseUrl?: string; apiKey?: string } {
  const dataDir = localDataDir();
  const found: { baseUrl?: string; apiKey?: string } = {};
  try {
    found.baseUrl = readEndpoints(dataDir).baseUrl;
  } catch {
    // No running stack there: the caller names what to set instead.
  }
  try {
    found.apiKey = readFileSync(join(dataDir, DEV_KEY_FILE), "utf8").trim();
  } catch {
    // Likewise.
  }
  return found;
}

export function resolveTarget(options: TargetOptions): ApiTarget {
  let baseUrl = options.url ?? process.env.SESSION_TRAIL_URL;
  let apiKey = options.apiKey ?? process.env.SESSION_TRAIL_API_KEY;
  if (!baseUrl || !apiKey) {
    const local = fromLocalStack();
    baseUrl ||= local.baseUrl;
    apiKey ||= local.apiKey;
  }
  const lookedIn = `no running local stack was found in ${localDataDir()} (DATA_DIR${process.env.DATA_DIR ? "" : " unset, so .data"}): start it with npm start, or set DATA_DIR to the data dir your npm start uses`;
  if (!baseUrl) {
    throw new UsageError(`No API URL: pass --url, set SESSION_TRAIL_URL, or ${lookedIn}.`);
  }
  if (!apiKey) {
    throw new UsageError(`No API key: pass --api-key, set SESSION_TRAIL_API_KEY, or ${lookedIn}.`);
  }
  try {
    new URL(baseUrl);
  } catch {
    throw new UsageError(
      `--url must be an http(s) URL ending in the stage, e.g. http://127.0.0.1:3000/v1.`,
    );
  }
  return { baseUrl: baseUrl.replace(/\/+$/, ""), apiKey };
}
