/**
 * `oidc2aws github-env`: inside GitHub Actions, masks the secrets and exports the variables to
 * `$GITHUB_ENV` for the steps that follow.
 *
 * @module
 */
import { CliError, isPermissionDenied, Oidc2AwsError } from "../../lib/errors.ts";
import type { CommandContext } from "../main.ts";
import { credentialVariables, githubEnvOutput } from "../output.ts";

/** Runs `github-env`. */
export async function run(context: CommandContext): Promise<number> {
  const { runtime } = context;
  const file = runtime.env.GITHUB_ENV;
  if (!file) {
    throw new CliError(
      "ERR_USAGE",
      "github-env works inside GitHub Actions only ($GITHUB_ENV is not set): use oidc2aws env or exec elsewhere",
    );
  }
  const profile = await context.resolve(context.args.profiles[0]);
  const credentials = await context.assume(profile);
  const { stdout, envFile } = githubEnvOutput(
    credentialVariables(credentials, profile.region),
    [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken],
    randomDelimiter,
  );
  runtime.write("stdout", stdout);
  await runtime.fs.append(file, envFile).catch((cause) => {
    if (cause instanceof Oidc2AwsError || isPermissionDenied(cause)) throw cause;
    throw new CliError(
      "ERR_WRITE",
      `Cannot append the credentials to $GITHUB_ENV (${file}): ${(cause as Error)?.message ?? cause}; ` +
        "$GITHUB_ENV must name a file this job can write (the Actions runner sets it): do not override it, " +
        "or use oidc2aws env or exec outside GitHub Actions",
      { cause },
    );
  });
  runtime.write(
    "stderr",
    `oidc2aws: exported credentials for ${credentials.assumedRoleArn} (expires ${credentials.expiration.toISOString()}) to $GITHUB_ENV\n`,
  );
  return 0;
}

function randomDelimiter(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `ghadelimiter_${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
