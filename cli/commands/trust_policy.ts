/**
 * `oidc2aws trust-policy`: prints a least-privilege trust policy for a repository's jobs, as IAM JSON,
 * or with the OIDC provider resource as Terraform or CloudFormation.
 *
 * @module
 */
import { CliError } from "../../lib/errors.ts";
import type { CommandContext } from "../main.ts";
import { asCloudFormation, asTerraform, generateTrustPolicy } from "../policy/generate.ts";

/** Runs `trust-policy`. */
export function run(context: CommandContext): Promise<number> {
  const { args, runtime } = context;
  if (args.platform === undefined || args.repo === undefined) {
    throw new CliError("ERR_USAGE", "trust-policy needs --platform NAME and --repo NAME");
  }
  const generated = generateTrustPolicy({
    platform: args.platform,
    repo: args.repo,
    branch: args.branch,
    environment: args.environment,
    tag: args.tag,
    pullRequest: args.pullRequest,
    anyRef: args.anyRef,
    account: args.account,
    audience: args.audience,
    host: args.host,
  });
  const text = args.format === "terraform"
    ? asTerraform(generated)
    : args.format === "cloudformation"
    ? asCloudFormation(generated)
    : `${JSON.stringify(generated.policy, null, 2)}\n`;
  runtime.write("stdout", text);
  return Promise.resolve(0);
}
