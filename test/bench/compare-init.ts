/**
 * Module-init time of each function bundle in both trees of `npm run bench --
 * compare`, measured in the same run as `npm run bench -- coldstart` measures
 * it (same Lambda-like environment, same import timer), for the functions
 * both trees have. Both trees are built with this tree's esbuild settings, so
 * the figures differ only by the code: the current tree with its data files
 * and assets (`buildFunctionBundle`), the reference with the same settings
 * from its own sources.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  BUNDLE_SETTINGS,
  buildFunctionBundle,
  bundleAliases,
  writeBundleData,
} from "#infra/bundling.ts";
import { importOnce } from "./coldstart.ts";
import { percentile, round } from "./support.ts";

export interface InitFigures {
  name: string;
  newP50: number;
  newP95: number;
  refP50: number;
  refP95: number;
  newCpuP50: number;
  refCpuP50: number;
}

function functionsOf(root: string): string[] {
  return readdirSync(join(root, "functions")).filter((name) =>
    existsSync(join(root, "functions", name, "handler.ts")),
  );
}

async function buildRefBundle(newRoot: string, refRoot: string, name: string, outDir: string) {
  const { build } = await import("esbuild");
  const file = join(outDir, name, "index.mjs");
  await build({
    ...BUNDLE_SETTINGS,
    mainFields: [...BUNDLE_SETTINGS.mainFields],
    external: [...BUNDLE_SETTINGS.external],
    banner: { js: BUNDLE_SETTINGS.banner },
    alias: bundleAliases(newRoot),
    sourcemap: true,
    sourcesContent: false,
    entryPoints: [join(refRoot, "functions", name, "handler.ts")],
    bundle: true,
    outfile: file,
    logLevel: "error",
    absWorkingDir: refRoot,
  });
  // Data files its code may read beside it are the same documents in both builds.
  await writeBundleData(name, join(outDir, name));
  return file;
}

function timeImports(file: string, runs: number): { p50: number; p95: number; cpuP50: number } {
  importOnce(file); // warms the file system cache
  const samples = Array.from({ length: runs }, () => importOnce(file));
  const wall = samples.map((each) => each.wall).sort((a, b) => a - b);
  const cpu = samples.map((each) => each.cpu).sort((a, b) => a - b);
  return {
    p50: round(percentile(wall, 50), 1),
    p95: round(percentile(wall, 95), 1),
    cpuP50: round(percentile(cpu, 50), 1),
  };
}

/** Builds and imports every shared function of both trees, alternating new and ref per function. */
export async function compareModuleInit(
  newRoot: string,
  refRoot: string,
  runs: number,
): Promise<InitFigures[]> {
  const newOut = join(newRoot, ".data", "compare-init");
  // Inside the reference checkout, so its external SDK resolves from its node_modules.
  const refOut = join(refRoot, ".data", "compare-init");
  rmSync(newOut, { recursive: true, force: true });
  const refNames = new Set(functionsOf(refRoot));
  const figures: InitFigures[] = [];
  for (const name of functionsOf(newRoot).filter((each) => refNames.has(each))) {
    const newFile = (await buildFunctionBundle(newRoot, name, newOut)).file;
    let refFile: string;
    try {
      refFile = await buildRefBundle(newRoot, refRoot, name, refOut);
    } catch {
      console.log(`  ${name}: the reference does not build with these settings; skipped`);
      continue;
    }
    const fresh = timeImports(newFile, runs);
    let ref: ReturnType<typeof timeImports>;
    try {
      ref = timeImports(refFile, runs);
    } catch {
      console.log(`  ${name}: the reference bundle fails to import; skipped`);
      continue;
    }
    figures.push({
      name,
      newP50: fresh.p50,
      newP95: fresh.p95,
      refP50: ref.p50,
      refP95: ref.p95,
      newCpuP50: fresh.cpuP50,
      refCpuP50: ref.cpuP50,
    });
  }
  return figures;
}
