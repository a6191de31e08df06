/**
 * The service's EMF lines are the ones Powertools Metrics writes for the
 * same values (what CloudWatch parses), one line per flush, none for a flush
 * with nothing recorded, and none when metrics are turned off.
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { describe, expect, it } from "vitest";
import { EmfMetrics, metricsDisabled } from "#shared/emf.ts";
import { METRIC_NAMESPACE, METRICS, type MetricName, SERVICE_NAME } from "#shared/metric-names.ts";

const ON = { POWERTOOLS_METRICS_DISABLED: "false" };

function powertoolsLine(recorded: readonly [MetricName, number][]): unknown {
  const reference = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME });
  for (const [name, value] of recorded) {
    reference.addMetric(name, MetricUnit[METRICS[name].unit], value);
  }
  return reference.serializeMetrics();
}

function ownLines(recorded: readonly [MetricName, number][]): string[] {
  const lines: string[] = [];
  const metrics = new EmfMetrics({ env: ON, write: (line) => lines.push(line) });
  for (const [name, value] of recorded) metrics.add(name, value);
  metrics.publishStoredMetrics();
  return lines;
}

describe("EMF metrics", () => {
  it.each([
    [[["EventPolls", 1]]],
    [
      [
        ["EventsAppended", 3],
        ["InvestigateDuration", 12.75],
      ],
    ],
    [
      [
        ["SessionsEnded", 1],
        ["SessionsEnded", 1],
        ["StartConflicts", 0],
      ],
    ],
  ] as [[MetricName, number][]][])("writes the line Powertools writes for %j", (recorded) => {
    const lines = ownLines(recorded);
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? "";
    expect(line.endsWith("}\n")).toBe(true);
    const own = JSON.parse(line) as { _aws: { Timestamp: number } };
    const reference = powertoolsLine(recorded) as { _aws: { Timestamp: number } };
    expect(Math.abs(own._aws.Timestamp - reference._aws.Timestamp)).toBeLessThan(60_000);
    reference._aws.Timestamp = own._aws.Timestamp;
    expect(JSON.stringify(own)).toBe(JSON.stringify(reference));
  });

  it("writes nothing for a flush with nothing recorded, and forgets what it wrote", () => {
    const lines: string[] = [];
    const metrics = new EmfMetrics({ env: ON, write: (line) => lines.push(line) });
    metrics.publishStoredMetrics();
    metrics.add("EventPolls", 1);
    expect(metrics.hasStoredMetrics()).toBe(true);
    metrics.publishStoredMetrics();
    metrics.publishStoredMetrics();
    expect(lines).toHaveLength(1);
    expect(metrics.hasStoredMetrics()).toBe(false);
  });

  it("writes nothing when metrics are off, as Powertools decides it", () => {
    const lines: string[] = [];
    const metrics = new EmfMetrics({
      env: { POWERTOOLS_METRICS_DISABLED: "true" },
      write: (line) => lines.push(line),
    });
    metrics.add("EventPolls", 1);
    metrics.publishStoredMetrics();
    expect(lines).toEqual([]);
    expect(metrics.hasStoredMetrics()).toBe(false);
    expect(metricsDisabled({})).toBe(false);
    expect(metricsDisabled({ POWERTOOLS_DEV: "true" })).toBe(true);
    expect(metricsDisabled({ POWERTOOLS_DEV: "true", POWERTOOLS_METRICS_DISABLED: "false" })).toBe(
      false,
    );
  });

  it("refuses a value that is not a finite number", () => {
    const metrics = new EmfMetrics({ env: ON, write: () => undefined });
    expect(() => metrics.add("EventPolls", Number.NaN)).toThrow(RangeError);
  });
});
