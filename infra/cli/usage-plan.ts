/**
 * Registers a key with the API's usage plan, so the per-key throttle of the
 * plan applies. The usage identifier is the key's SHA-256 hash, which is what
 * the authorizer returns as `usageIdentifierKey`.
 */
export async function registerUsageKey(keyId: string, keyHash: string): Promise<void> {
  const usagePlanId = process.env.USAGE_PLAN_ID;
  if (!usagePlanId) {
    process.stderr.write("USAGE_PLAN_ID is not set: the key is not throttled by the usage plan.\n");
    return;
  }
  const { APIGatewayClient, CreateApiKeyCommand, CreateUsagePlanKeyCommand } = await import(
    "@aws-sdk/client-api-gateway"
  );
  const client = new APIGatewayClient({});
  const created = await client.send(
    new CreateApiKeyCommand({ name: keyId, value: keyHash, enabled: true }),
  );
  await client.send(
    new CreateUsagePlanKeyCommand({ usagePlanId, keyId: created.id, keyType: "API_KEY" }),
  );
}
