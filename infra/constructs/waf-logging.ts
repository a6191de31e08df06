/**
 * Logging for the optional web ACL: every request it inspects, to a CloudWatch
 * log group with a retention (WAF requires the `aws-waf-logs-` name prefix).
 * The API key header is redacted: the logs must not hold credentials.
 */
import { ArnFormat, RemovalPolicy, Stack } from "aws-cdk-lib";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { CfnLoggingConfiguration, type CfnWebACL } from "aws-cdk-lib/aws-wafv2";
import { Construct } from "constructs";
import { API_KEY_HEADER } from "./api-limits.ts";

export class WebAclLogging extends Construct {
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: { webAcl: CfnWebACL }) {
    super(scope, id);
    const stack = Stack.of(this);
    const logGroupName = `aws-waf-logs-${stack.stackName}`;
    this.logGroup = new LogGroup(this, "Logs", {
      logGroupName,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const logging = new CfnLoggingConfiguration(this, "Logging", {
      resourceArn: props.webAcl.attrArn,
      // WAF takes the log group's ARN without the `:*` that LogGroup.logGroupArn ends in.
      logDestinationConfigs: [
        stack.formatArn({
          service: "logs",
          resource: "log-group",
          resourceName: logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [{ singleHeader: { Name: API_KEY_HEADER.toLowerCase() } }],
    });
    logging.node.addDependency(this.logGroup);
  }
}
