/**
 * `npm run bench`: measured against the local stack on this machine. Prints a
 * table per suite and writes every figure as JSON to $BENCH_OUT (default
 * `.data/bench.json`). Suites: `npm run bench -- events investigate appends logscan
 * coldstart push tracing` (all by default); the local stack starts only for the suites that need it.
 * `npm run bench -- compare <git-ref>` compares this tree with another build (compare.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { BenchContext } from "./support.ts";

type Figures = Record<string, unknown>;
type Suite =
  | { stack: true; run: (ctx: BenchContext) => Promise<Figures> }
  | { stack: false; run: () => Promise<Figures> };

const SUITES: Record<string, () => Promise<Suite>> = {
  events: async () => ({ stack: true, run: (await import("./events.ts")).benchEvents }),
  investigate: async () => ({
    stack: true,
    run: (await import("./investigate.ts")).benchInvestigate,
  }),
  appends: async () => ({ stack: true, run: (await import("./appends.ts")).benchAppends }),
  logscan: async () => ({ stack: false, run: (await import("./logscan.ts")).benchLogScan }),
  coldstart: async () => ({ stack: false, run: (await import("./coldstart.ts")).benchColdStart }),
  push: async () => ({ stack: true, run: (await import("./push.ts")).benchPush }),
  tracing: async () => ({ stack: true, run: (await import("./tracing.ts")).benchTracing }),
};
/** Suites that run without the local stack. */
const STACKLESS = new Set(["logscan", "coldstart"]);

async function main(): Promise<void> {
  if (process.argv[2] === "compare") {
    // Both stacks run with the settings `npm start` has, so nothing below applies.
    const { benchCompare } = await import("./compare.ts");
    return write(await benchCompare(process.argv[3]));
  }
  // Before any product module loads: Powertools reads these when it is imported.
  process.env.LOG_LEVEL ??= "CRITICAL";
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  const wanted = process.argv.slice(2).filter((name) => name in SUITES);
  const names = wanted.length ? wanted : Object.keys(SUITES);
  // The stack (and the SDK clients it instruments) only when a suite needs it.
  const ctx = names.every((name) => STACKLESS.has(name))
    ? undefined
    : await (await import("./support.ts")).startBenchStack();
  const figures: Record<string, unknown> = {
    machine: {
      cpus: (await import("node:os")).cpus().length,
      node: process.version,
      date: new Date().toISOString(),
    },
  };
  try {
    for (const name of names) {
      const load = SUITES[name];
      if (!load) continue;
      console.log(`\n== ${name} ==`);
      const suite = await load();
      if (!suite.stack) Object.assign(figures, await suite.run());
      else if (ctx) Object.assign(figures, await suite.run(ctx));
    }
  } finally {
    await ctx?.stack.stop();
  }
  write(figures);
}

function write(figures: Record<string, unknown>): void {
  const out = resolve(process.env.BENCH_OUT ?? ".data/bench.json");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`\nfigures written to ${out}`);
  process.exit(0);
}

void main();
