/**
 * The AWS SDK packages a bundle takes from the Lambda runtime, loaded with
 * `require` rather than `import`. The SDK ships CommonJS; an ESM `import` of
 * a CommonJS package makes Node scan its source for export names first
 * (for the document client's three packages, 93–114 ms to load instead of
 * 56–58 ms on the bench machine). Each package is mapped, when
 * bundling, to a one-line CommonJS module that requires it by a name
 * esbuild cannot follow, so it stays external and is resolved at run time
 * as before (NODE_PATH includes the runtime's copy on Lambda).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Every runtime-provided package product code imports (test/infra/bundles.test.ts keeps this whole). */
export const RUNTIME_REQUIRED_PACKAGES = [
  "@aws-sdk/client-apigatewaymanagementapi",
  "@aws-sdk/client-dynamodb",
  "@aws-sdk/client-s3",
  "@aws-sdk/lib-dynamodb",
  "@aws-sdk/s3-request-presigner",
  "@aws-sdk/util-dynamodb",
  "@smithy/node-http-handler",
  "@smithy/service-error-classification",
] as const;

/**
 * Packages used only when something fails, required at the first call of one
 * of the functions named here rather than at start. The error classification
 * is asked only of a failed call (by error-mapping.ts, and by the X-Ray SDK's
 * patcher of SDK clients), yet requiring it loads Smithy's retry, protocol and
 * serde modules (340 KB of source): in a function that makes no SDK call
 * (the viewer, the document) that was a fifth of its start.
 */
export const REQUIRED_AT_FIRST_CALL: Readonly<Record<string, readonly string[]>> = {
  "@smithy/service-error-classification": [
    "isServerError",
    "isThrottlingError",
    "isTransientError",
  ],
};

/** The one-module text a package is mapped to: its `require`, now or at first call. */
export function runtimeRequireShim(name: string): string {
  const header = `const name = ${JSON.stringify(name)};\n`;
  const functions = REQUIRED_AT_FIRST_CALL[name];
  if (!functions) return `${header}module.exports = require(name);\n`;
  const members = functions.map((fn) => `  ${fn}: (...args) => load().${fn}(...args),\n`);
  return `${header}let loaded;\nconst load = () => (loaded ??= require(name));\nmodule.exports = {\n${members.join("")}};\n`;
}

/** Writes the shims that are missing or differ, and returns esbuild aliases to them. */
export function runtimeRequireAliases(projectRoot: string): Record<string, string> {
  const dir = join(projectRoot, "node_modules", ".cache", "session-trail", "runtime-require");
  mkdirSync(dir, { recursive: true });
  const aliases: Record<string, string> = {};
  for (const name of RUNTIME_REQUIRED_PACKAGES) {
    const file = join(dir, `${name.replace("/", "__")}.cjs`);
    const text = runtimeRequireShim(name);
    // Every function's bundle asks for them; each is written once.
    if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
    aliases[name] = file;
  }
  return aliases;
}
