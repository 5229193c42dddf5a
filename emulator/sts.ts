/**
 * The STS side: AssumeRoleWithWebIdentity and GetCallerIdentity over the Query
 * protocol, with AWS's XML shapes and error codes.
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
import { expectedSignature, formatAmzDate, parseAmzDate, parseSigV4, type SignableRequest } from "./sigv4.ts";
import { BASE64_CHARS, randomString, type Reply, UPPER_ALNUM, xmlEscape } from "./_util.ts";

/** The STS API version every request must name. */
export const STS_API_VERSION = "2011-06-15";
/** The XML namespace of every STS response. */
export const STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";
/** STS's default session length. */
export const DEFAULT_DURATION_SECONDS = 3600;

/** A role's trust policy, reduced to the conditions GitHub OIDC trust policies use. */
export interface RoleTrust {
  /** `StringLike` pattern(s) for the `sub` claim (`*` any run, `?` one character); any may match. */
  sub: string | string[];
  /** `StringLike` pattern(s) for the `aud` claim; unchecked when absent. */
  aud?: string | string[];
  /** The role's MaxSessionDuration, 3600–43200; default 3600. */
  maxSessionDuration?: number;
}

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

/** The codes STS answers with, and their HTTP status. */
export const STS_ERROR_STATUS: Record<string, number> = {
  AccessDenied: 403,
  ExpiredToken: 400,
  ExpiredTokenException: 400,
  IDPCommunicationError: 400,
  IDPRejectedClaim: 403,
  IncompleteSignature: 400,
  InternalFailure: 500,
  InvalidAction: 400,
  InvalidClientTokenId: 403,
  InvalidIdentityToken: 400,
  InvalidParameterValue: 400,
  MalformedPolicyDocument: 400,
  MissingAction: 400,
  MissingAuthenticationToken: 403,
  MissingParameter: 400,
  PackedPolicyTooLarge: 400,
  RegionDisabledException: 403,
  RequestLimitExceeded: 400,
  ServiceUnavailable: 503,
  SignatureDoesNotMatch: 403,
  Throttling: 400,
  ThrottlingException: 400,
  TooManyRequestsException: 429,
  ValidationError: 400,
};

const DEFAULT_MESSAGES: Record<string, string> = {
  AccessDenied: "Not authorized to perform sts:AssumeRoleWithWebIdentity",
  ExpiredTokenException: "Token expired: current date/time must be before the expiration date/time",
  // Paraphrasing the API reference: the IdP could not be reached to verify the token; often transient.
  IDPCommunicationError: "The identity provider could not be reached to verify the web identity token",
  IDPRejectedClaim: "The identity provider rejected the claims in the token",
  InternalFailure: "The request processing has failed because of an unknown error, exception or failure.",
  InvalidIdentityToken: "Couldn't verify the web identity token",
  RegionDisabledException: "STS is not activated in this region for this account",
  ServiceUnavailable: "The request has failed due to a temporary failure of the server.",
  Throttling: "Rate exceeded",
  ThrottlingException: "Rate exceeded",
  RequestLimitExceeded: "Request limit exceeded.",
  TooManyRequestsException: "Too many requests",
};

/** An STS `ErrorResponse`; server-side codes (5xx) are of type Receiver, the rest Sender. */
export function stsErrorReply(code: string, message?: string, status?: number): Reply {
  const httpStatus = status ?? STS_ERROR_STATUS[code] ?? 400;
  const requestId = crypto.randomUUID();
  const body = `<ErrorResponse xmlns="${STS_XMLNS}">
  <Error>
    <Type>${httpStatus >= 500 ? "Receiver" : "Sender"}</Type>
    <Code>${xmlEscape(code)}</Code>
    <Message>${xmlEscape(message ?? DEFAULT_MESSAGES[code] ?? code)}</Message>
  </Error>
  <RequestId>${requestId}</RequestId>
</ErrorResponse>
`;
  return { status: httpStatus, headers: xmlHeaders(requestId), body };
}

/**
 * IAM `StringLike`: `*` matches any run of characters (also none), `?` exactly one;
 * `${*}`, `${?}` and `${$}` stand for the literal characters. Case-sensitive, whole string.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
 */
export function matchesStringLike(pattern: string, value: string): boolean {
  let source = "";
  for (const token of pattern.match(/\$\{[*?$]\}|[\s\S]/g) ?? []) {
    if (token === "*") source += "[\\s\\S]*";
    else if (token === "?") source += "[\\s\\S]";
    else source += (token.length === 4 ? token[2] : token).replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`).test(value);
}

/** What the STS service needs from the emulator. */
export interface StsConfig {
  key: SigningKey;
  issuer: string;
  audiences: string[];
  roles: Record<string, RoleTrust> | undefined;
  /** The STS clock, in ms. */
  now: () => number;
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

class StsError extends Error {
  constructor(readonly code: string, message?: string, readonly status?: number) {
    super(message ?? DEFAULT_MESSAGES[code] ?? code);
  }
}

/** Creates the STS endpoint. */
export function createStsService(config: StsConfig): StsService {
  const issued = new Map<string, IssuedCredentials>();
  const roleIds = new Map<string, string>();

  async function handle(request: StsRequest): Promise<StsOutcome> {
    try {
      const action = request.params.get("Action");
      if (!action) throw new StsError("MissingAction", "Could not find operation for the request: no Action parameter");
      const version = request.params.get("Version");
      if (!version) throw new StsError("MissingParameter", "The request must contain the parameter Version");
      if (version === STS_API_VERSION && action === "AssumeRoleWithWebIdentity") {
        return { reply: await assumeRoleWithWebIdentity(request.params) };
      }
      if (version === STS_API_VERSION && action === "GetCallerIdentity") {
        return { reply: await getCallerIdentity(request) };
      }
      throw new StsError("InvalidAction", `Could not find operation ${action} for version ${version}`);
    } catch (error) {
      if (!(error instanceof StsError)) throw error;
      return { reply: stsErrorReply(error.code, error.message, error.status), error: error.code };
    }
  }

  async function assumeRoleWithWebIdentity(params: URLSearchParams): Promise<Reply> {
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

    const claims = await verifyToken(token);
    const subject = typeof claims.sub === "string" ? claims.sub : "";
    const audiences = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter(isString);
    const audience = audiences.find((a) => config.audiences.includes(a))!;

    // Trust policy: the role must exist and its conditions must match the token.
    const trust = config.roles === undefined ? {} as Partial<RoleTrust> : config.roles[roleArn];
    if (!trust) throw new StsError("AccessDenied");
    if (trust.sub !== undefined && !anyMatch(trust.sub, [subject])) throw new StsError("AccessDenied");
    if (trust.aud !== undefined && !anyMatch(trust.aud, audiences)) throw new StsError("AccessDenied");
    if (duration > (trust.maxSessionDuration ?? DEFAULT_DURATION_SECONDS)) {
      throw new StsError(
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      );
    }

    const credentials = issue(arn, roleArn, sessionName, duration, subject, audience);
    const provider = `arn:${arn.partition}:iam::${arn.account}:oidc-provider/${
      config.issuer.replace(/^https?:\/\//, "")
    }`;
    const requestId = crypto.randomUUID();
    const body = `<AssumeRoleWithWebIdentityResponse xmlns="${STS_XMLNS}">
  <AssumeRoleWithWebIdentityResult>
    <Audience>${xmlEscape(audience)}</Audience>
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
    <SubjectFromWebIdentityToken>${xmlEscape(subject)}</SubjectFromWebIdentityToken>${
      policy !== null ? "\n    <PackedPolicySize>6</PackedPolicySize>" : ""
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
  async function verifyToken(token: string): Promise<Record<string, unknown>> {
    const jwt = decodeJwt(token);
    if (!jwt) throw new StsError("InvalidIdentityToken", "The web identity token is not a well-formed JWT");
    const { claims } = jwt;
    // STS finds the OIDC provider by `iss` before it can fetch keys to check the signature.
    if (claims.iss !== config.issuer) {
      throw new StsError(
        "InvalidIdentityToken",
        `No OpenIDConnect provider found in your account for ${String(claims.iss)}`,
      );
    }
    if (!(await checkSignature(jwt))) {
      throw new StsError("InvalidIdentityToken", "Couldn't verify the signature of the web identity token");
    }
    const now = Math.floor(config.now() / 1000);
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
    if (!audiences.some((a) => typeof a === "string" && config.audiences.includes(a))) {
      throw new StsError("InvalidIdentityToken", "Incorrect token audience");
    }
    return claims;
  }

  function checkSignature(jwt: DecodedJwt): Promise<boolean> {
    return verifyJwtSignature(config.key, jwt).catch(() => false);
  }

  function issue(
    arn: RoleArn,
    roleArn: string,
    sessionName: string,
    duration: number,
    subject: string,
    audience: string,
  ): IssuedCredentials {
    let roleId = roleIds.get(roleArn);
    if (!roleId) roleIds.set(roleArn, roleId = `AROA${randomString(UPPER_ALNUM, 17)}`);
    const credentials: IssuedCredentials = {
      accessKeyId: `ASIA${randomString(UPPER_ALNUM, 16)}`,
      secretAccessKey: randomString(BASE64_CHARS, 40),
      // Real session tokens are opaque base64, several hundred characters, no fixed maximum.
      sessionToken: `IQoJb3JpZ2luX2VjE${randomString(BASE64_CHARS, 800)}`,
      expiration: new Date(Math.floor(config.now() / 1000) * 1000 + duration * 1000),
      roleArn,
      roleSessionName: sessionName,
      assumedRoleArn: `arn:${arn.partition}:sts::${arn.account}:assumed-role/${arn.name}/${sessionName}`,
      assumedRoleId: `${roleId}:${sessionName}`,
      account: arn.account,
      subject,
      audience,
    };
    issued.set(credentials.accessKeyId, credentials);
    return credentials;
  }

  /** GetCallerIdentity needs a valid SigV4 signature made with credentials issued here. */
  async function getCallerIdentity(request: StsRequest): Promise<Reply> {
    const auth = parseSigV4(request);
    if ("code" in auth) throw new StsError(auth.code, auth.message, auth.status);
    if (auth.service !== "sts") {
      throw new StsError("SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'.");
    }
    const credentials = issued.get(auth.accessKeyId);
    const sessionToken = request.headers["x-amz-security-token"];
    if (!credentials || sessionToken !== credentials.sessionToken) {
      throw new StsError("InvalidClientTokenId", "The security token included in the request is invalid.");
    }
    const now = config.now();
    if (credentials.expiration.getTime() <= now) {
      throw new StsError("ExpiredToken", "The security token included in the request is expired");
    }
    // SigV4 requests are valid for 15 minutes either side of the signing time.
    const signedAt = parseAmzDate(auth.amzDate);
    if (Math.abs(now - signedAt) > 15 * 60_000) {
      throw new StsError(
        "SignatureDoesNotMatch",
        `Signature expired: ${auth.amzDate} is now earlier than ${formatAmzDate(now - 15 * 60_000)} (${
          formatAmzDate(now)
        } - 15 min.)`,
      );
    }
    if (auth.signature !== await expectedSignature(request, auth, credentials.secretAccessKey)) {
      throw new StsError(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
      );
    }
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

  return { handle, issued };
}

interface RoleArn {
  partition: string;
  account: string;
  name: string;
}

/** `arn:<partition>:iam::<12 digits>:role/<optional/path/>name` */
export function parseRoleArn(arn: string): RoleArn | undefined {
  const m = /^arn:(aws(?:-[a-z]+)*):iam::(\d{12}):role\/([\x21-\x7e]+)$/.exec(arn);
  if (!m) return undefined;
  const name = m[3].slice(m[3].lastIndexOf("/") + 1);
  if (!/^[\w+=,.@-]{1,64}$/.test(name)) return undefined;
  return { partition: m[1], account: m[2], name };
}

/**
 * The API model's length, pattern and range constraints, in the words of AWS's
 * validation errors: "Value 'x' at 'roleSessionName' failed to satisfy constraint:
 * Member must …". Sensitive values (the token, the policy) are left out, as AWS does.
 */
function constraintProblems(p: {
  roleArn: string;
  sessionName: string;
  token: string;
  durationText: string | null;
  policy: string | null;
}): string[] {
  const problems: string[] = [];
  const fail = (member: string, value: string | undefined, rule: string): void => {
    const shown = value === undefined ? "" : `'${value}' `;
    problems.push(`Value ${shown}at '${member}' failed to satisfy constraint: Member must ${rule}`);
  };
  const length = (member: string, value: string, min: number, max: number, sensitive = false): void => {
    if (value.length < min) fail(member, sensitive ? undefined : value, `have length greater than or equal to ${min}`);
    if (value.length > max) fail(member, sensitive ? undefined : value, `have length less than or equal to ${max}`);
  };
  length("roleArn", p.roleArn, 20, 2048);
  length("roleSessionName", p.sessionName, 2, 64);
  if (!/^[\w+=,.@-]*$/.test(p.sessionName)) {
    fail("roleSessionName", p.sessionName, "satisfy regular expression pattern: [\\w+=,.@-]*");
  }
  length("webIdentityToken", p.token, 4, 20000, true);
  if (p.durationText !== null) {
    const seconds = Number(p.durationText);
    if (!/^\d{1,9}$/.test(p.durationText)) fail("durationSeconds", p.durationText, "be an integer");
    else if (seconds < 900) fail("durationSeconds", p.durationText, "have value greater than or equal to 900");
    else if (seconds > 43200) fail("durationSeconds", p.durationText, "have value less than or equal to 43200");
  }
  if (p.policy !== null) length("policy", p.policy, 1, 2048, true);
  return problems;
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}

function anyMatch(patterns: string | string[], values: string[]): boolean {
  const list = Array.isArray(patterns) ? patterns : [patterns];
  return list.some((pattern) => values.some((value) => matchesStringLike(pattern, value)));
}

function xmlHeaders(requestId: string): Record<string, string> {
  return { "content-type": "text/xml", "x-amzn-RequestId": requestId };
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
