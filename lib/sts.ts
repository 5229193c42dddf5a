/**
 * The STS `AssumeRoleWithWebIdentity` call: one unsigned, form-encoded POST; its XML answer is read
 * by ./sts_answer.ts.
 * See https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 *
 * @module
 */
import { StsResponseError } from "./errors.ts";
import { exchange } from "./_http.ts";
import { formBody } from "./_form.ts";
import { parseStsAnswer } from "./sts_answer.ts";
import { hostDefaults } from "./host.ts";
import type { Fetch } from "./host.ts";
import { VERSION } from "./version.ts";

/** The STS API version sent with every request. */
export const STS_API_VERSION = "2011-06-15";

/** The largest STS answer read. */
const MAX_STS_ANSWER = 1024 * 1024;

/** The parameters of one `AssumeRoleWithWebIdentity` call. */
export interface AssumeRoleWithWebIdentityRequest {
  /** The role to assume: `arn:PARTITION:iam::ACCOUNT:role/NAME`. */
  roleArn: string;
  /** The session name: 2 to 64 characters of letters, digits and `_+=,.@-`; shown in CloudTrail. */
  roleSessionName: string;
  /** The OIDC token. Secret: never logged. */
  webIdentityToken: string;
  /** How long the credentials last, in seconds: 900 to the role's maximum (at most 43200). STS's default: 3600. */
  durationSeconds?: number;
  /** An inline session policy (JSON, at most 2048 characters) that narrows the role's permissions. */
  policy?: string;
  /** Managed policy ARNs (at most 10) that narrow the role's permissions for this session. */
  policyArns?: string[];
}

/** What STS returns: the credentials and facts about the session. */
export interface AssumeRoleWithWebIdentityResult {
  /** The access key id (`ASIA...`): not secret. */
  accessKeyId: string;
  /** The secret access key. Secret: never log it. */
  secretAccessKey: string;
  /** The session token. Secret: never log it. */
  sessionToken: string;
  /** When the credentials expire. */
  expiration: Date;
  /** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`. */
  assumedRoleArn: string;
  /** `ROLEID:SESSION` (`AROA...:SESSION`), the id IAM policies match as `aws:userid`. */
  assumedRoleId?: string;
  /** The account of the assumed role (from the assumed-role ARN). */
  accountId: string;
  /** The token's `sub`, as STS read it. */
  subject?: string;
  /** The token's audience (the IAM OIDC provider's client id). */
  audience?: string;
  /** The IAM OIDC provider's ARN. */
  provider?: string;
  /** The session's source identity, from the token's `https://aws.amazon.com/source_identity` claim. */
  sourceIdentity?: string;
  /** How full the session's policies and tags are, as a percentage of what STS allows. */
  packedPolicySize?: number;
  /** STS's request id, for AWS support and CloudTrail. */
  requestId?: string;
}

/** Options of {@linkcode assumeRoleWithWebIdentity}. */
export interface AssumeRoleWithWebIdentityOptions {
  /** The STS endpoint URL, e.g. `https://sts.us-east-1.amazonaws.com`. */
  endpoint: string;
  /** HTTP client. Default: the runtime's. */
  fetch?: Fetch;
  /** Aborts the call; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Milliseconds for the exchange, body included. Default 10000. */
  timeoutMs?: number;
  /** Milliseconds since the epoch, for a Retry-After date. Default `Date.now`. */
  now?: () => number;
}

/**
 * Calls STS `AssumeRoleWithWebIdentity` once (no retries; {@linkcode assumeRole} adds them).
 * Never follows a redirect; reads at most 1 MiB of the answer.
 *
 * @example
 * ```ts ignore
 * import { assumeRoleWithWebIdentity } from "oidc2aws";
 * const result = await assumeRoleWithWebIdentity(
 *   { roleArn: "arn:aws:iam::123456789012:role/ci", roleSessionName: "ci", webIdentityToken: token },
 *   { endpoint: "https://sts.us-east-1.amazonaws.com" },
 * );
 * console.log(result.assumedRoleArn, result.expiration);
 * ```
 */
export async function assumeRoleWithWebIdentity(
  request: AssumeRoleWithWebIdentityRequest,
  options: AssumeRoleWithWebIdentityOptions,
): Promise<AssumeRoleWithWebIdentityResult> {
  const { fetch } = await hostDefaults(options, ["fetch"]);
  const endpoint = options.endpoint;
  const answer = await exchange(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      accept: "text/xml",
      "user-agent": `oidc2aws/${VERSION}`,
    },
    body: stsRequestBody(request),
  }, {
    fetch,
    timeoutMs: options.timeoutMs ?? 10000,
    signal: options.signal,
    maxBytes: MAX_STS_ANSWER,
    peer: "STS",
    secrets: [request.webIdentityToken],
    tooLarge: (message, status, contentType) =>
      new StsResponseError(message, { status, contentType, retryable: false }),
  });
  return parseStsAnswer(answer, endpoint, {
    roleArn: request.roleArn,
    secrets: [request.webIdentityToken],
    now: (options.now ?? Date.now)(),
  });
}

/** The form-encoded body of an `AssumeRoleWithWebIdentity` request. @internal */
export function stsRequestBody(request: AssumeRoleWithWebIdentityRequest): string {
  const form: Record<string, string> = {
    Action: "AssumeRoleWithWebIdentity",
    Version: STS_API_VERSION,
    RoleArn: request.roleArn,
    RoleSessionName: request.roleSessionName,
    WebIdentityToken: request.webIdentityToken,
  };
  if (request.durationSeconds !== undefined) form.DurationSeconds = String(request.durationSeconds);
  if (request.policy !== undefined) form.Policy = request.policy;
  request.policyArns?.forEach((arn, i) => form[`PolicyArns.member.${i + 1}.arn`] = arn);
  return formBody(form);
}
