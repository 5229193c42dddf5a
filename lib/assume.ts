/**
 * `assumeRole`: the whole trade for one profile — get a token, call STS, retry what can succeed,
 * and explain what cannot.
 *
 * @module
 */
import { HttpError, StsError, type TokenClaims } from "./errors.ts";
import { type Credentials, makeCredentials } from "./credentials.ts";
import { decodeClaims, describeClaims } from "./jwt.ts";
import { type GetTokenOptions, obtainToken } from "./token.ts";
import { assumeRoleWithWebIdentity, FRESH_TOKEN_CODES, retryAfterHeader } from "./sts.ts";
import { attemptTimeout, backoff, retryContext } from "./retry.ts";
import { retryAfterMs } from "./_http.ts";
import { hostDefaults } from "./host.ts";
import type { WebIdentityProfile } from "./profile.ts";

/** Options of {@linkcode assumeRole}. */
export interface AssumeRoleOptions extends GetTokenOptions {
  /** How many times InvalidIdentityToken / ExpiredTokenException are retried with a fresh token. Default 2. */
  freshTokenRetries?: number;
}

/** STS errors that show the token's claims: the trust policy or the provider looked at them. */
const CLAIM_ERRORS = new Set(["AccessDenied", "InvalidIdentityToken", "IDPRejectedClaim", "ExpiredTokenException"]);

/**
 * Assumes the profile's role: gets a fresh OIDC token, calls STS, and returns {@linkcode Credentials}.
 *
 * Retries (see the README): network errors, timeouts, 5xx, throttling and IDPCommunicationError with
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
export async function assumeRole(profile: WebIdentityProfile, options: AssumeRoleOptions = {}): Promise<Credentials> {
  const host = await hostDefaults(options, ["env", "readFile", "fetch", "now", "sleep", "random", "runCommand"]);
  const context = retryContext(host, options.retry, options.signal);
  const freshTokenLimit = options.freshTokenRetries ?? 2;
  let token: string | undefined;
  let claims: TokenClaims | undefined;
  let tokenSource = "";
  let freshTokens = 0;
  let transientFailures = 0;
  for (let calls = 1;; calls++) {
    // A token is reused for transient retries while it lives; a new one is fetched when STS rejects it.
    if (token === undefined || (claims?.exp !== undefined && claims.exp * 1000 - host.now() < 15000)) {
      const obtained = await obtainToken(profile.token, host, context);
      token = obtained.token;
      tokenSource = obtained.source;
      claims = decodeClaims(token);
    }
    try {
      const result = await assumeRoleWithWebIdentity({
        roleArn: profile.roleArn,
        roleSessionName: profile.roleSessionName,
        webIdentityToken: token,
        durationSeconds: profile.durationSeconds,
        policy: profile.policy,
        policyArns: profile.policyArns,
      }, {
        endpoint: profile.stsEndpoint,
        fetch: host.fetch,
        signal: context.signal,
        timeoutMs: attemptTimeout(context),
      });
      return makeCredentials(result, {
        roleArn: profile.roleArn,
        roleSessionName: profile.roleSessionName,
        profile: profile.name,
        claims,
        tokenSource,
      });
    } catch (err) {
      const sts = err instanceof StsError ? err : undefined;
      if (sts && FRESH_TOKEN_CODES.has(sts.awsCode)) {
        if (freshTokens < freshTokenLimit && (await backoff(context, freshTokens + 1))) {
          freshTokens++;
          token = undefined;
          continue;
        }
      } else if ((sts ?? (err instanceof HttpError ? err : undefined))?.retryable) {
        transientFailures++;
        const minimum = sts ? retryAfterMs(retryAfterHeader.get(sts) ?? null, host.now()) : undefined;
        if (transientFailures < context.policy.maxAttempts && (await backoff(context, transientFailures, minimum))) {
          continue;
        }
      }
      if (sts) throw explain(sts, claims, calls, host.now());
      if (err instanceof HttpError && calls > 1) err.message += ` (after ${calls} attempts)`;
      throw err;
    }
  }
}

/** Adds the token's claims and a hint to an STS error, so the user can see what the trust policy saw. */
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
  let detail = Object.hasOwn(hints, err.awsCode) ? hints[err.awsCode] : undefined;
  if (claims && CLAIM_ERRORS.has(err.awsCode)) {
    err.claims = claims;
    detail = `${detail} ${describeClaims(claims, now) || "(the token has none of iss, aud, sub)"}`;
  } else if (CLAIM_ERRORS.has(err.awsCode)) {
    detail = `${detail} (the token is not a readable JWT)`;
  }
  const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
  err.message =
    `Cannot assume role ${err.roleArn}: ${err.awsCode}${err.awsMessage ? ` (${err.awsMessage})` : ""}${tries}` +
    (detail ? `; ${detail}` : "") + (err.requestId ? ` [request id ${err.requestId}]` : "");
  return err;
}
