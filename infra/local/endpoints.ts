/**
 * What `npm start` leaves in its data dir for the tools that talk to it. Kept
 * apart from the stack itself so a client (the `session-trail` command line)
 * can find the running stack without loading DynamoDB Local or the emulator.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod";
import { LocalCredentials, readLocalCredentials } from "./credentials.ts";

export const ENDPOINTS_FILE = "local-stack.json";
export const DEV_KEY_FILE = "dev-api-key";

/** What the endpoints file holds; the credentials stay in their owner-only file. */
export const PublishedEndpoints = z.object({
  baseUrl: z.string(),
  dynamodbEndpoint: z.string(),
  s3Endpoint: z.string(),
  tableName: z.string(),
  bucketName: z.string(),
  region: z.string(),
});
export const LocalEndpoints = PublishedEndpoints.extend({ credentials: LocalCredentials });
export type LocalEndpoints = z.infer<typeof LocalEndpoints>;

export function readEndpoints(dataDir: string): LocalEndpoints {
  const file = join(dataDir, ENDPOINTS_FILE);
  if (!existsSync(file)) {
    throw new Error(`No running local stack found (${file} is missing): run \`npm start\` first.`);
  }
  const published = PublishedEndpoints.parse(JSON.parse(readFileSync(file, "utf8")));
  return { ...published, credentials: readLocalCredentials(dataDir) };
}

/** Publishes a running stack's endpoints for the tools; its credentials stay in their own file. */
export function writeEndpoints(dataDir: string, endpoints: LocalEndpoints): void {
  const published = PublishedEndpoints.parse(endpoints);
  writeFileSync(join(dataDir, ENDPOINTS_FILE), JSON.stringify(published, null, 2));
}
