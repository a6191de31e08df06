/**
 * The local stack's credentials, made once per data dir. DynamoDB Local keeps
 * one database per access key id and region (it runs without `-sharedDb`),
 * and the S3 emulator knows only the key it is given: a client without this
 * file's random key id reaches an empty database. The file is readable by its
 * owner only.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod";

export const CREDENTIALS_FILE = "local-credentials.json";
const OWNER_ONLY = 0o600;

export const LocalCredentials = z.object({
  accessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/),
  secretAccessKey: z.string().min(16),
});
export type LocalCredentials = z.infer<typeof LocalCredentials>;

/** The data dir's credentials, made on the first start. */
export function ensureLocalCredentials(dataDir: string): LocalCredentials {
  const file = join(dataDir, CREDENTIALS_FILE);
  if (!existsSync(file)) {
    const made: LocalCredentials = {
      // DynamoDB Local takes letters and digits only in a key id.
      accessKeyId: `LOCAL${randomBytes(16).toString("hex").toUpperCase()}`,
      secretAccessKey: randomBytes(24).toString("hex"),
    };
    try {
      writeFileSync(file, `${JSON.stringify(made)}\n`, { mode: OWNER_ONLY, flag: "wx" });
    } catch (error) {
      // Another start made it first: its key is the one in use.
      if (!(error instanceof Error && "code" in error && error.code === "EEXIST")) throw error;
    }
  }
  // A file copied or restored with wider permissions is narrowed again.
  chmodSync(file, OWNER_ONLY);
  return readLocalCredentials(dataDir);
}

export function readLocalCredentials(dataDir: string): LocalCredentials {
  const file = join(dataDir, CREDENTIALS_FILE);
  if (!existsSync(file)) {
    throw new Error(
      `No local stack credentials found (${file} is missing): run \`npm start\` first.`,
    );
  }
  return LocalCredentials.parse(JSON.parse(readFileSync(file, "utf8")));
}

/**
 * A data dir from before the per-key databases holds one shared database
 * file: it becomes this key's, so its sessions and keys are kept.
 */
export function adoptSharedDatabase(
  dbPath: string,
  credentials: LocalCredentials,
  region: string,
): void {
  const shared = join(dbPath, "shared-local-instance.db");
  const own = join(dbPath, `${credentials.accessKeyId}_${region}.db`);
  if (existsSync(shared) && !existsSync(own)) renameSync(shared, own);
}
