/**
 * `assumeRole`: the whole trade for one profile — get a token, call STS, retry what can succeed,
 * and explain what cannot.
 *
 * @module
 */
import { HttpError, StsError, StsResponseError, type TokenClaims } from "./errors.ts";
import { type Credentials, makeCredentials } from "./credentials.ts";
import { decodeClaims, describeClaims } from "./jwt.ts";
import { type GetTokenOptions, obtainToken } from "./token.ts";
import { assumeRoleWithWebIdentity } from "./sts.ts";
import { FRESH_TOKEN_CODES } from "./sts_answer.ts";
import { attemptTimeout, Retry, type RetryContext, retryContext, retrying } from "./retry.ts";
import { fetchFor, type Host, hostDefaults } from "./host.ts";
import type { Profile, WebIdentityProfile } from "./profile.ts";

/** Options of {@linkcode assumeRole}. */
export interface AssumeRoleOptions extends GetTokenOptions {
  /** How many times InvalidIdentityToken / ExpiredTokenException are retried with a fresh token. Default 2. */
  freshTokenRetries?: number;
}

/** STS errors that show the token's claims: the trust policy or the provider looked at them. */
const CLAIM_ERRORS = new Set(["AccessDenied", "InvalidIdentityToken", "IDPRejectedClaim", "ExpiredTokenException"]);

/**
 * Assumes the profile's role: gets a fresh OIDC token, calls STS, and returns {@linkcode Credentials}.
 * For a chained profile (`source_profile`), the source's credentials first (its whole chain, each
 * role once), then `sts:AssumeRole` signed with them; retries follow the same policy, within one
 * deadline for the whole chain, and a retried hop reuses the credentials of the hops before it.
 *
 * Retries (docs/retries.md): network errors, timeouts, 5xx, throttling and IDPCommunicationError with
 * full-jitter exponential backoff (5 attempts, 60 s in all, by default); InvalidIdentityToken and
 * ExpiredTokenException at most twice with a new token; anything else (AccessDenied, IDPRejectedClaim,
 * ValidationError, ...) fails at once. On AccessDenied, InvalidIdentityToken and IDPRejectedClaim the
 * error carries the token's claims (`iss`, `aud`, `sub`, ...), shown in its message next to the role.
 *
 * @example
 * ```ts ignore
 * import { assumeRole, resolveProfile } from "oidc2aws";
 * const credentials = await assumeRole(await resolveProfile({ profile: "deploy" }));
 * console.log(credentials.assumedRoleArn, credentials.expiration);
 * ```
 */
export async function assumeRole(profile: Profile, options: AssumeRoleOptions = {}): Promise<Credentials> {
  const host = await hostDefaults(options, ["env", "readFile", "fetch", "now", "sleep", "random", "runCommand"]);
  const context = retryContext(host, options.retry, options.signal);
  const freshTokenRetries = options.freshTokenRetries ?? 2;
  // The signed call and its signer are loaded only for a chained profile: the web identity path never loads them.
  if ("source" in profile) {
    return (await import("./_chain.ts")).assumeChained(profile, host, context, freshTokenRetries);
  }
  return assumeWebIdentity(profile, host, context, freshTokenRetries);
}

/** The host pieces assuming a role uses. @internal */
export type AssumeHost = Pick<Host, "env" | "readFile" | "fetch" | "now" | "sleep" | "random" | "runCommand">;

/** A web identity profile's role: token, then STS, retried within `context`. @internal */
export function assumeWebIdentity(
  profile: WebIdentityProfile,
  host: AssumeHost,
  context: RetryContext,
  freshTokenRetries: number,
): Promise<Credentials> {
  // The profile's CA bundle (if any) for the token server and STS: the runtime fetch's variant for it.
  host = { ...host, fetch: fetchFor(host.fetch, { caBundle: profile.caBundle }) };
  let token: { value: string; claims: () => TokenClaims | undefined; source: string } | undefined;
  return retrying(context, async (attempt) => {
    // A token is reused for transient retries while it lives; a new one is fetched when STS rejects it.
    const exp = token?.claims()?.exp;
    if (token === undefined || (exp !== undefined && exp * 1000 - host.now() < 15000)) {
      const obtained = await obtainToken(profile.token, host, context);
      token = { value: obtained.token, claims: claimsOf(obtained.token), source: obtained.source };
    }
    const { claims, source } = token;
    try {
      const result = await assumeRoleWithWebIdentity({
        roleArn: profile.roleArn,
        roleSessionName: profile.roleSessionName,
        webIdentityToken: token.value,
        durationSeconds: profile.durationSeconds,
        policy: profile.policy,
        policyArns: profile.policyArns,
      }, {
        endpoint: profile.stsEndpoint,
        fetch: host.fetch,
        signal: context.signal,
        timeoutMs: attemptTimeout(context),
        now: host.now,
      });
      const fields = { roleArn: profile.roleArn, roleSessionName: profile.roleSessionName, profile: profile.name };
      return makeCredentials(result, { ...fields, claims, tokenSource: source });
    } catch (err) {
      throw failure(err, attempt, claims(), host.now(), () => (token = undefined));
    }
  }, freshTokenRetries);
}

/**
 * A token's claims, decoded on first use: a retry's expiry check, an error's explanation, or a read of
 * `Credentials.claims`. The CLI prints no claims, and the first JWT decode of a process costs Bun and
 * Deno ~1.5 ms (Node ~0.7).
 */
function claimsOf(jwt: string): () => TokenClaims | undefined {
  let claims: TokenClaims | undefined | null = null;
  return () => (claims === null ? (claims = decodeClaims(jwt)) : claims);
}

/**
 * What a failed STS call becomes: a {@linkcode Retry} (with a fresh token for InvalidIdentityToken
 * and ExpiredTokenException), or the error to throw, which says how many calls were made.
 */
function failure(
  err: unknown,
  attempt: number,
  claims: TokenClaims | undefined,
  now: number,
  dropToken: () => void,
): unknown {
  if (err instanceof StsError) {
    const giveUp = (attempts: number) => explain(err, claims, attempts, now);
    if (FRESH_TOKEN_CODES.has(err.awsCode)) {
      dropToken();
      return new Retry(giveUp, "freshToken");
    }
    return err.retryable ? new Retry(giveUp, "transient", err.retryAfterMs) : giveUp(attempt);
  }
  if (err instanceof HttpError || err instanceof StsResponseError) {
    return err.retryable ? Retry.of(err) : err.afterAttempts(attempt);
  }
  return err;
}

/** The STS error again, with the token's claims and a hint, so the user can see what the trust policy saw. */
function explain(err: StsError, claims: TokenClaims | undefined, attempts: number, now: number): StsError {
  const hints: Record<string, string> = {
    AccessDenied: "the role's trust policy did not match this token: compare its conditions on aud and sub with",
    IDPRejectedClaim: "the identity provider rejected a claim of this token:",
    InvalidIdentityToken:
      "STS could not validate this token (check that an IAM OIDC provider exists for its issuer and lists its audience):",
    ExpiredTokenException: "the token had expired by the time STS checked it (check the runner's clock):",
    RegionDisabledException:
      "STS is not activated in this region for the account: use another region or activate it in IAM",
    ValidationError: "a request value was refused: check the session name, duration and policies",
    MalformedPolicyDocument: "the session policy is not valid: check the policy setting",
    PackedPolicyTooLarge: "the session policies are too large: shorten them",
  };
  let hint = Object.hasOwn(hints, err.awsCode) ? hints[err.awsCode] : undefined;
  const showClaims = CLAIM_ERRORS.has(err.awsCode);
  if (showClaims) {
    const described = claims ? describeClaims(claims, now) || "(the token has none of iss, aud, sub)" : undefined;
    hint = `${hint} ${described ?? "(the token is not a readable JWT)"}`;
  }
  return err.explained({ hint, claims: showClaims ? claims : undefined, attempts });
}
