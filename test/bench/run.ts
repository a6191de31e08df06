/**
 * `npm run bench`: measured against the local stack on this machine. Prints a
 * table per suite and writes every figure as JSON to $BENCH_OUT (default
 * `.data/bench.json`). Suites: `npm run bench -- events investigate appends logscan` (all by
 * default); the stack starts only for the suites that need it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type BenchContext, startBenchStack } from "./support.ts";

type Suite = (ctx: BenchContext | undefined) => Promise<Record<string, unknown>>;

/** A suite that measures through the local stack. */
function onStack(run: (ctx: BenchContext) => Promise<Record<string, unknown>>): Suite {
  return async (ctx) => {
    if (!ctx) throw new Error("this suite needs the local stack");
    return run(ctx);
  };
}

const SUITES: Record<string, () => Promise<Suite>> = {
  events: async () => onStack((await import("./events.ts")).benchEvents),
  investigate: async () => onStack((await import("./investigate.ts")).benchInvestigate),
  logscan: async () => (await import("./logscan.ts")).benchLogScan,
  appends: async () => onStack((await import("./appends.ts")).benchAppends),
};
const WITHOUT_STACK = new Set(["logscan"]);

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((name) => name in SUITES);
  const names = wanted.length ? wanted : Object.keys(SUITES);
  const ctx = names.every((name) => WITHOUT_STACK.has(name)) ? undefined : await startBenchStack();
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
      Object.assign(figures, await suite(ctx));
    }
  } finally {
    await ctx?.stack.stop();
  }
  const out = resolve(process.env.BENCH_OUT ?? ".data/bench.json");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`\nfigures written to ${out}`);
  process.exit(0);
}

void main();
