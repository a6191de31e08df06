/**
 * CDK app entry (`cdk synth`, `cdk deploy`). The stack name is `SessionTrail`
 * unless `-c stackName=...` or the STACK_NAME environment variable says
 * otherwise, so several copies can live in one account.
 */
import { App, Tags } from "aws-cdk-lib";
import { SERVICE_NAME, SessionTrailStack } from "./stack.ts";

const DEFAULT_STACK_NAME = "SessionTrail";
const STACK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

const app = new App();
const fromContext: unknown = app.node.tryGetContext("stackName");
const stackName =
  (typeof fromContext === "string" ? fromContext : undefined) ??
  process.env.STACK_NAME ??
  DEFAULT_STACK_NAME;
if (!STACK_NAME_PATTERN.test(stackName)) {
  throw new Error(
    `Invalid stack name "${stackName}": use letters, digits and hyphens, starting with a letter.`,
  );
}

new SessionTrailStack(app, stackName, {
  stackName,
  description: "Session Trail: sessions, events and per-session workspaces",
});
Tags.of(app).add("project", SERVICE_NAME);
app.synth();
