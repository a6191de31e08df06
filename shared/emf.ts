/**
 * The service's metrics as CloudWatch embedded metric format (EMF): the
 * invocation's values kept by name, then one JSON line on stdout, built as
 * one string, when it is flushed; nothing when it recorded none. The line
 * is the one Powertools Metrics writes for this service (its namespace, the
 * `service` dimension, repeated values as a list), without the per-flush
 * stores, key-collision checks and Console it goes through on every request.
 * `POWERTOOLS_METRICS_DISABLED=true` (or `POWERTOOLS_DEV=true` without it)
 * stops the output, as it stops Powertools'.
 */
import { METRIC_DIMENSIONS, METRIC_NAMESPACE, METRICS, type MetricName } from "./metric-names.ts";

type Env = Record<string, string | undefined>;

const TRUE_WORDS = new Set(["1", "true", "on", "yes", "y"]);

/** Powertools' rule: POWERTOOLS_METRICS_DISABLED decides when set, else dev mode turns metrics off. */
export function metricsDisabled(env: Env = process.env): boolean {
  const disabled = env.POWERTOOLS_METRICS_DISABLED;
  if (disabled !== undefined) return TRUE_WORDS.has(disabled.trim().toLowerCase());
  return TRUE_WORDS.has((env.POWERTOOLS_DEV ?? "").trim().toLowerCase());
}

// The fixed head of every line: namespace and dimension never change in a process.
const DIMENSIONS_JSON = JSON.stringify([Object.keys(METRIC_DIMENSIONS)]);
const NAMESPACE_JSON = JSON.stringify(METRIC_NAMESPACE);
const DIMENSION_VALUES_JSON = JSON.stringify(METRIC_DIMENSIONS).slice(1, -1);

export class EmfMetrics {
  readonly #values = new Map<MetricName, number[]>();
  readonly #disabled: boolean;
  readonly #write: (line: string) => void;

  constructor(options: { env?: Env; write?: (line: string) => void } = {}) {
    this.#disabled = metricsDisabled(options.env);
    this.#write = options.write ?? ((line) => process.stdout.write(line));
  }

  /** Records one value; a name recorded again in the same flush is sent as a list. */
  add(name: MetricName, value: number): void {
    if (!Number.isFinite(value)) throw new RangeError(`${value} is not a valid number`);
    const values = this.#values.get(name);
    if (values) values.push(value);
    else this.#values.set(name, [value]);
  }

  hasStoredMetrics(): boolean {
    return this.#values.size > 0;
  }

  /** Writes the stored values as one EMF line and forgets them. */
  publishStoredMetrics(): void {
    if (this.#values.size === 0) return;
    try {
      if (!this.#disabled) this.#write(this.serialize(Date.now()));
    } finally {
      this.#values.clear();
    }
  }

  /** The EMF line for the stored values, newline included. */
  serialize(timestamp: number): string {
    let definitions = "";
    let values = "";
    for (const [name, recorded] of this.#values) {
      const nameJson = JSON.stringify(name);
      definitions += `${definitions ? "," : ""}{"Name":${nameJson},"Unit":"${METRICS[name].unit}"}`;
      const value = recorded.length === 1 ? String(recorded[0]) : `[${recorded.join(",")}]`;
      values += `,${nameJson}:${value}`;
    }
    return `{"_aws":{"Timestamp":${timestamp},"CloudWatchMetrics":[{"Namespace":${NAMESPACE_JSON},"Dimensions":${DIMENSIONS_JSON},"Metrics":[${definitions}]}]},${DIMENSION_VALUES_JSON}${values}}\n`;
  }
}
