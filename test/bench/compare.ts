/**
 * `npm run bench -- compare <git-ref>`: this tree against a reference build in
 * the same run. Both local stacks run at once, each idle while the other is
 * measured; each load runs closed loop on one, then the other, for several
 * rounds (the order flips every round), and the table gives new, ref and
 * new/ref for requests per second, p95 and CPU per request of each stack's
 * process tree. Then module-init time per function bundle, new and ref.
 * COMPARE_SECONDS (per load, round and stack; default 5), COMPARE_WARMUP_SECONDS
 * (per load and stack, in a pass over every load before any is measured and
 * again right before each load's rounds; default 10), COMPARE_ROUNDS
 * (default 4; odd counts are raised to even, so each stack is measured first
 * as often as second: an A/A run of 3 rounds showed the stack measured first
 * more often 5–18% slower on identical code), COMPARE_INIT_RUNS (imports per bundle; default 10, 0 skips),
 * COMPARE_PROFILE_DIR (each stack's gateway runs with `--cpu-prof` into
 * `<dir>/new` and `<dir>/ref`), COMPARE_LOADS (a comma list of name prefixes).
 */
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { Agent, setGlobalDispatcher } from "undici";
import { compareModuleInit } from "./compare-init.ts";
import { closedLoop, LOADS, type LoadResult, pooled } from "./compare-loads.ts";
import {
  checkOutRef,
  type RunningStack,
  startTreeStack,
  type Tree,
  treeCpuMs,
} from "./compare-tree.ts";
import { round } from "./support.ts";

const SECONDS = Number(process.env.COMPARE_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.COMPARE_WARMUP_SECONDS ?? 10);
const ROUNDS = Math.ceil(Number(process.env.COMPARE_ROUNDS ?? 4) / 2) * 2;
const INIT_RUNS = Number(process.env.COMPARE_INIT_RUNS ?? 10);
const PROFILE_DIR = process.env.COMPARE_PROFILE_DIR;

interface Measured {
  results: LoadResult[];
  cpuMs: number;
  gatewayCpuMs: number;
}

function pad(value: string | number, width: number): string {
  return String(value).padStart(width);
}

function ratio(a: number, b: number): string {
  return b > 0 ? (a / b).toFixed(2) : "-";
}

function nodeArgs(label: string): string[] {
  return PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${resolve(PROFILE_DIR, label)}`] : [];
}

async function measureLoads(stacks: RunningStack[]): Promise<Record<string, Measured[]>> {
  const wanted = process.env.COMPARE_LOADS?.split(",").map((each) => each.trim());
  const loads = LOADS.filter((load) => !wanted || wanted.some((w) => load.name.startsWith(w)));
  const prepared: Array<{ load: (typeof LOADS)[number]; requests: Requests[] }> = [];
  for (const load of loads) {
    const requests: Requests[] = [];
    for (const stack of stacks) requests.push(await load.prepare(stack));
    prepared.push({ load, requests });
  }
  // Every load once on each stack before any is measured: the first load
  // measured otherwise ran while both JVMs and gateways were still compiling
  // the paths every load shares (poll, measured first after a warm-up of its
  // own alone, came out at 0.88× against a build with the same poll path).
  for (const { load, requests } of prepared) await warmUp(load.clients, requests);
  const rows: Record<string, Measured[]> = {};
  for (const { load, requests } of prepared) {
    const measured: Measured[] = stacks.map(() => ({ results: [], cpuMs: 0, gatewayCpuMs: 0 }));
    // And a warm-up of its own right before it, so neither stack pays a
    // first-call cost in the figures: DynamoDB Local's JVM compiles each load's
    // code paths when it first runs them (an append load run first ran at 80
    // requests a second after 5 s of warm-up, at 116 after 20 s, on both alike).
    await warmUp(load.clients, requests);
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const index of order) {
        const stack = stacks[index] as RunningStack;
        const cpuBefore = treeCpuMs(stack.pid);
        const result = await closedLoop(load.clients, SECONDS * 1000, requests[index] as Requests);
        const entry = measured[index] as Measured;
        const cpuAfter = treeCpuMs(stack.pid);
        entry.cpuMs += cpuAfter.tree - cpuBefore.tree;
        entry.gatewayCpuMs += cpuAfter.gateway - cpuBefore.gateway;
        entry.results.push(result);
      }
    }
    rows[`${load.name} (${load.clients})`] = measured;
    printRow(`${load.name} (${load.clients})`, measured);
  }
  return rows;
}

type Requests = (client: number) => Request;

/** One load closed loop for the warm-up time on each stack in turn, measured by nobody. */
async function warmUp(clients: number, requests: Requests[]): Promise<void> {
  for (const request of requests) await closedLoop(clients, WARMUP_SECONDS * 1000, request);
}

function printRow(name: string, [fresh, ref]: Measured[]): void {
  if (!fresh || !ref) return;
  const a = pooled(fresh.results);
  const b = pooled(ref.results);
  const cpuA = fresh.cpuMs / a.requests;
  const cpuB = ref.cpuMs / b.requests;
  const gwA = fresh.gatewayCpuMs / a.requests;
  const gwB = ref.gatewayCpuMs / b.requests;
  const errors = a.errors + b.errors ? `  errors new ${a.errors}, ref ${b.errors}` : "";
  console.log(
    `${name.padEnd(38)} ${pad(a.rps.toFixed(0), 6)} ${pad(b.rps.toFixed(0), 6)} ${pad(ratio(a.rps, b.rps), 5)}` +
      ` ${pad(a.p95.toFixed(1), 7)} ${pad(b.p95.toFixed(1), 7)} ${pad(ratio(a.p95, b.p95), 5)}` +
      ` ${pad(cpuA.toFixed(2), 6)} ${pad(cpuB.toFixed(2), 6)} ${pad(ratio(cpuA, cpuB), 5)}` +
      ` ${pad(gwA.toFixed(2), 6)} ${pad(gwB.toFixed(2), 6)} ${pad(ratio(gwA, gwB), 5)}${errors}`,
  );
}

export async function benchCompare(ref: string | undefined): Promise<Record<string, unknown>> {
  if (!ref) throw new Error("usage: npm run bench -- compare <git-ref>");
  setGlobalDispatcher(new Agent({ connections: 64, pipelining: 1, keepAliveTimeout: 10_000 }));
  const projectRoot = resolve(import.meta.dirname, "../..");
  const fresh: Tree = { label: "new", root: projectRoot, install: "this tree", remove: () => {} };
  const reference = checkOutRef(projectRoot, ref);
  console.log(`reference: ${reference.install}`);
  try {
    return await measureBoth(ref, projectRoot, fresh, reference);
  } finally {
    reference.remove();
  }
}

/** Starts a tree's stack, once more if the first start fails (a loaded machine). */
async function startWithRetry(tree: Tree): Promise<RunningStack> {
  try {
    return await startTreeStack(tree, nodeArgs(tree.label));
  } catch (error) {
    console.log(`${error instanceof Error ? error.message.split("\n")[0] : error}; retrying`);
    return startTreeStack(tree, nodeArgs(tree.label));
  }
}

async function measureBoth(
  ref: string,
  projectRoot: string,
  fresh: Tree,
  reference: Tree,
): Promise<Record<string, unknown>> {
  const stacks: RunningStack[] = [];
  const figures: Record<string, unknown> = {};
  try {
    // One after the other, each kept for cleanup as soon as it runs.
    for (const tree of [fresh, reference]) stacks.push(await startWithRetry(tree));
    const load = loadavg()
      .map((each) => each.toFixed(2))
      .join(" ");
    console.log(
      `${ROUNDS} rounds × ${SECONDS} s per load and stack, alternating; load average ${load}; cpu ms: CPU per request of the stack's process tree (gateway, DynamoDB Local, S3 emulator); gw cpu: of the gateway process alone`,
    );
    console.log(
      `${"load (clients)".padEnd(38)} ${pad("req/s", 6)} ${pad("ref", 6)} ${pad("×", 5)} ${pad("p95 ms", 7)} ${pad("ref", 7)} ${pad("×", 5)} ${pad("cpu ms", 6)} ${pad("ref", 6)} ${pad("×", 5)} ${pad("gw cpu", 6)} ${pad("ref", 6)} ${pad("×", 5)}`,
    );
    const rows = await measureLoads(stacks);
    for (const [name, [a, b]] of Object.entries(rows)) {
      if (!a || !b) continue;
      const pa = pooled(a.results);
      const pb = pooled(b.results);
      figures[`compare.${name}`] = {
        new: {
          rps: round(pa.rps, 1),
          p95_ms: round(pa.p95, 1),
          cpu_ms_per_request: round(a.cpuMs / pa.requests, 3),
          gateway_cpu_ms_per_request: round(a.gatewayCpuMs / pa.requests, 3),
          errors: pa.errors,
        },
        ref: {
          rps: round(pb.rps, 1),
          p95_ms: round(pb.p95, 1),
          cpu_ms_per_request: round(b.cpuMs / pb.requests, 3),
          gateway_cpu_ms_per_request: round(b.gatewayCpuMs / pb.requests, 3),
          errors: pb.errors,
        },
      };
    }
  } finally {
    await Promise.all(stacks.map((stack) => stack.stop()));
  }
  if (INIT_RUNS > 0) {
    console.log(
      `\nmodule init per function bundle, ${INIT_RUNS} imports each (ms, p50 / p95; CPU p50)`,
    );
    console.log(
      `${"function".padEnd(20)} ${pad("new", 13)} ${pad("ref", 13)} ${pad("× p50", 6)} ${pad("cpu new", 8)} ${pad("ref", 6)}`,
    );
    for (const row of await compareModuleInit(projectRoot, reference.root, INIT_RUNS)) {
      console.log(
        `${row.name.padEnd(20)} ${pad(`${row.newP50} / ${row.newP95}`, 13)} ${pad(`${row.refP50} / ${row.refP95}`, 13)} ${pad(ratio(row.newP50, row.refP50), 6)} ${pad(row.newCpuP50, 8)} ${pad(row.refCpuP50, 6)}`,
      );
      figures[`compare.init.${row.name}`] = row;
    }
  }
  if (PROFILE_DIR) console.log(`CPU profiles in ${join(resolve(PROFILE_DIR), "{new,ref}")}`);
  figures["compare.summary"] = { ref, rounds: ROUNDS, seconds: SECONDS, loadavg: loadavg() };
  return figures;
}
