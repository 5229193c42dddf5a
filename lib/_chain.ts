/**
 * Role chaining: a {@linkcode ChainedProfile}'s role assumed with `sts:AssumeRole`, signed (SigV4)
 * with its source's credentials, which come from a web identity profile, another chained profile
 * (to any depth) or the environment's keys. Imported by `assumeRole` only for a chained profile;
 * nothing runs at module load.
 *
 * @module
 * @internal
 */
import { ConfigError, HttpError, StsError, StsResponseError } from "./errors.ts";
import { type Credentials, makeCredentials } from "./credentials.ts";
import { type AssumeHost, assumeWebIdentity } from "./assume.ts";
import { exchange } from "./_http.ts";
import { formBody } from "./_form.ts";
import { STS_API_VERSION } from "./sts.ts";
import { parseStsAnswer } from "./sts_answer.ts";
import { attemptTimeout, Retry, type RetryContext, retrying } from "./retry.ts";
import { type SigningKeys, signRequest } from "./_sigv4.ts";
import { envValue } from "./_path.ts";
import type { ChainedProfile, EnvironmentCredentialSource, Profile } from "./profile.ts";
import { VERSION } from "./version.ts";
import { fetchFor } from "./host.ts";

/** The largest STS answer read. */
const MAX_STS_ANSWER = 1024 * 1024;

/** The credentials that sign a hop, and who they are. */
interface Caller {
  keys: SigningKeys;
  /** The source's credentials, when a role (not the environment's keys). */
  credentials?: Credentials;
}

/**
 * Assumes a chained profile's role: its source's credentials first (once), then `sts:AssumeRole`
 * signed with them, retried by the policy of `context` without asking the source again.
 * @internal
 */
export async function assumeChained(
  profile: ChainedProfile,
  host: AssumeHost,
  context: RetryContext,
  freshTokenRetries: number,
): Promise<Credentials> {
  const caller = await callerOf(profile, host, context, freshTokenRetries);
  return assumeHop(profile, caller, host, context);
}

async function callerOf(
  profile: ChainedProfile,
  host: AssumeHost,
  context: RetryContext,
  freshTokenRetries: number,
): Promise<Caller> {
  const source: Profile | EnvironmentCredentialSource = profile.source;
  if ("credentialSource" in source) return { keys: environmentKeys(profile, host) };
  const credentials = "source" in source
    ? await assumeChained(source, host, context, freshTokenRetries)
    : await assumeWebIdentity(source, host, context, freshTokenRetries);
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  return { keys: { accessKeyId, secretAccessKey, sessionToken }, credentials };
}

/** `credential_source = Environment`: the env's static keys, read now (never kept in the profile). */
function environmentKeys(profile: ChainedProfile, host: AssumeHost): SigningKeys {
  const accessKeyId = envValue(host.env, "AWS_ACCESS_KEY_ID");
  const secretAccessKey = envValue(host.env, "AWS_SECRET_ACCESS_KEY");
  if (!accessKeyId || !secretAccessKey) {
    const missing = [!accessKeyId && "AWS_ACCESS_KEY_ID", !secretAccessKey && "AWS_SECRET_ACCESS_KEY"].filter(Boolean);
    throw new ConfigError(
      "ERR_CONFIG_INVALID",
      `Profile "${profile.name}" says credential_source = Environment, but ${missing.join(" and ")} ` +
        `${missing.length > 1 ? "are" : "is"} not set: set them (and AWS_SESSION_TOKEN for temporary keys), or ` +
        "use source_profile",
      { profile: profile.name, key: "credential_source" },
    );
  }
  const sessionToken = envValue(host.env, "AWS_SESSION_TOKEN");
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/** One signed `AssumeRole` call, retried; the caller's credentials are reused for every attempt. */
function assumeHop(profile: ChainedProfile, caller: Caller, host: AssumeHost, context: RetryContext) {
  const body = assumeRoleBody(profile);
  const secrets = [caller.keys.secretAccessKey, caller.keys.sessionToken].filter((s): s is string => !!s);
  const callerArn = caller.credentials?.assumedRoleArn;
  return retrying(context, async (attempt) => {
    try {
      // Signed at each attempt: a retry after a backoff carries a fresh date.
      const signed = await signRequest(
        {
          method: "POST",
          url: profile.stsEndpoint,
          headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
          body,
        },
        caller.keys,
        { region: profile.signingRegion, service: "sts", now: host.now() },
      );
      const answer = await exchange(profile.stsEndpoint, {
        method: "POST",
        headers: { ...signed.headers, accept: "text/xml", "user-agent": `oidc2aws/${VERSION}` },
        body,
      }, {
        fetch: fetchFor(host.fetch, { caBundle: profile.caBundle }),
        timeoutMs: attemptTimeout(context),
        signal: context.signal,
        maxBytes: MAX_STS_ANSWER,
        peer: "STS",
        secrets,
        tooLarge: (message, status, contentType) =>
          new StsResponseError(message, { status, contentType, retryable: false }),
      });
      const result = parseStsAnswer(answer, profile.stsEndpoint, {
        action: "AssumeRole",
        roleArn: profile.roleArn,
        callerArn,
        secrets,
        now: host.now(),
      });
      return credentialsOf(profile, caller, result);
    } catch (err) {
      throw failure(err, attempt, profile, caller);
    }
  });
}

/** The form body of `AssumeRole`. @internal */
export function assumeRoleBody(profile: ChainedProfile): string {
  const form: Record<string, string> = {
    Action: "AssumeRole",
    Version: STS_API_VERSION,
    RoleArn: profile.roleArn,
    RoleSessionName: profile.roleSessionName,
  };
  if (profile.durationSeconds !== undefined) form.DurationSeconds = String(profile.durationSeconds);
  if (profile.externalId !== undefined) form.ExternalId = profile.externalId;
  if (profile.policy !== undefined) form.Policy = profile.policy;
  profile.policyArns?.forEach((arn, i) => form[`PolicyArns.member.${i + 1}.arn`] = arn);
  return formBody(form);
}

/** The hop's credentials, with the chain that led to them and the root token's facts. */
function credentialsOf(
  profile: ChainedProfile,
  caller: Caller,
  result: ReturnType<typeof parseStsAnswer>,
): Credentials {
  const source = caller.credentials;
  const credentials = makeCredentials(result, {
    roleArn: profile.roleArn,
    roleSessionName: profile.roleSessionName,
    profile: profile.name,
    // The OIDC token was traded at the start of the chain: its claims are read from there, on first use.
    claims: source && (() => source.claims),
    tokenSource: source?.tokenSource,
  });
  if (source) {
    const { profile: name, roleArn, assumedRoleArn, accountId, expiration } = source;
    credentials.chain = [...(source.chain ?? []), { profile: name, roleArn, assumedRoleArn, accountId, expiration }];
    if (source.credentialSource) credentials.credentialSource = source.credentialSource;
  } else {
    credentials.chain = [];
    credentials.credentialSource = "Environment";
  }
  return credentials;
}

/** What a failed hop becomes: a {@linkcode Retry} for what another attempt can overcome, else the error to throw. */
function failure(err: unknown, attempt: number, profile: ChainedProfile, caller: Caller): unknown {
  if (err instanceof StsError) {
    const giveUp = (attempts: number) => explain(err, attempts, profile, caller);
    return err.retryable ? new Retry(giveUp, "transient", err.retryAfterMs) : giveUp(attempt);
  }
  if (err instanceof HttpError || err instanceof StsResponseError) {
    return err.retryable ? Retry.of(err) : err.afterAttempts(attempt);
  }
  return err;
}

/** The STS error again, naming the hop (the role, and who asked) with what to fix. */
function explain(err: StsError, attempts: number, profile: ChainedProfile, caller: Caller): StsError {
  const source = caller.credentials;
  const who = source
    ? `${source.roleArn} (the role of source profile "${source.profile}")`
    : "the principal whose keys are in AWS_ACCESS_KEY_ID";
  const hints: Record<string, string> = {
    AccessDenied: `the trust policy of ${profile.roleArn} must allow ${who} to call sts:AssumeRole` +
      `${profile.externalId === undefined ? "" : " with this external_id"}, and that principal's permissions ` +
      `must allow sts:AssumeRole on ${profile.roleArn}`,
    ValidationError: /DurationSeconds|role chaining/i.test(err.awsMessage)
      ? "AWS limits a role assumed with another role's credentials (role chaining) to one hour: set duration_seconds to at most 3600"
      : "a request value was refused: check the session name, duration, external id and policies",
    ExpiredToken: `the credentials of ${who} expired before STS checked them: check this machine's clock`,
    InvalidClientTokenId: `STS does not know the credentials of ${who}: check that they are for this partition`,
    SignatureDoesNotMatch:
      `STS refused the signature made with the credentials of ${who}: check this machine's clock and the region ` +
      `(signed for ${profile.signingRegion})`,
    RegionDisabledException:
      "STS is not activated in this region for the account: use another region or activate it in IAM",
    MalformedPolicyDocument: "the session policy is not valid: check the policy setting",
    PackedPolicyTooLarge: "the session policies are too large: shorten them",
  };
  return err.explained({ hint: Object.hasOwn(hints, err.awsCode) ? hints[err.awsCode] : undefined, attempts });
}
