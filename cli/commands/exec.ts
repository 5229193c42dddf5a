/**
 * `oidc2aws exec -- CMD [ARGS]`: runs a command with the role's credentials in its environment and
 * exits with its code.
 *
 * @module
 */
import { CliError, Oidc2AwsError } from "../../lib/errors.ts";
import type { CommandContext } from "../main.ts";
import { credentialVariables } from "../output.ts";

/** Variables that would make an SDK inside `exec` pick other credentials than the ones given. */
const SHADOWING_VARIABLES = [
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_ROLE_ARN",
  "AWS_ROLE_SESSION_NAME",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_WEB_IDENTITY_TOKEN_SERVER",
  "AWS_SECURITY_TOKEN",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

/** Exit codes 128+N for a command killed by signal N. */
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

/** Runs `exec`. */
export async function run(context: CommandContext): Promise<number> {
  const { args, runtime } = context;
  const [command, ...rest] = args.exec;
  const profile = await context.resolve(args.profiles[0]);
  const credentials = await context.assume(profile);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(runtime.env)) {
    if (value !== undefined && !SHADOWING_VARIABLES.includes(name)) env[name] = value;
  }
  for (const [name, value] of credentialVariables(credentials, profile.region)) env[name] = value;
  context.log(`exec ${command} as ${credentials.assumedRoleArn}`);
  let result: { code: number | null; signal: string | null };
  try {
    result = await runtime.spawn(command, rest, env);
  } catch (err) {
    if (err instanceof Oidc2AwsError) throw err; // ERR_PERMISSION: Deno without --allow-run
    const code = (err as { code?: string }).code;
    throw new CliError(
      "ERR_EXEC",
      code === "ENOENT"
        ? `Cannot run ${JSON.stringify(command)}: command not found (check the name and PATH)`
        : `Cannot run ${JSON.stringify(command)}: ${(err as Error)?.message ?? err}`,
      { cause: err },
    );
  }
  if (result.code !== null) return result.code;
  return 128 + (SIGNAL_NUMBERS[result.signal ?? ""] ?? 1);
}
