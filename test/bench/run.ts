/**
 * `npm run bench`: measured against the local stack on this machine. Prints a
 * table per suite and writes every figure as JSON to $BENCH_OUT (default
 * `.data/bench.json`). Suites: `npm run bench -- events investigate appends` (all by default).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type BenchContext, startBenchStack } from "./support.ts";

type Suite = (ctx: BenchContext) => Promise<Record<string, unknown>>;

const SUITES: Record<string, () => Promise<Suite>> = {
  events: async () => (await import("./events.ts")).benchEvents,
  investigate: async () => (await import("./investigate.ts")).benchInvestigate,
  appends: async () => (await import("./appends.ts")).benchAppends,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((name) => name in SUITES);
  const names = wanted.length ? wanted : Object.keys(SUITES);
  const ctx = await startBenchStack();
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
    await ctx.stack.stop();
  }
  const out = resolve(process.env.BENCH_OUT ?? ".data/bench.json");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`\nfigures written to ${out}`);
  process.exit(0);
}

void main();
