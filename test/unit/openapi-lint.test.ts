/**
 * The generated OpenAPI document passes Redocly's recommended rules
 * (`redocly.yaml` says which rule is off and why): no error, no warning.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { buildOpenApiDocument } from "#shared/contract/openapi.ts";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");

const LintReport = z.object({
  totals: z.object({ errors: z.number(), warnings: z.number(), ignored: z.number() }),
  problems: z.array(
    z.object({ ruleId: z.string(), severity: z.string(), message: z.string() }).loose(),
  ),
});

describe("the OpenAPI document", () => {
  it("passes redocly lint with the recommended rules: no error and no warning", async () => {
    const dir = mkdtempSync(join(tmpdir(), "openapi-lint-"));
    try {
      const file = join(dir, "openapi.json");
      writeFileSync(file, JSON.stringify(buildOpenApiDocument(), null, 2));
      const lint = await run(
        join(root, "node_modules/.bin/redocly"),
        ["lint", file, "--config", join(root, "redocly.yaml"), "--format=json"],
        {
          cwd: root,
          env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
        },
      ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
      const report = LintReport.parse(JSON.parse(lint.stdout));
      expect(report.problems.map((problem) => `${problem.ruleId}: ${problem.message}`)).toEqual([]);
      expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
