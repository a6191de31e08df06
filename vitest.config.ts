import { configDefaults, defineConfig } from "vitest/config";

/** Reliability suites that load the machine (races, fault injection, restarts). */
const RELIABILITY_LOAD = [
  "test/integration/reliability/races.test.ts",
  "test/integration/reliability/fault-injection.test.ts",
  "test/integration/reliability/restart.test.ts",
  "test/integration/reliability/clients.test.ts",
  "test/integration/reliability/dependency-outage.test.ts",
  "test/integration/reliability/stream-outage.test.ts",
  "test/integration/reliability/stream-poller-killed.test.ts",
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "infra",
          include: ["test/infra/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...RELIABILITY_LOAD],
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One local stack serves every file; two workers keep a 2-core machine responsive.
          maxWorkers: 2,
          // A project with its own maxWorkers runs in its own group: after unit and infra.
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: "reliability",
          include: RELIABILITY_LOAD,
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 2,
          // After the integration group: these saturate a 2-core machine on purpose,
          // and other suites' latency-sensitive checks must not run beside them.
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
