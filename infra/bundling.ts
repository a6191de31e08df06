/**
 * How a function's code is bundled: one definition read by the CDK stack
 * (NodejsFunction's esbuild run), `npm run bench -- coldstart` and the bundle
 * size test, so what is measured is what is deployed. The viewer's browser
 * script is built here too, with the same esbuild.
 */
import { copyFileSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { BuildOptions, Metafile, Plugin } from "esbuild";
import { FUNCTIONS, type FunctionDefinition, type FunctionName } from "#shared/contract/routes.ts";
import { runtimeRequireAliases } from "./runtime-require.ts";

/** The Lambda runtime the functions run on, and the syntax level esbuild emits for it. */
export const LAMBDA_RUNTIME = "nodejs24.x";
export const BUNDLE_TARGET = "node24";

/** Budgets a bundle must stay within (checked by test/infra/bundles.test.ts). */
export const MAX_BUNDLE_BYTES = 300 * 1024;

/**
 * ESM output still meets CommonJS dependencies that call `require` for Node
 * built-ins; this gives them one.
 */
export const REQUIRE_BANNER =
  "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);";

/**
 * Taken from the Lambda runtime rather than bundled: the AWS SDK v3 and the
 * Smithy packages it is built on. They are two thirds of a bundle otherwise
 * (see the Deploy section of the README for the trade-off).
 */
export const RUNTIME_PROVIDED_MODULES = ["@aws-sdk/*", "@smithy/*"] as const;

/** The esbuild settings every function is built with. */
export const BUNDLE_SETTINGS = {
  minify: true,
  format: "esm",
  platform: "node",
  target: BUNDLE_TARGET,
  // ESM entry points first: they tree-shake, CommonJS ones do not.
  mainFields: ["module", "main"],
  banner: REQUIRE_BANNER,
  external: [...RUNTIME_PROVIDED_MODULES],
} as const;

const PROJECT_ROOT = join(import.meta.dirname, "..");

/**
 * Modules replaced when bundling: by a smaller one (each shim says why) and,
 * unless the SDK is bundled, the runtime's SDK packages by a `require` of them.
 */
export function bundleAliases(
  projectRoot: string,
  variant: { bundleSdk?: boolean } = {},
): Record<string, string> {
  return {
    semver: join(projectRoot, "infra", "bundle-shims", "semver.cjs"),
    ...(variant.bundleSdk ? {} : runtimeRequireAliases(projectRoot)),
  };
}

/** A data file a function reads beside its bundle, written when it is bundled. */
export interface BundleDataFile {
  file: string;
  /** The file's content. */
  build: () => Promise<string>;
}

/**
 * What each function ships as data instead of computing at start: the
 * OpenAPI document (built with zod-openapi from every schema), the
 * authorizer's role-to-route table (the route table without its schemas) and
 * the viewer's built browser script.
 */
export const BUNDLE_DATA: Readonly<Record<string, readonly BundleDataFile[]>> = {
  openapi: [
    {
      file: "openapi.json",
      build: async () =>
        JSON.stringify((await import("#shared/contract/openapi.ts")).buildOpenApiDocument()),
    },
  ],
  authorizer: [
    {
      file: "route-access.json",
      build: async () =>
        JSON.stringify((await import("#shared/contract/routes.ts")).routeAccessTable()),
    },
  ],
  viewer: [
    {
      file: "viewer.js",
      build: async () => (await buildViewerScript(PROJECT_ROOT)).text,
    },
  ],
};

/** Writes a function's data files into the folder its bundle is in. */
export async function writeBundleData(name: string, outDir: string): Promise<string[]> {
  const written: string[] = [];
  for (const data of BUNDLE_DATA[name] ?? []) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, data.file), await data.build());
    written.push(data.file);
  }
  return written;
}

export interface BuiltBundle {
  name: string;
  file: string;
  bytes: number;
  metafile: Metafile;
}

/**
 * Builds one function the way the stack does (source map beside it, no
 * sources in it), with its data files, into `outDir/<name>/`.
 */
export async function buildFunctionBundle(
  projectRoot: string,
  name: string,
  outDir: string,
  /** Bundle the AWS SDK too (for comparison in `npm run bench -- coldstart`; the stack never does). */
  variant: { bundleSdk?: boolean } = {},
): Promise<BuiltBundle> {
  const entry = join(projectRoot, "functions", name, "handler.ts");
  const bundle = await buildEntryBundle(projectRoot, entry, name, outDir, variant);
  await writeBundleData(name, join(outDir, name));
  copyAssets(projectRoot, name, join(outDir, name));
  return bundle;
}

/** Builds any module with a function's settings into `outDir/<name>/index.mjs`. */
export async function buildEntryBundle(
  projectRoot: string,
  entry: string,
  name: string,
  outDir: string,
  variant: { bundleSdk?: boolean } = {},
): Promise<BuiltBundle> {
  const { build } = await import("esbuild");
  const file = join(outDir, name, "index.mjs");
  const options: BuildOptions = {
    ...BUNDLE_SETTINGS,
    mainFields: [...BUNDLE_SETTINGS.mainFields],
    external: variant.bundleSdk ? [] : [...BUNDLE_SETTINGS.external],
    banner: { js: BUNDLE_SETTINGS.banner },
    alias: bundleAliases(projectRoot, variant),
    sourcemap: true,
    sourcesContent: false,
    entryPoints: [entry],
    bundle: true,
    outfile: file,
    metafile: true,
    logLevel: "warning",
    absWorkingDir: projectRoot,
  };
  const result = await build(options);
  return {
    name,
    file,
    bytes: statSync(file).size,
    metafile: result.metafile ?? { inputs: {}, outputs: {} },
  };
}

/** Bytes in a bundle by package (or by project folder), largest first. */
export function weightByPackage(bundle: BuiltBundle, top = 8): [string, number][] {
  const weights = new Map<string, number>();
  for (const output of Object.values(bundle.metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
      const key = pkg ?? path.split("/").slice(0, 2).join("/");
      weights.set(key, (weights.get(key) ?? 0) + input.bytesInOutput);
    }
  }
  return [...weights].sort(([, a], [, b]) => b - a).slice(0, top);
}

/** Files a function reads beside its module (its `assets`), copied as the stack copies them. */
function copyAssets(projectRoot: string, name: string, outDir: string): void {
  const definition: FunctionDefinition | undefined = FUNCTIONS[name as FunctionName];
  for (const asset of definition?.assets ?? []) {
    mkdirSync(dirname(join(outDir, asset)), { recursive: true });
    copyFileSync(join(projectRoot, "functions", name, asset), join(outDir, asset));
  }
}

/** The viewer's script entry; the page reads the built script as `viewer.js` beside its module. */
export const VIEWER_ENTRY = join("functions", "viewer", "assets", "viewer.ts");
/** Browsers the page supports: those that run ES2022 (every current one). */
export const BROWSER_TARGET = "es2022";

/**
 * Puts the route index (shared/client/route-index.ts) in as data computed
 * from the route table, so a page names routes without shipping zod or a schema.
 */
const routeIndexAsData: Plugin = {
  name: "route-index-as-data",
  setup(build) {
    build.onLoad({ filter: /[\\/]shared[\\/]client[\\/]route-index\.ts$/ }, async () => {
      const { ROUTE_INDEX } = await import("#shared/client/route-index.ts");
      return {
        contents: `export const ROUTE_INDEX = ${JSON.stringify(ROUTE_INDEX)};`,
        loader: "js",
      };
    });
  },
};

export interface BuiltScript {
  text: string;
  metafile: Metafile;
}

/** Builds a browser script from `entry` (below the project root) into one classic script, in memory. */
export async function buildBrowserScript(projectRoot: string, entry: string): Promise<BuiltScript> {
  const { build } = await import("esbuild");
  const result = await build({
    minify: BUNDLE_SETTINGS.minify,
    format: "iife",
    platform: "browser",
    target: BROWSER_TARGET,
    charset: "utf8",
    entryPoints: [join(projectRoot, entry)],
    bundle: true,
    write: false,
    metafile: true,
    plugins: [routeIndexAsData],
    logLevel: "warning",
    absWorkingDir: projectRoot,
  });
  return {
    text: result.outputFiles[0]?.text ?? "",
    metafile: result.metafile ?? { inputs: {}, outputs: {} },
  };
}

export function buildViewerScript(projectRoot: string): Promise<BuiltScript> {
  return buildBrowserScript(projectRoot, VIEWER_ENTRY);
}

/**
 * Writes the viewer's data files into functions/viewer/, where the page's
 * module finds them when the local stack runs it from source. Written whole,
 * then renamed, so a page being built never reads half a script.
 */
export async function writeViewerDataForSource(projectRoot: string): Promise<void> {
  const dir = join(projectRoot, "functions", "viewer");
  for (const data of BUNDLE_DATA.viewer ?? []) {
    const file = join(dir, data.file);
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, await data.build());
    renameSync(partial, file);
  }
}
