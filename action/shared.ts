/**
 * What both modes share: assuming a role with the retry and proxy inputs, the allowed-account-ids
 * check, and the log lines that show each role and the token's claims (never a secret).
 *
 * @module
 */
import { CliError } from "../lib/errors.ts";
import { assumeRole } from "../lib/assume.ts";
import type { Profile } from "../lib/profile.ts";
import type { Credentials } from "../lib/credentials.ts";
import type { RetryPolicy } from "../lib/retry.ts";
import type { Runtime } from "../lib/_runtime/mod.ts";
import { describeClaims } from "../lib/jwt.ts";
import { oneLine } from "../lib/_redact.ts";
import { isoTime } from "../cli/output.ts";
import { booleanInput, input, listInput, type MutableEnv } from "./runner.ts";

/** The retry policy the inputs ask for: disable-retry, retry-max-attempts, action-timeout-s. */
export function retryOf(env: Runtime["env"]): { retry: Partial<RetryPolicy>; freshTokenRetries?: number } {
  const retry: Partial<RetryPolicy> = {};
  let freshTokenRetries: number | undefined;
  if (booleanInput(env, "disable-retry", false)) {
    retry.maxAttempts = 1;
    freshTokenRetries = 0;
  } else {
    const attempts = input(env, "retry-max-attempts");
    if (attempts) retry.maxAttempts = Math.max(1, wholeNumber("retry-max-attempts", attempts, 100));
  }
  const timeout = actionTimeout(env);
  if (timeout) retry.totalTimeoutMs = timeout * 1000;
  return { retry, freshTokenRetries };
}

/** action-timeout-s in seconds (0: none). */
export function actionTimeout(env: Runtime["env"]): number {
  const value = input(env, "action-timeout-s");
  return value ? wholeNumber("action-timeout-s", value, 24 * 3600) : 0;
}

function wholeNumber(name: string, value: string, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) > max) {
    throw new CliError("ERR_USAGE", `${name} is ${JSON.stringify(value)}: use a whole number from 0 to ${max}`);
  }
  return Number(value);
}

/**
 * http-proxy and no-proxy as the library reads them: configure-aws-credentials sends both http and
 * https requests through http-proxy, so it becomes both variables (lower case too, which wins).
 */
export function applyProxyInputs(env: MutableEnv): void {
  const proxy = input(env, "http-proxy");
  if (proxy) {
    for (const name of ["https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"]) env[name] = proxy;
  }
  const noProxy = input(env, "no-proxy");
  if (noProxy) env.no_proxy = env.NO_PROXY = noProxy;
}

/** Assumes a profile's role once, with the retry inputs (`ignoreRetryInputs`: the library's defaults). */
export function assumeOnce(
  runtime: Runtime,
  profile: Profile,
  options: { ignoreRetryInputs?: boolean; env?: Runtime["env"] } = {},
): Promise<Credentials> {
  const { retry, freshTokenRetries } = options.ignoreRetryInputs ? { retry: {} } : retryOf(runtime.env);
  return assumeRole(profile, {
    env: options.env ?? runtime.env,
    fetch: runtime.fetch,
    readFile: runtime.readFile,
    runCommand: runtime.runCommand,
    retry,
    freshTokenRetries,
  });
}

/** allowed-account-ids: the role's account must be one of them. */
export function checkAccount(env: Runtime["env"], credentials: Credentials): void {
  const allowed = listInput(env, "allowed-account-ids", /[\s,]+/);
  if (allowed.length && !allowed.includes(credentials.accountId)) {
    throw new CliError(
      "ERR_USAGE",
      `The role ${credentials.roleArn} is in account ${credentials.accountId}, which allowed-account-ids ` +
        `(${allowed.join(", ")}) does not list: fix the role's ARN or the list`,
    );
  }
}

/**
 * What the log shows of an assumed role: the profile, the session's ARN, account and expiry, each hop
 * of a chain, and the token's claims (`iss`, `aud`, `sub`), so a trust policy can be checked against
 * them. One line each, no secret.
 */
export function describeCredentials(credentials: Credentials, now: number, heading?: string): string {
  const minutes = Math.round((credentials.expiration.getTime() - now) / 60000);
  const lines = [
    `${heading ?? `profile ${credentials.profile}:`} ${credentials.assumedRoleArn}` +
    ` (account ${credentials.accountId}, expires ${isoTime(credentials.expiration)}, in ${minutes} min)`,
  ];
  if (credentials.credentialSource) lines.push("  via the keys in AWS_ACCESS_KEY_ID (role-chaining)");
  for (const hop of credentials.chain ?? []) {
    lines.push(`  via ${hop.profile === undefined ? "" : `profile ${hop.profile}: `}${hop.assumedRoleArn}`);
  }
  const claims = credentials.claims;
  if (claims) lines.push(`  token ${describeClaims(claims, now)}`);
  if (credentials.tokenSource) lines.push(`  token from ${credentials.tokenSource}`);
  return lines.map((line) => `${oneLine(line)}\n`).join("");
}
