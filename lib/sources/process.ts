/**
 * Tokens printed by a command (`web_identity_token_process`): run without a shell, within the
 * deadline, its output capped; the token is stdout, alone.
 *
 * @module
 */
import { Oidc2AwsError, TokenError } from "../errors.ts";
import type { RunCommand } from "../host.ts";
import type { RetryContext } from "../retry.ts";
import { bodyExcerpt, clip, redact, secretValues } from "../_redact.ts";
import type { ProcessTokenSpec } from "../token_spec.ts";
import type { TokenHost, TokenSource } from "./registry.ts";

/** How long a token command may run. */
const PROCESS_TIMEOUT_MS = 30_000;

/** `web_identity_token_process = COMMAND [ARGS]`. */
export const processSource: TokenSource<ProcessTokenSpec> = {
  obtain: processToken,
  // Nothing binds a command's token to this job, so nothing it gives is cached.
  binding: () => undefined,
  describe: (spec) => `${spec.platform ? `${spec.platform}: ` : ""}command ${spec.command[0]}`,
};

async function processToken(spec: ProcessTokenSpec, host: TokenHost, context: RetryContext): Promise<string> {
  const [command, ...args] = spec.command;
  const timeoutMs = Math.max(1, Math.min(PROCESS_TIMEOUT_MS, context.deadline - host.now()));
  // The job's own secrets (bearers, keys) may be echoed by the command or pasted into the setting.
  const secrets = secretValues(host.env);
  const name = JSON.stringify(clip(command, secrets));
  let result: Awaited<ReturnType<RunCommand>>;
  try {
    result = await host.runCommand(command, args, { env: host.env, timeoutMs, signal: context.signal });
  } catch (cause) {
    if (context.signal?.aborted) throw context.signal.reason;
    if (cause instanceof Oidc2AwsError) throw cause;
    // No `cause`: the runtime's error lists the command line, which may hold what it should not.
    const code = (cause as { code?: string })?.code;
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      code === "ENOENT"
        ? `Cannot run the token command ${name}: command not found (install it or fix web_identity_token_process)`
        : `Cannot run the token command ${name}: ${redact(String((cause as Error)?.message ?? cause), secrets)}`,
    );
  }
  if (result.timedOut) {
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      `The token command ${name} did not finish within ${timeoutMs} ms: it must print the OIDC token and exit`,
    );
  }
  const token = result.stdout.trim();
  if (result.code !== 0 || token === "" || /\s/.test(token)) {
    const why = result.code !== 0
      ? result.code === null ? "was stopped by a signal" : `exited with code ${result.code}`
      : token === ""
      ? "printed nothing"
      : "printed more than a token";
    const stderr = bodyExcerpt(result.stderr, [token, ...secrets]);
    throw new TokenError(
      "ERR_TOKEN_UNAVAILABLE",
      `The token command ${name} ${why}${stderr ? `: ${stderr}` : ""}. It must print the OIDC token alone on stdout`,
    );
  }
  return token;
}
