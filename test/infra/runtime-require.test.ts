/**
 * The modules bundles load the runtime's SDK packages through: a package
 * needed only when a call fails is required at the first call of one of its
 * functions, and then answers as the package does.
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { REQUIRED_AT_FIRST_CALL, runtimeRequireAliases } from "#infra/runtime-require.ts";

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(import.meta.url);

/** Runs `script` in a fresh process with `shim` as the module `shim` names, and returns what it prints. */
function runWithShim(shim: string, script: string): unknown {
  const out = execFileSync(process.execPath, ["-e", script, shim], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
  });
  return JSON.parse(out);
}

describe("runtime-required packages", () => {
  const aliases = runtimeRequireAliases(PROJECT_ROOT);

  it("names only functions the package has", () => {
    for (const [name, functions] of Object.entries(REQUIRED_AT_FIRST_CALL)) {
      const exported: Record<string, unknown> = require(name);
      for (const fn of functions) expect(typeof exported[fn], `${name}.${fn}`).toBe("function");
    }
  });

  it("requires a package needed only on failure at the first call, and answers as it does", () => {
    const name = "@smithy/service-error-classification";
    const shim = aliases[name] ?? "";
    const seen = runWithShim(
      shim,
      `const loaded = () => Object.keys(require.cache).some((file) => file.includes("@smithy/"));
       const shim = require(process.argv[1]);
       const atStart = loaded();
       const throttled = { name: "ThrottlingException", $metadata: {} };
       const failed = { name: "InternalError", $metadata: { httpStatusCode: 500 } };
       const answers = [shim.isThrottlingError(throttled), shim.isServerError(failed), shim.isTransientError(failed), shim.isThrottlingError(failed)];
       process.stdout.write(JSON.stringify({ atStart, afterCall: loaded(), answers }));`,
    );
    const real = require(name);
    const throttled = { name: "ThrottlingException", $metadata: {} };
    const failed = { name: "InternalError", $metadata: { httpStatusCode: 500 } };
    expect(seen).toEqual({
      atStart: false,
      afterCall: true,
      answers: [
        real.isThrottlingError(throttled),
        real.isServerError(failed),
        real.isTransientError(failed),
        real.isThrottlingError(failed),
      ],
    });
    // Not all one answer, so the comparison above tells the functions apart.
    expect(seen).toMatchObject({ answers: [true, expect.any(Boolean), true, false] });
  });

  it("requires every other package at start", () => {
    const shim = aliases["@aws-sdk/util-dynamodb"] ?? "";
    const seen = runWithShim(
      shim,
      `require(process.argv[1]);
       process.stdout.write(JSON.stringify(Object.keys(require.cache).some((file) => file.includes("util-dynamodb"))));`,
    );
    expect(seen).toBe(true);
  });
});
