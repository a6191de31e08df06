/**
 * The AWS SDK packages a bundle takes from the Lambda runtime, loaded with
 * `require` rather than `import`. The SDK ships CommonJS; an ESM `import` of
 * a CommonJS package makes Node scan its source for export names first,
 * which costs more than loading it (on this project's bundles, about two
 * thirds of the SDK's share of a cold start). Each package is mapped, when
 * bundling, to a one-line CommonJS module that requires it by a name
 * esbuild cannot follow, so it stays external and is resolved at run time
 * as before (NODE_PATH includes the runtime's copy on Lambda).
 */
import { mkdirSync, writeFileSync } from "node:fs";
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

/** Writes the shims (once per call; they are tiny) and returns esbuild aliases to them. */
export function runtimeRequireAliases(projectRoot: string): Record<string, string> {
  const dir = join(projectRoot, "node_modules", ".cache", "session-trail", "runtime-require");
  mkdirSync(dir, { recursive: true });
  const aliases: Record<string, string> = {};
  for (const name of RUNTIME_REQUIRED_PACKAGES) {
    const file = join(dir, `${name.replace("/", "__")}.cjs`);
    writeFileSync(file, `const name = ${JSON.stringify(name)};\nmodule.exports = require(name);\n`);
    aliases[name] = file;
  }
  return aliases;
}
