/**
 * `npm run bench -- coldstart`: each function bundled as the stack bundles it,
 * then imported in a fresh Node process RUNS times with the environment Lambda
 * gives it (source maps on, tracing on). Reports the bundle's size and the
 * module initialisation time (the import, data files and top-level await
 * included; the process start itself not). The AWS SDK is external, as
 * deployed, so its load from node_modules counts too.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as z from "zod";
import {
  type BuiltBundle,
  buildEntryBundle,
  buildFunctionBundle,
  LAMBDA_RUNTIME,
  MAX_BUNDLE_BYTES,
  weightByPackage,
} from "#infra/bundling.ts";
import { FUNCTIONS } from "#shared/contract/routes.ts";
import { percentile, round } from "./support.ts";

const RUNS = Number(process.env.COLDSTART_RUNS ?? 20);
/** `true` bundles the AWS SDK as well, to compare with the deployed (external) choice. */
const BUNDLE_SDK = process.env.COLDSTART_BUNDLE_SDK === "true";
const TARGET_P95_MS = 150;

/**
 * Bundles of the dependencies alone (test/bench/coldstart-floor/), measured
 * beside the functions: the start no function that uses the table (or the
 * table and the bucket) can go below while those dependencies are loaded as
 * deployed. The difference is the project's own share.
 */
const FLOORS = {
  "floor-table": "table.ts",
  "floor-table-bucket": "table-and-bucket.ts",
} as const;

/**
 * Prints the milliseconds the import of the bundle at argv[1] took, on the
 * clock and in CPU time (which a machine shared with other work inflates less).
 */
const IMPORT_TIMER = `const cpu = process.cpuUsage();
const started = performance.now();
await import(process.argv[1]);
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify([performance.now() - started, (used.user + used.system) / 1000]));`;

const LAMBDA_LIKE_ENV = {
  AWS_EXECUTION_ENV: `AWS_Lambda_${LAMBDA_RUNTIME}`,
  AWS_LAMBDA_FUNCTION_NAME: "coldstart",
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  TABLE_NAME: "coldstart-table",
  BUCKET_NAME: "coldstart-bucket",
  POWERTOOLS_SERVICE_NAME: "session-trail",
  POWERTOOLS_METRICS_NAMESPACE: "SessionTrail",
  POWERTOOLS_TRACE_ENABLED: "true",
  // No daemon here: the tracer must not fail the import for want of one.
  AWS_XRAY_CONTEXT_MISSING: "IGNORE_ERROR",
  LOG_LEVEL: "ERROR",
};

export function importOnce(file: string): { wall: number; cpu: number } {
  const out = execFileSync(
    process.execPath,
    ["--enable-source-maps", "--input-type=module", "-e", IMPORT_TIMER, pathToFileURL(file).href],
    { env: { PATH: process.env.PATH, ...LAMBDA_LIKE_ENV }, encoding: "utf8" },
  );
  const [wall = Number.NaN, cpu = Number.NaN] = z.array(z.number()).parse(JSON.parse(out));
  return { wall, cpu };
}

interface InitFigures {
  bytes: number;
  init_ms_p50: number;
  init_ms_p95: number;
  init_cpu_ms_p50: number;
  init_cpu_ms_p95: number;
}

/** Imports the bundle RUNS times, each in a fresh process, and prints its row. */
function measureBundle(bundle: BuiltBundle): InitFigures {
  importOnce(bundle.file); // warms the file system cache, as a deployed image is warm
  const samples = Array.from({ length: RUNS }, () => importOnce(bundle.file));
  const wall = samples.map((sample) => sample.wall).sort((a, b) => a - b);
  const cpu = samples.map((sample) => sample.cpu).sort((a, b) => a - b);
  const row: InitFigures = {
    bytes: bundle.bytes,
    init_ms_p50: round(percentile(wall, 50), 1),
    init_ms_p95: round(percentile(wall, 95), 1),
    init_cpu_ms_p50: round(percentile(cpu, 50), 1),
    init_cpu_ms_p95: round(percentile(cpu, 95), 1),
  };
  const heaviest = weightByPackage(bundle, 3)
    .map(([source, bytes]) => `${source} ${Math.round(bytes / 1024)}`)
    .join(", ");
  const cells = [row.init_ms_p50, row.init_ms_p95, row.init_cpu_ms_p50, row.init_cpu_ms_p95];
  console.log(
    `${bundle.name.padEnd(20)} ${(bundle.bytes / 1024).toFixed(0).padStart(6)} ${cells.map((cell) => String(cell).padStart(8)).join(" ")}  ${heaviest}`,
  );
  return row;
}

export async function benchColdStart(): Promise<Record<string, unknown>> {
  const projectRoot = resolve(import.meta.dirname, "../..");
  // Inside the checkout so the external SDK resolves from its node_modules.
  const outDir = join(projectRoot, ".data", "coldstart");
  rmSync(outDir, { recursive: true, force: true });
  const figures: Record<string, unknown> = {};
  const header = `${"function".padEnd(20)} ${"KB".padStart(6)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)} ${"cpu p50".padStart(8)} ${"cpu p95".padStart(8)}  heaviest`;
  console.log(
    `${RUNS} imports per function, each in a fresh node ${process.version}; AWS SDK ${BUNDLE_SDK ? "bundled" : "external (as deployed)"}`,
  );
  console.log(header);
  let worstP95 = 0;
  let largest = 0;
  for (const name of Object.keys(FUNCTIONS)) {
    const bundle = await buildFunctionBundle(projectRoot, name, outDir, { bundleSdk: BUNDLE_SDK });
    const measured = measureBundle(bundle);
    worstP95 = Math.max(worstP95, measured.init_ms_p95);
    largest = Math.max(largest, bundle.bytes);
    figures[`coldstart.${name}`] = measured;
  }
  for (const [name, entry] of Object.entries(FLOORS)) {
    const file = join(import.meta.dirname, "coldstart-floor", entry);
    const bundle = await buildEntryBundle(projectRoot, file, name, outDir, {
      bundleSdk: BUNDLE_SDK,
    });
    figures[`coldstart.${name}`] = measureBundle(bundle);
  }
  const sizeOk = largest <= MAX_BUNDLE_BYTES;
  const timeOk = worstP95 <= TARGET_P95_MS;
  console.log(
    "(heaviest: KB in the bundle by source; the floor rows are the dependencies alone, see FLOORS)",
  );
  console.log(
    `largest bundle ${(largest / 1024).toFixed(0)} KB (target ≤ ${MAX_BUNDLE_BYTES / 1024}: ${sizeOk ? "met" : "MISSED"}); ` +
      `worst p95 ${worstP95} ms (target ≤ ${TARGET_P95_MS}: ${timeOk ? "met" : "MISSED"})`,
  );
  figures["coldstart.summary"] = {
    runs: RUNS,
    sdk: BUNDLE_SDK ? "bundled" : "external",
    largest_bytes: largest,
    worst_p95_ms: worstP95,
  };
  return figures;
}
