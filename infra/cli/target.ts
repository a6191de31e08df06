/**
 * Where the command-line tools act: the running local stack of a data dir
 * (the default), or AWS when TABLE_NAME is set and DATA_DIR is not.
 */
import { resolve } from "node:path";
import { readEndpoints, useLocalServices } from "../local/local-stack.ts";

export type Target = { kind: "local"; dataDir: string } | { kind: "aws"; tableName: string };

export function selectTarget(): Target {
  const dataDir = process.env.DATA_DIR;
  const table = process.env.TABLE_NAME;
  if (table && !dataDir) return { kind: "aws", tableName: table };
  const dir = resolve(dataDir ?? ".data");
  useLocalServices(readEndpoints(dir));
  return { kind: "local", dataDir: dir };
}

/** Prints one clear line and exits non-zero: no stack traces for operator mistakes. */
export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
