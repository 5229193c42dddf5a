/**
 * `oidc2aws whoami`: assumes each profile's role and shows the token's claims and the assumed role
 * (no secret); `--profile` may be repeated to check several roles at once.
 *
 * @module
 */
import { Oidc2AwsError } from "../../lib/errors.ts";
import type { Credentials } from "../../lib/credentials.ts";
import { oneLine } from "../../lib/_redact.ts";
import { type CommandContext, EXIT_USAGE, lines, scrub } from "../main.ts";

/** Runs `whoami`. */
export async function run(context: CommandContext): Promise<number> {
  const { args, runtime } = context;
  const names = args.profiles.length ? args.profiles : [undefined];
  const results = await Promise.allSettled(names.map(async (name) => context.assume(await context.resolve(name))));
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (args.format === "json") {
    const report = results.map((r, i) =>
      r.status === "fulfilled"
        ? summary(r.value)
        : { profile: names[i] ?? null, error: errorSummary(r.reason, runtime.env) }
    );
    runtime.write("stdout", `${JSON.stringify(names.length === 1 ? report[0] : report, null, 2)}\n`);
  } else {
    results.forEach((r, i) => {
      if (i > 0) runtime.write("stdout", "\n");
      if (r.status === "fulfilled") runtime.write("stdout", describe(r.value, Date.now()));
      else if (names.length > 1) {
        const { message } = errorSummary(r.reason, runtime.env);
        runtime.write("stdout", `profile   ${oneLine(names[i] ?? "(default)")}\nerror     ${oneLine(message)}\n`);
      }
    });
  }
  if (failures.length === 0) return 0;
  if (names.length === 1) throw failures[0].reason;
  // Several profiles: the report above has a row per profile; each failure also gets its error line.
  results.forEach((r, i) => {
    if (r.status === "fulfilled") return;
    const { code, message } = errorSummary(r.reason, runtime.env);
    runtime.write("stderr", lines(`oidc2aws: ${code}: profile ${names[i]}: `, message, runtime.env));
  });
  return failures.some((f) => context.exitCodeOf(f.reason) === EXIT_USAGE) ? EXIT_USAGE : 1;
}

function summary(credentials: Credentials): Record<string, unknown> {
  return {
    profile: credentials.profile,
    roleArn: credentials.roleArn,
    assumedRoleArn: credentials.assumedRoleArn,
    accountId: credentials.accountId,
    sessionName: credentials.roleSessionName,
    expiration: credentials.expiration.toISOString(),
    tokenSource: credentials.tokenSource ?? null,
    token: credentials.claims ?? null,
    ...(credentials.chain ? { chain: chainOf(credentials) } : {}),
  };
}

/** A chained profile's hops, first to last, the final role included: role, assumed ARN, expiry. */
function chainOf(credentials: Credentials): Array<Record<string, unknown>> {
  const root = credentials.credentialSource ? [{ credentialSource: credentials.credentialSource }] : [];
  return [...root, ...(credentials.chain ?? []), credentials].map((hop) =>
    "roleArn" in hop
      ? {
        profile: hop.profile ?? null,
        roleArn: hop.roleArn,
        assumedRoleArn: hop.assumedRoleArn,
        expiration: hop.expiration.toISOString(),
      }
      : hop
  );
}

function describe(credentials: Credentials, now: number): string {
  const minutes = Math.round((credentials.expiration.getTime() - now) / 60000);
  const claims = credentials.claims ?? {};
  const time = (seconds?: number) => (seconds === undefined ? "(none)" : new Date(seconds * 1000).toISOString());
  const rows: Array<[string, string | undefined]> = [
    ["profile", credentials.profile],
    ["role", credentials.roleArn],
    ["assumed", credentials.assumedRoleArn],
    ["account", credentials.accountId],
    ["expires", `${credentials.expiration.toISOString()} (in ${minutes} min)`],
    ...hops(credentials, now),
    ["token", credentials.tokenSource],
    ["token iss", claims.iss],
    ["token aud", Array.isArray(claims.aud) ? claims.aud.join(", ") : claims.aud],
    ["token sub", claims.sub],
    ["token exp", time(claims.exp)],
  ];
  // Claims and ARNs come from the token server and STS: one line each, whatever they hold.
  return rows.map(([label, value]) => `${label.padEnd(10)}${value === undefined ? "(none)" : oneLine(value)}\n`).join(
    "",
  );
}

/** A chained profile's hops, first to last, the last one included: one row per role (after the environment's keys). */
function hops(credentials: Credentials, now: number): Array<[string, string | undefined]> {
  if (!credentials.chain) return [];
  const rows: Array<[string, string | undefined]> = [];
  if (credentials.credentialSource) {
    rows.push(["via", "the keys in AWS_ACCESS_KEY_ID (credential_source = Environment)"]);
  }
  [...credentials.chain, credentials].forEach((hop, i) => {
    const minutes = Math.round((hop.expiration.getTime() - now) / 60000);
    rows.push([
      `hop ${i + 1}`,
      `${hop.profile === undefined ? "" : `profile ${hop.profile}: `}${hop.roleArn} as ${hop.assumedRoleArn}, ` +
      `expires ${hop.expiration.toISOString()} (in ${minutes} min)`,
    ]);
  });
  return rows;
}

/** An error's code and message, scrubbed of the job's secrets. */
function errorSummary(err: unknown, env: CommandContext["runtime"]["env"]): { code: string; message: string } {
  if (err instanceof Oidc2AwsError) return { code: err.code, message: scrub(err.message, env) };
  return { code: "ERR_UNEXPECTED", message: scrub(String((err as Error)?.message ?? err), env) };
}
