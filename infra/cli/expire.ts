/**
 * `npm run expire`: one run of the expiry job against the running local
 * stack of DATA_DIR (default `.data`), or against AWS when TABLE_NAME is set
 * and DATA_DIR is not. Prints how many sessions it closed.
 */
import { expireDueSessions } from "#shared/usecases/expiry.ts";
import { fail, selectTarget } from "./target.ts";

async function main(): Promise<void> {
  selectTarget();
  process.env.LOG_LEVEL ??= "WARN";
  const deadline = Date.now() + 55_000;
  const report = await expireDueSessions(() => Date.now() < deadline);
  process.stdout.write(
    `closed ${report.expired} sessions (${report.skipped} already closed, ${report.failed} failed${report.incomplete ? ", more remain" : ""})\n`,
  );
  if (report.failed > 0) process.exit(1);
}

main().catch((error: unknown) =>
  fail(`expire: ${error instanceof Error ? error.message : String(error)}`),
);
