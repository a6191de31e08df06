/**
 * `npm run bench -- logscan`: the log counter's speed on an ordinary log and
 * on the logs that once took its slow paths (keywords back to back, empty
 * lines, short error lines), in ms per MiB, and the worst against the
 * ordinary. No stack: the counter is plain code.
 */
import { LogScanner } from "#shared/domain/log-scan.ts";

const MIB = 1024 * 1024;
const LOG_MIB = 16;
const CHUNK_BYTES = 256 * 1024;
const RUNS = 7;

function logOf(line: string): Buffer {
  const bytes = LOG_MIB * MIB;
  return Buffer.from(line.repeat(Math.ceil(bytes / line.length))).subarray(0, bytes);
}

const LOGS: Record<string, () => Buffer> = {
  ordinary: () =>
    logOf(
      '{"timestamp":"2026-11-21T12:00:00.000Z","level":"INFO","message":"rendered frame 12 of 240 in 0.41 s"}\n',
    ),
  error_tokens: () => logOf(`${"ERROR ".repeat(1000)}\n`),
  warning_tokens: () => logOf(`${"WARNING ".repeat(1000)}\n`),
  near_keywords: () => logOf(`${"ERRORX CRITICA WARNINX ".repeat(300)}\n`),
  empty_lines: () => logOf("\n"),
  short_error_lines: () => logOf("ERROR\n"),
};

/** Median ms per MiB of counting `data` in stream-sized chunks. */
function msPerMib(data: Buffer): number {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now();
    const scanner = new LogScanner();
    for (let at = 0; at < data.length; at += CHUNK_BYTES) {
      scanner.feed(data.subarray(at, at + CHUNK_BYTES));
    }
    scanner.finish();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return (times[Math.floor(RUNS / 2)] ?? 0) / LOG_MIB;
}

export async function benchLogScan(): Promise<Record<string, unknown>> {
  const figures: Record<string, number> = {};
  for (const [name, build] of Object.entries(LOGS)) {
    figures[name] = Math.round(msPerMib(build()) * 100) / 100;
    console.log(`  ${name.padEnd(18)} ${figures[name]} ms/MiB`);
  }
  const ordinary = figures.ordinary ?? 1;
  const worst = Math.max(...Object.values(figures));
  const ratio = Math.round((worst / ordinary) * 100) / 100;
  console.log(`  worst / ordinary   ${ratio}`);
  return { logscan: { ms_per_mib: figures, worst_over_ordinary: ratio } };
}
