/**
 * What is switched off costs nothing: a handler imported where tracing is off
 * loads no X-Ray SDK and installs no async hook. Each case imports a real
 * handler in a fresh Node process (module state is per process), counting
 * `async_hooks.createHook` calls and looking for the SDK in the require cache.
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { tracingEnabled } from "#shared/tracing.ts";

const ROOT = resolve(import.meta.dirname, "../..");

const PROBE = `
import asyncHooks from "node:async_hooks";
import { createRequire } from "node:module";
let hooks = 0;
const createHook = asyncHooks.createHook;
asyncHooks.createHook = (...args) => { hooks += 1; return createHook(...args); };
await import(process.argv[1]);
const cache = Object.keys(createRequire(import.meta.url).cache);
process.stdout.write(JSON.stringify({ hooks, xray: cache.some((file) => file.includes("aws-xray-sdk-core")) }));
`;

const Loaded = z.object({ hooks: z.number(), xray: z.boolean() });

function importHandler(name: string, env: Record<string, string>): z.infer<typeof Loaded> {
  const out = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      PROBE,
      resolve(ROOT, "functions", name, "handler.ts"),
    ],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        AWS_REGION: "us-east-1",
        TABLE_NAME: "tracing-test",
        BUCKET_NAME: "tracing-test",
        AWS_XRAY_CONTEXT_MISSING: "IGNORE_ERROR",
        ...env,
      },
    },
  );
  return Loaded.parse(JSON.parse(out));
}

const LAMBDA = { AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x", AWS_LAMBDA_FUNCTION_NAME: "t" };

describe("tracing", { timeout: 60_000 }, () => {
  it("is off outside Lambda, off when POWERTOOLS_TRACE_ENABLED=false, on in Lambda", () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ ...LAMBDA, POWERTOOLS_TRACE_ENABLED: "false" })).toBe(false);
    expect(tracingEnabled({ ...LAMBDA, AWS_SAM_LOCAL: "true" })).toBe(false);
    expect(tracingEnabled(LAMBDA)).toBe(true);
  });

  it("loads no X-Ray SDK and no async hook outside Lambda", () => {
    for (const name of ["get-session", "authorizer", "investigate"]) {
      expect(importHandler(name, {}), name).toEqual({ hooks: 0, xray: false });
    }
  });

  it("loads no X-Ray SDK and no async hook in Lambda with tracing turned off", () => {
    const loaded = importHandler("query-events", { ...LAMBDA, POWERTOOLS_TRACE_ENABLED: "false" });
    expect(loaded).toEqual({ hooks: 0, xray: false });
  });

  it("loads the X-Ray SDK and its async hook in Lambda with tracing on", () => {
    const loaded = importHandler("query-events", LAMBDA);
    expect(loaded.xray).toBe(true);
    expect(loaded.hooks).toBeGreaterThan(0);
  });
});
