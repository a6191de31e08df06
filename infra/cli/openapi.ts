/**
 * `npm run openapi [-- out.json]` writes the OpenAPI 3.1 document to
 * `openapi.json` at the repository root (or to the path given as the first
 * argument, or in OPENAPI_OUT) for client generators, and prints the path.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildOpenApiDocument } from "#shared/contract/openapi.ts";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const out = resolve(
  process.argv[2] ?? process.env.OPENAPI_OUT ?? resolve(repoRoot, "openapi.json"),
);

writeFileSync(out, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
process.stdout.write(`${out}\n`);
