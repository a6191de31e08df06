/**
 * Acknowledged findings of the AWS Solutions rule pack (cdk-nag), recorded on
 * the construct they concern. Each names its rule and why it does not apply
 * to this stack; test/infra/nag.test.ts fails on any other finding.
 */
import { Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/** `rule` as the pack reports it, e.g. `AwsSolutions-IAM5[Resource::*]`. */
export function acknowledgeFinding(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${rule}`, reason });
}
