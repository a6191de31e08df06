/**
 * The key of the listing cursors' HMAC: a random value Secrets Manager
 * generates when the stack is created, placed in the listing function's
 * environment by a CloudFormation dynamic reference, resolved at deploy.
 * The template and the cloud assembly hold only the reference; the function
 * reads an environment variable, so a cold start pays nothing for it (no
 * SDK call, no IAM grant). Losing or changing it only makes outstanding
 * cursors answer 400.
 */
import { RemovalPolicy } from "aws-cdk-lib";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { acknowledgeFinding } from "./acknowledge.ts";

export class CursorSecret extends Construct {
  readonly secret: Secret;
  /** `{{resolve:secretsmanager:…}}`, for a function's environment. */
  readonly environmentValue: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new Secret(this, "Secret", {
      description: "Session Trail: the HMAC key that signs listing cursors",
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeFinding(
      this.secret,
      "AwsSolutions-SMG4",
      "Signs listing cursors only; a rotation would not reach the functions, whose environment is resolved at deploy. To change it, update the secret and deploy: outstanding cursors then answer 400.",
    );
    this.environmentValue = this.secret.secretValue.unsafeUnwrap();
  }
}
