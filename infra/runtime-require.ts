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

/** Writes the shims that are missing or differ, and returns esbuild aliases to them. */
export function runtimeRequireAliases(projectRoot: string): Record<string, string> {
  const dir = join(projectRoot, "node_modules", ".cache", "session-trail", "runtime-require");
  mkdirSync(dir, { recursive: true });
  const aliases: Record<string, string> = {};
  for (const name of RUNTIME_REQUIRED_PACKAGES) {
    const file = join(dir, `${name.replace("/", "__")}.cjs`);
    const text = `const name = ${JSON.stringify(name)};\nmodule.exports = require(name);\n`;
    // Every function's bundle asks for them; each is written once.
    if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
    aliases[name] = file;
  }
  return aliases;
}
