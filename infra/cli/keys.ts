/**
 * `npm run keys -- create --tenant T --role app|support|admin [--scope tenant|own] [--label L]`
 * `npm run keys -- list --tenant T`
 * `npm run keys -- revoke --key-id ID`
 *
 * Acts on the running `npm start` stack of DATA_DIR (default `.data`), or on
 * AWS when TABLE_NAME is set (with AWS credentials) and DATA_DIR is not. The
 * plain key of `create` is the last line of stdout and is never stored.
 */
import { parseArgs } from "node:util";
import * as z from "zod";
import { KEY_SCOPES, ROLES } from "#shared/domain/principal.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "#shared/usecases/api-keys.ts";
import { fail, selectTarget } from "./target.ts";
import { registerUsageKey } from "./usage-plan.ts";

const USAGE = [
  "usage: npm run keys -- create --tenant T --role app|support|admin [--scope tenant|own] [--label L]",
  "       npm run keys -- list --tenant T",
  "       npm run keys -- revoke --key-id ID",
].join("\n");

function usageProblem(
  command: string | undefined,
  values: { tenant?: string; role?: string; scope?: string; "key-id"?: string },
): string | undefined {
  if (command === "create") {
    if (!values.tenant) return "create needs --tenant T.";
    if (!z.enum(ROLES).safeParse(values.role).success)
      return `create needs --role ${ROLES.join("|")}.`;
    if (!z.enum(KEY_SCOPES).default("tenant").safeParse(values.scope).success) {
      return `--scope must be ${KEY_SCOPES.join(" or ")}.`;
    }
    return undefined;
  }
  if (command === "list") return values.tenant ? undefined : "list needs --tenant T.";
  if (command === "revoke") return values["key-id"] ? undefined : "revoke needs --key-id ID.";
  return command ? `unknown command ${command}.` : "which command?";
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      tenant: { type: "string" },
      role: { type: "string" },
      scope: { type: "string" },
      label: { type: "string" },
      "key-id": { type: "string" },
    },
  });
  const command = positionals[0];
  // Wrong arguments are named before the stack is looked for.
  const problem = usageProblem(command, values);
  if (problem) fail(`keys: ${problem}\n${USAGE}`);
  const target = selectTarget();
  if (command === "create") {
    const role = z.enum(ROLES).safeParse(values.role);
    const scope = z.enum(KEY_SCOPES).default("tenant").safeParse(values.scope);
    if (!values.tenant || !role.success || !scope.success) fail(USAGE);
    const created = await createApiKey(values.tenant, role.data, values.label ?? null, scope.data);
    if (target.kind === "aws") await registerUsageKey(created.keyId, created.keyHash);
    process.stderr.write(
      `created ${created.keyId} (${created.role}, scope ${created.scope}) for tenant ${created.tenantId}; the key is shown once:\n`,
    );
    process.stdout.write(`${created.plainKey}\n`);
    return;
  }
  if (command === "list") {
    if (!values.tenant) fail(USAGE);
    const keys = await listApiKeys(values.tenant);
    for (const key of keys) {
      process.stdout.write(
        `${key.key_id}\t${key.role}\t${key.scope}\t${key.revoked_at ? `revoked ${key.revoked_at}` : "active"}\t${key.created_at}\t${key.label ?? ""}\n`,
      );
    }
    return;
  }
  if (command === "revoke") {
    const keyId = values["key-id"];
    if (!keyId) fail(USAGE);
    const revoked = await revokeApiKey(keyId);
    if (!revoked) fail(`no key with id ${keyId}`);
    process.stdout.write(`revoked ${revoked.key_id} at ${revoked.revoked_at}\n`);
    return;
  }
  fail(USAGE);
}

main().catch((error: unknown) =>
  fail(`keys: ${error instanceof Error ? error.message : String(error)}`),
);
