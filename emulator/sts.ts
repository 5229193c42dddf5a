/**
 * The STS side: AssumeRoleWithWebIdentity, AssumeRole (SigV4-signed, for role chaining) and
 * GetCallerIdentity over the Query protocol, with AWS's XML shapes and error codes.
 *
 * API reference: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 * and https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
 *
 * Where AWS documents an error message the emulator uses its words; where it
 * does not (a bad signature, a future `nbf`), the wording is the emulator's own.
 *
 * @module
 */

import { type DecodedJwt, decodeJwt, type SigningKey, verifyJwtSignature } from "./jwt.ts";
import {
  expectedSignature,
  formatAmzDate,
  parseAmzDate,
  parseSigV4,
  type SignableRequest,
  type SigV4Auth,
} from "./sigv4.ts";
import { anyMatch, constraintProblems, parseRoleArn, type RoleArn, type RoleTrust } from "./sts_trust.ts";
import { evaluateTrustPolicy, parseTrustPolicy } from "../cli/policy/evaluate.ts";
import { isoSeconds, STS_API_VERSION, STS_XMLNS, StsError, stsErrorReply, xmlHeaders } from "./sts_wire.ts";
import { BASE64_CHARS, randomString, type Reply, UPPER_ALNUM, xmlEscape } from "./_util.ts";

export { STS_API_VERSION, STS_ERROR_STATUS, STS_XMLNS, stsErrorReply } from "./sts_wire.ts";
export { matchesStringLike, parseRoleArn, type RoleTrust } from "./sts_trust.ts";

/** STS's default session length. */
export const DEFAULT_DURATION_SECONDS = 3600;

/** Credentials the emulator handed out, keyed by access key id in {@link StsService.issued}. */
export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  roleArn: string;
  roleSessionName: string;
  /** `arn:<partition>:sts::<account>:assumed-role/<role name>/<session>` */
  assumedRoleArn: string;
  /** `AROA…:<session>` */
  assumedRoleId: string;
  account: string;
  subject: string;
  audience: string;
}

/** What the STS service needs from the emulator. */
export interface StsConfig {
  key: SigningKey;
  issuer: string;
  audiences: string[];
  roles: Record<string, RoleTrust> | undefined;
  /** The STS clock, in ms. */
  now: () => number;
  /** The region AssumeRole's signatures must be scoped to; default `us-east-1`. */
  region?: string;
}

/** One STS request, parameters already merged from query and form body. */
export interface StsRequest extends SignableRequest {
  params: URLSearchParams;
}

/** An answered STS request: the reply and, on failure, the AWS error code. */
export interface StsOutcome {
  reply: Reply;
  error?: string;
}

/** The STS endpoint with its memory of issued credentials. */
export interface StsService {
  handle(request: StsRequest): Promise<StsOutcome>;
  issued: Map<string, IssuedCredentials>;
}

/** The service's memory: its configuration, the credentials it issued, and a stable id per role. */
interface StsState {
  config: StsConfig;
  issued: Map<string, IssuedCredentials>;
  roleIds: Map<string, string>;
}

/** Creates the STS endpoint. */
export function createStsService(config: StsConfig): StsService {
  const state: StsState = { config, issued: new Map(), roleIds: new Map() };
  return { handle: (request) => handle(state, request), issued: state.issued };
}

async function handle(state: StsState, request: StsRequest): Promise<StsOutcome> {
  try {
    const action = request.params.get("Action");
    if (!action) throw new StsError("MissingAction", "Could not find operation for the request: no Action parameter");
    const version = request.params.get("Version");
    if (!version) throw new StsError("MissingParameter", "The request must contain the parameter Version");
    if (version === STS_API_VERSION && action === "AssumeRoleWithWebIdentity") {
      return { reply: await assumeRoleWithWebIdentity(state, request.params) };
    }
    if (version === STS_API_VERSION && action === "AssumeRole") {
      return { reply: await assumeRole(state, request) };
    }
    if (version === STS_API_VERSION && action === "GetCallerIdentity") {
      return { reply: await getCallerIdentity(state, request) };
    }
    throw new StsError("InvalidAction", `Could not find operation ${action} for version ${version}`);
  } catch (error) {
    if (!(error instanceof StsError)) throw error;
    return { reply: stsErrorReply(error.code, error.message, error.status), error: error.code };
  }
}

async function assumeRoleWithWebIdentity(state: StsState, params: URLSearchParams): Promise<Reply> {
  for (const name of ["RoleArn", "RoleSessionName", "WebIdentityToken"]) {
    if (!params.has(name)) throw new StsError("MissingParameter", `The request must contain the parameter ${name}`);
  }
  const roleArn = params.get("RoleArn")!;
  const sessionName = params.get("RoleSessionName")!;
  const token = params.get("WebIdentityToken")!;
  const durationText = params.get("DurationSeconds");
  const policy = params.get("Policy");

  const problems = constraintProblems({ roleArn, sessionName, token, durationText, policy });
  if (problems.length > 0) {
    const count = `${problems.length} validation error${problems.length > 1 ? "s" : ""}`;
    throw new StsError("ValidationError", `${count} detected: ${problems.join("; ")}`);
  }
  const duration = durationText === null ? DEFAULT_DURATION_SECONDS : Number(durationText);
  const arn = parseRoleArn(roleArn);
  if (!arn) throw new StsError("ValidationError", "Request ARN is invalid");
  if (policy !== null && !isJson(policy)) {
    throw new StsError("MalformedPolicyDocument", "The policy is not in the valid JSON format.");
  }

  const claims = await verifyToken(state, token);
  const subject = typeof claims.sub === "string" ? claims.sub : "";
  const audiences = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter(isString);
  const audience = audiences.find((a) => state.config.audiences.includes(a))!;

  // Trust policy: the role must exist and its conditions must match the token.
  const trust = state.config.roles === undefined ? {} as Partial<RoleTrust> : state.config.roles[roleArn];
  if (!trust) throw new StsError("AccessDenied");
  if (trust.sub !== undefined && !anyMatch(trust.sub, [subject])) throw new StsError("AccessDenied");
  if (trust.aud !== undefined && !anyMatch(trust.aud, audiences)) throw new StsError("AccessDenied");
  if (trust.policy !== undefined) {
    const text = typeof trust.policy === "string" ? trust.policy : JSON.stringify(trust.policy);
    if (!evaluateTrustPolicy(parseTrustPolicy(text), claims).allowed) throw new StsError("AccessDenied");
  }
  if (duration > (trust.maxSessionDuration ?? DEFAULT_DURATION_SECONDS)) {
    throw new StsError(
      "ValidationError",
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );
  }

  const credentials = issue(state, arn, roleArn, sessionName, duration, subject, audience);
  return assumeRoleReply(state, arn, credentials, policy !== null);
}

/**
 * AssumeRole: a SigV4 request signed with credentials this STS issued, checked as AWS does (scope,
 * date within 5 minutes, the body's hash, the signature), then the role's trust policy on the
 * caller's assumed-role ARN (`trustedCallers`), its external id, and the one-hour limit of role chaining.
 */
async function assumeRole(state: StsState, request: StsRequest): Promise<Reply> {
  const caller = await verifySignature(state, request);
  const params = request.params;
  for (const name of ["RoleArn", "RoleSessionName"]) {
    if (!params.has(name)) throw new StsError("MissingParameter", `The request must contain the parameter ${name}`);
  }
  const roleArn = params.get("RoleArn")!;
  const sessionName = params.get("RoleSessionName")!;
  const durationText = params.get("DurationSeconds");
  const policy = params.get("Policy");
  const externalId = params.get("ExternalId");
  // The constraints of AssumeRoleWithWebIdentity, less its token.
  const problems = constraintProblems({ roleArn, sessionName, token: "none", durationText, policy });
  if (externalId !== null && !/^[\w+=,.@:\/-]{2,1224}$/.test(externalId)) {
    problems.push(
      `Value '${externalId}' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression ` +
        "pattern: [\\w+=,.@:\\/-]*",
    );
  }
  if (problems.length > 0) {
    const count = `${problems.length} validation error${problems.length > 1 ? "s" : ""}`;
    throw new StsError("ValidationError", `${count} detected: ${problems.join("; ")}`);
  }
  const arn = parseRoleArn(roleArn);
  if (!arn) throw new StsError("ValidationError", "Request ARN is invalid");
  if (policy !== null && !isJson(policy)) {
    throw new StsError("MalformedPolicyDocument", "The policy is not in the valid JSON format.");
  }
  const denied = () =>
    new StsError(
      "AccessDenied",
      `User: ${caller.assumedRoleArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
  const trust = state.config.roles === undefined ? {} as Partial<RoleTrust> : state.config.roles[roleArn];
  if (!trust) throw denied();
  if (state.config.roles !== undefined && !anyMatch(trust.trustedCallers ?? [], [caller.assumedRoleArn])) {
    throw denied();
  }
  if (trust.externalId !== undefined && externalId !== trust.externalId) throw denied();
  const duration = durationText === null ? DEFAULT_DURATION_SECONDS : Number(durationText);
  // Every caller here holds a role session: this is role chaining, which AWS caps at one hour.
  if (duration > 3600) {
    throw new StsError(
      "ValidationError",
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    );
  }
  const credentials = issue(state, arn, roleArn, sessionName, duration, caller.subject, caller.audience);
  const requestId = crypto.randomUUID();
  const body = `<AssumeRoleResponse xmlns="${STS_XMLNS}">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>${xmlEscape(credentials.assumedRoleId)}</AssumedRoleId>
      <Arn>${xmlEscape(credentials.assumedRoleArn)}</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${credentials.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${xmlEscape(credentials.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${xmlEscape(credentials.sessionToken)}</SessionToken>
      <Expiration>${isoSeconds(credentials.expiration)}</Expiration>
    </Credentials>${policy !== null ? "\n    <PackedPolicySize>6</PackedPolicySize>" : ""}
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>${requestId}</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>
`;
  return { status: 200, headers: xmlHeaders(requestId), body };
}

/**
 * The caller of a signed request, once its SigV4 signature is proven: credentials issued here,
 * unexpired, with their session token; scope `DATE/REGION/sts/aws4_request` for this STS's region
 * and the signing date; signed within 5 minutes of now; `host` signed; the signature recomputed
 * over the body received.
 */
async function verifySignature(state: StsState, request: StsRequest): Promise<IssuedCredentials> {
  const auth = parseSigV4(request);
  if ("code" in auth) throw new StsError(auth.code, auth.message, auth.status);
  const region = state.config.region ?? "us-east-1";
  if (auth.service !== "sts") {
    throw new StsError("SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'.");
  }
  if (auth.region !== region) {
    throw new StsError(
      "SignatureDoesNotMatch",
      `Credential should be scoped to a valid region, not '${auth.region}'. Expected '${region}'.`,
    );
  }
  if (auth.date !== auth.amzDate.slice(0, 8)) {
    throw new StsError(
      "SignatureDoesNotMatch",
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${
        auth.amzDate.slice(0, 8)
      }', from '${auth.amzDate}'.`,
    );
  }
  if (!auth.signedHeaders.includes("host")) {
    throw new StsError("SignatureDoesNotMatch", "'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }
  return await signer(state, request, auth, 5);
}

/**
 * The credentials a SigV4 request was signed with: issued here, with their session token, not expired,
 * signed within `minutes` of now, and the signature matching.
 */
async function signer(
  state: StsState,
  request: StsRequest,
  auth: SigV4Auth,
  minutes: number,
): Promise<IssuedCredentials> {
  const credentials = state.issued.get(auth.accessKeyId);
  const sessionToken = request.headers["x-amz-security-token"];
  if (!credentials || sessionToken !== credentials.sessionToken) {
    throw new StsError("InvalidClientTokenId", "The security token included in the request is invalid.");
  }
  const now = state.config.now();
  if (credentials.expiration.getTime() <= now) {
    throw new StsError("ExpiredToken", "The security token included in the request is expired");
  }
  const signedAt = parseAmzDate(auth.amzDate);
  if (Math.abs(now - signedAt) > minutes * 60_000) {
    throw new StsError(
      "SignatureDoesNotMatch",
      `Signature expired: ${auth.amzDate} is now earlier than ${formatAmzDate(now - minutes * 60_000)} (${
        formatAmzDate(now)
      } - ${minutes} min.)`,
    );
  }
  if (auth.signature !== await expectedSignature(request, auth, credentials.secretAccessKey)) {
    throw new StsError(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
  return credentials;
}

/** AssumeRoleWithWebIdentity's answer for `credentials` (with a session policy, its packed size). */
function assumeRoleReply(state: StsState, arn: RoleArn, credentials: IssuedCredentials, packedPolicy: boolean): Reply {
  const provider = `arn:${arn.partition}:iam::${arn.account}:oidc-provider/${
    state.config.issuer.replace(/^https?:\/\//, "")
  }`;
  const requestId = crypto.randomUUID();
  const body = `<AssumeRoleWithWebIdentityResponse xmlns="${STS_XMLNS}">
  <AssumeRoleWithWebIdentityResult>
    <Audience>${xmlEscape(credentials.audience)}</Audience>
    <AssumedRoleUser>
      <AssumedRoleId>${xmlEscape(credentials.assumedRoleId)}</AssumedRoleId>
      <Arn>${xmlEscape(credentials.assumedRoleArn)}</Arn>
    </AssumedRoleUser>
    <Provider>${xmlEscape(provider)}</Provider>
    <Credentials>
      <AccessKeyId>${credentials.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${xmlEscape(credentials.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${xmlEscape(credentials.sessionToken)}</SessionToken>
      <Expiration>${isoSeconds(credentials.expiration)}</Expiration>
    </Credentials>
    <SubjectFromWebIdentityToken>${xmlEscape(credentials.subject)}</SubjectFromWebIdentityToken>${
    packedPolicy ? "\n    <PackedPolicySize>6</PackedPolicySize>" : ""
  }
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>${requestId}</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
`;
  return { status: 200, headers: xmlHeaders(requestId), body };
}

/** The checks STS makes on an OIDC token, in the order it needs them. */
async function verifyToken(state: StsState, token: string): Promise<Record<string, unknown>> {
  const jwt = decodeJwt(token);
  if (!jwt) throw new StsError("InvalidIdentityToken", "The web identity token is not a well-formed JWT");
  const { claims } = jwt;
  // STS finds the OIDC provider by `iss` before it can fetch keys to check the signature.
  if (claims.iss !== state.config.issuer) {
    throw new StsError(
      "InvalidIdentityToken",
      `No OpenIDConnect provider found in your account for ${String(claims.iss)}`,
    );
  }
  if (!(await checkSignature(state, jwt))) {
    throw new StsError("InvalidIdentityToken", "Couldn't verify the signature of the web identity token");
  }
  const now = Math.floor(state.config.now() / 1000);
  if (typeof claims.exp !== "number" || claims.exp <= now) {
    throw new StsError(
      "ExpiredTokenException",
      `Token expired: current date/time ${now} must be before the expiration date/time ${String(claims.exp)}`,
    );
  }
  if (typeof claims.nbf === "number" && claims.nbf > now) {
    throw new StsError(
      "InvalidIdentityToken",
      `Token is not yet valid: current date/time ${now} must be after the not-before date/time ${claims.nbf}`,
    );
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.some((a) => typeof a === "string" && state.config.audiences.includes(a))) {
    throw new StsError("InvalidIdentityToken", "Incorrect token audience");
  }
  return claims;
}

function checkSignature(state: StsState, jwt: DecodedJwt): Promise<boolean> {
  return verifyJwtSignature(state.config.key, jwt).catch(() => false);
}

function issue(
  state: StsState,
  arn: RoleArn,
  roleArn: string,
  sessionName: string,
  duration: number,
  subject: string,
  audience: string,
): IssuedCredentials {
  let roleId = state.roleIds.get(roleArn);
  if (!roleId) state.roleIds.set(roleArn, roleId = `AROA${randomString(UPPER_ALNUM, 17)}`);
  const credentials: IssuedCredentials = {
    accessKeyId: `ASIA${randomString(UPPER_ALNUM, 16)}`,
    secretAccessKey: randomString(BASE64_CHARS, 40),
    // Real session tokens are opaque base64, several hundred characters, no fixed maximum.
    sessionToken: `IQoJb3JpZ2luX2VjE${randomString(BASE64_CHARS, 800)}`,
    expiration: new Date(Math.floor(state.config.now() / 1000) * 1000 + duration * 1000),
    roleArn,
    roleSessionName: sessionName,
    assumedRoleArn: `arn:${arn.partition}:sts::${arn.account}:assumed-role/${arn.name}/${sessionName}`,
    assumedRoleId: `${roleId}:${sessionName}`,
    account: arn.account,
    subject,
    audience,
  };
  state.issued.set(credentials.accessKeyId, credentials);
  return credentials;
}

/** GetCallerIdentity needs a valid SigV4 signature made with credentials issued here. */
async function getCallerIdentity(state: StsState, request: StsRequest): Promise<Reply> {
  const auth = parseSigV4(request);
  if ("code" in auth) throw new StsError(auth.code, auth.message, auth.status);
  if (auth.service !== "sts") {
    throw new StsError("SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'.");
  }
  // SigV4 requests are valid for 15 minutes either side of the signing time.
  const credentials = await signer(state, request, auth, 15);
  const requestId = crypto.randomUUID();
  const body = `<GetCallerIdentityResponse xmlns="${STS_XMLNS}">
  <GetCallerIdentityResult>
    <Arn>${xmlEscape(credentials.assumedRoleArn)}</Arn>
    <UserId>${xmlEscape(credentials.assumedRoleId)}</UserId>
    <Account>${credentials.account}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>${requestId}</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
`;
  return { status: 200, headers: xmlHeaders(requestId), body };
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
