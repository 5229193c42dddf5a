/**
 * `oidc2aws env`: the credentials as environment variables, in the dialect of `--format`.
 *
 * @module
 */
import type { CommandContext } from "../main.ts";
import { credentialVariables, formatVariables, type VariableFormat } from "../output.ts";

/** Runs `env`. */
export async function run(context: CommandContext): Promise<number> {
  const profile = await context.resolve(context.args.profiles[0]);
  const credentials = await context.assume(profile);
  // checkArgs let through only env's formats.
  const text = formatVariables(
    credentialVariables(credentials, profile.region),
    (context.args.format ?? "sh") as VariableFormat,
  );
  context.runtime.write("stdout", text);
  return 0;
}
