/**
 * `oidc2aws doctor`: evaluates a role's trust policy against a token's claims, offline, and says which
 * condition refused it and what to change. Exit 0 when the policy admits the token, 1 when it refuses
 * it, 2 for a bad policy or bad input. The token itself is never printed.
 *
 * @module
 */
import { CliError, ConfigError } from "../../lib/errors.ts";
import { decodePayload } from "../../lib/jwt.ts";
import { getToken } from "../../lib/token.ts";
import type { Profile, WebIdentityProfile } from "../../lib/profile.ts";
import { oneLine } from "../../lib/_redact.ts";
import type { CommandContext } from "../main.ts";
import {
  type Claims,
  type ConditionResult,
  evaluateTrustPolicy,
  type Evaluation,
  parseTrustPolicy,
  WEB_IDENTITY_ACTION,
} from "../policy/evaluate.ts";

/** Runs `doctor`. */
export async function run(context: CommandContext): Promise<number> {
  const { args, runtime } = context;
  if (args.policy === undefined) {
    throw new CliError("ERR_USAGE", "doctor needs --policy FILE: the role's trust policy (aws iam get-role's output)");
  }
  const text = await context.readFile(args.policy);
  if (text === undefined) {
    throw new ConfigError("ERR_CONFIG_READ", `Cannot read the trust policy: ${args.policy} does not exist`, {
      file: args.policy,
    });
  }
  const policy = parseTrustPolicy(text);
  const claims = await claimsOf(context);
  const evaluation = evaluateTrustPolicy(policy, claims);
  runtime.write(
    "stdout",
    args.format === "json" ? `${JSON.stringify(asJson(evaluation), null, 2)}\n` : describe(evaluation, claims),
  );
  return evaluation.allowed ? 0 : 1;
}

/** The claims: given as JSON, read from a token file, or from a fresh token of the profile's source. */
async function claimsOf(context: CommandContext): Promise<Claims> {
  const { args } = context;
  const sources =
    [args.claims !== undefined, args.tokenFile !== undefined && !args.profiles.length, args.profiles.length > 0]
      .filter(Boolean).length;
  if (sources === 0) {
    throw new CliError(
      "ERR_USAGE",
      "doctor needs the token's claims: --profile NAME, --token-file PATH or --claims JSON",
    );
  }
  if (args.claims !== undefined) {
    if (sources > 1) {
      throw new CliError("ERR_USAGE", "--claims replaces the token: give it without --profile or --token-file");
    }
    let value: unknown;
    try {
      value = JSON.parse(args.claims);
    } catch (err) {
      throw new CliError("ERR_USAGE", `--claims is not JSON (${(err as Error).message})`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new CliError("ERR_USAGE", `--claims must be a JSON object such as {"iss": "https://…", "sub": "…"}`);
    }
    return value as Claims;
  }
  let token: string;
  let from: string;
  if (args.profiles.length === 0) {
    from = `the token file ${args.tokenFile}`;
    token = await getToken({ type: "file", path: args.tokenFile! }, { readFile: context.readFile });
  } else {
    const profile = webIdentityOf(await context.resolve(args.profiles[0]));
    from = `the token of profile ${profile.name ?? "(default)"}`;
    token = await getToken(profile.token, {
      env: context.runtime.env,
      fetch: context.fetch,
      readFile: context.readFile,
      runCommand: context.runtime.runCommand,
    });
  }
  const payload = decodePayload(token);
  if (!payload) throw new CliError("ERR_USAGE", `${from} is not a readable JWT (it is not shown)`);
  return payload;
}

/** The web identity profile at the root of a chain (its role is the one the token is for). */
function webIdentityOf(profile: Profile): WebIdentityProfile {
  let at: Profile | { kind?: string } = profile;
  while (at && "source" in at) at = at.source as Profile;
  if (!at || !("token" in at)) {
    throw new CliError("ERR_USAGE", "doctor checks a web identity profile: this profile's chain starts from keys");
  }
  return at as WebIdentityProfile;
}

/** The JSON the issue specifies: the verdict, each statement and each condition. */
function asJson(evaluation: Evaluation): unknown {
  return {
    allowed: evaluation.allowed,
    statements: evaluation.statements.map((s) => ({
      sid: s.sid,
      effect: s.effect,
      matched: s.matched,
      conditions: s.conditions.map((c) => ({
        operator: c.operator,
        key: c.key,
        values: c.values,
        claim: c.claim,
        matched: c.matched,
      })),
    })),
  };
}

const mark = (ok: boolean) => (ok ? "✓" : "✗");
/** A value for one line of output: JSON-quoted (the token's values are untrusted), control characters escaped. */
const show = (value: unknown) => oneLine(JSON.stringify(value));

function conditionLine(c: ConditionResult): string {
  const claim = c.claim === null
    ? c.absent === "not-exposed"
      ? "(a claim IAM does not expose: never in the request)"
      : c.absent === "other-provider"
      ? "(not a key of this token's provider: never in the request)"
      : "(the token has no such claim)"
    : show(c.claim);
  return `  ${mark(c.matched)} ${oneLine(c.operator)} ${show(c.key)} ${show(c.values)}: claim ${claim}\n`;
}

/** The text report: the token's identity, each statement with ✓/✗, the verdict and the fix. */
function describe(evaluation: Evaluation, claims: Claims): string {
  const out: string[] = [];
  out.push(
    `token     iss ${show(claims.iss ?? null)}, aud ${show(claims.aud ?? null)}, sub ${show(claims.sub ?? null)}\n`,
  );
  out.push(`provider  ${evaluation.provider === null ? "(none: the token has no iss)" : show(evaluation.provider)}\n`);
  evaluation.statements.forEach((s, i) => {
    const name = `statement ${i + 1}${s.sid === null ? "" : ` (Sid ${show(s.sid)})`}`;
    out.push(`${name}: ${s.effect} ${mark(s.matched)}${s.matched ? " matches" : " does not match"}\n`);
    out.push(`  ${mark(s.principal.matched)} Principal ${show(s.principal.values)}\n`);
    out.push(
      `  ${mark(s.action.matched)} ${s.action.not ? "NotAction" : "Action"} ${show(s.action.values)} ` +
        `(${WEB_IDENTITY_ACTION})\n`,
    );
    for (const c of s.conditions) out.push(conditionLine(c));
  });
  const denied = evaluation.statements.some((s) => s.effect === "Deny" && s.matched);
  out.push(
    `result    ${
      evaluation.allowed
        ? "allowed"
        : denied
        ? "refused: a Deny statement matches"
        : "refused: no Allow statement matches"
    }\n`,
  );
  if (evaluation.fix) out.push(`fix       ${oneLine(evaluation.fix)}\n`);
  return out.join("");
}
