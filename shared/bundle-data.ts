/**
 * Data a function ships beside its bundle (written when it is bundled, see
 * infra/bundling.ts). Run from source, the file is not there and the caller
 * computes the same data itself.
 */
import { readFileSync } from "node:fs";

/** The parsed JSON file `name` beside the module at `moduleUrl`, or undefined when absent. */
export function readBundledJson(moduleUrl: string, name: string): unknown {
  let text: string;
  try {
    text = readFileSync(new URL(name, moduleUrl), "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return undefined;
    throw error;
  }
  return JSON.parse(text);
}
