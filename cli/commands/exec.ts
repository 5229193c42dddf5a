/**
 * `oidc2aws exec -- CMD [ARGS]`: runs a command with the role's credentials in its environment and
 * exits with its code.
 *
 * @module
 */
import { Oidc2AwsError } from "../../lib/errors.ts";
import { oneLine } from "../../lib/_redact.ts";
import { type CommandContext, lines } from "../main.ts";
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

/** Runs `exec`: resolves the command's status as a shell gives it (the table in docs/cli.md). */
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
  try {
    return (await runtime.spawn(command, rest, env)).status;
  } catch (err) {
    if (err instanceof Oidc2AwsError) throw err; // ERR_PERMISSION: Deno without --allow-run
    // The shell's codes: 127 for a command not found, 126 for one found but not run. The error line
    // is printed here, since an error thrown to the CLI would exit 1.
    const code = (err as { code?: string })?.code;
    // The runtime's own message may quote the arguments and the environment (the credentials among
    // them): only the error's code is shown.
    const reason = code === "ENOENT"
      ? "command not found (check the name and PATH)"
      : code === "EACCES"
      ? "permission denied (is it an executable file? chmod +x it)"
      : /^ERR_INVALID_ARG/.test(code ?? "") || /\0|null bytes|nul/i.test((err as Error)?.message ?? "")
      ? "an argument or an environment variable holds a NUL character, which no command can receive"
      : `it could not be started (${/^[A-Z][A-Z0-9_]{1,40}$/.test(code ?? "") ? code : "run with --debug"})`;
    const message = `Cannot run ${oneLine(JSON.stringify(command))}: ${reason}`;
    runtime.write("stderr", lines("oidc2aws: ERR_EXEC: ", message, runtime.env));
    context.log(`exec: ${oneLine(String((err as Error)?.name ?? "error"))} ${oneLine(String(code ?? ""))}`);
    return code === "ENOENT" ? 127 : 126;
  }
}
