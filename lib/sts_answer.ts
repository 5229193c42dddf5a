/**
 * Reading an STS answer (AssumeRoleWithWebIdentity's, and AssumeRole's for role chaining): the
 * credentials of a success, an {@linkcode StsError} for an error document, an `ERR_STS_RESPONSE`
 * error for anything else, saying only what is safe to show of what the server sent.
 *
 * @module
 */
import { retryableStatus, StsError, StsResponseError, XmlError } from "./errors.ts";
import { type Answer, displayUrl } from "./_http.ts";
import { retryAfterMs } from "./retry.ts";
import { oneLine, redact, serverWord, shownContentType } from "./_redact.ts";
import { childElement, childText, parseXml, type XmlElement } from "./xml.ts";
import type { AssumeRoleWithWebIdentityResult } from "./sts.ts";

/** STS error codes that a later attempt can overcome without a new token. */
const TRANSIENT = new Set([
  "IDPCommunicationError",
  "Throttling",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "InternalFailure",
  "InternalError",
  "ServiceUnavailable",
  "RequestTimeout",
  "RequestTimeoutException",
]);

/** STS error codes that a fresh token can overcome. @internal */
export const FRESH_TOKEN_CODES: ReadonlySet<string> = new Set(["InvalidIdentityToken", "ExpiredTokenException"]);

/** What {@linkcode parseStsAnswer} needs to know of the call. @internal */
export interface StsAnswerContext {
  /** The action called: its answer is `<ACTION>Response` holding `<ACTION>Result`. Default `AssumeRoleWithWebIdentity`. */
  action?: "AssumeRoleWithWebIdentity" | "AssumeRole";
  roleArn?: string;
  /** The caller of a signed call (an assumed-role ARN), named in its errors. */
  callerArn?: string;
  secrets?: string[];
  now?: number;
}

/** Turns STS's answer into a result, an {@linkcode StsError}, or an `ERR_STS_RESPONSE` error. @internal */
export function parseStsAnswer(
  answer: Answer,
  endpoint: string,
  context: StsAnswerContext = {},
): AssumeRoleWithWebIdentityResult {
  const { status } = answer;
  const action = context.action ?? "AssumeRoleWithWebIdentity";
  const secrets = context.secrets ?? [];
  // Only on a failure: a success is the hot path, and checking words costs regexes.
  const bad = (problem: string, retryable = retryableStatus(status)) => {
    const contentType = shownContentType(answer.contentType, secrets);
    return new StsResponseError(
      redact(`STS at ${displayUrl(endpoint)} answered HTTP ${status} (${contentType}) ${problem}`, secrets),
      { status, contentType, retryable },
    );
  };
  if (status >= 300 && status < 400) {
    const location = answer.headers.get("location");
    throw bad(
      `redirecting to ${location ? redact(displayUrl(location), secrets) : "(nowhere)"}; oidc2aws never follows ` +
        "redirects with a token: check the STS endpoint",
      false,
    );
  }
  if (answer.body.trim() === "") throw bad("with an empty body");
  if (htmlPage(answer.body, answer.contentType)) {
    throw bad("with an HTML page: check the STS endpoint, or try again if a proxy failed");
  }
  let root: XmlElement;
  try {
    root = parseXml(answer.body);
  } catch (err) {
    if (!(err instanceof XmlError)) throw err;
    throw bad(
      `with a body that is not valid XML (${oneLine(redact(err.message, secrets))}): check the STS endpoint, ` +
        "or try again if a proxy failed",
    );
  }
  const errorElement = root.name === "ErrorResponse" || root.name === "Response"
    ? childElement(root, "Error") ?? childElement(childElement(root, "Errors"), "Error")
    : root.name === "Error"
    ? root
    : undefined;
  if (errorElement) throw stsError(answer, root, errorElement, context);
  const element = () => {
    const name = serverWord(root.name, /^[A-Za-z_][\w.:-]{0,63}$/, secrets);
    return name ? `<${name}>` : "an element whose name is not shown";
  };
  if (status < 200 || status >= 300) throw bad(`with ${element()} instead of an error document`);
  if (root.name !== `${action}Response`) {
    throw bad(`with ${element()} instead of <${action}Response>: check the STS endpoint`, false);
  }
  const result = resultOf(
    childElement(root, `${action}Result`),
    root,
    (problem) => bad(problem, false),
    // Read only when the document has none: a success is the hot path, and checking a word costs regexes.
    () => requestIdOf(answer.headers, undefined, secrets),
  );
  if (context.now !== undefined && result.expiration.getTime() <= context.now) {
    throw bad(
      `with credentials that expired at ${result.expiration.toISOString()}, before they arrived: check the STS ` +
        "endpoint and this machine's clock",
      false,
    );
  }
  return result;
}

/**
 * Whether an answer is an HTML page: its content type is `text/html`, or its body starts with
 * `<html` or `<!doctype html` (what `/^\s*<(!doctype\s+html|html)\b/i` and `/^text\/html\b/i`
 * match). String tests, not those regexes, on the success path: compiling them costs a cold start
 * 0.2 to 0.6 ms. @internal
 */
export function htmlPage(body: string, contentType: string): boolean {
  const type = contentType.slice(0, 10).toLowerCase();
  if (type.startsWith("text/html") && !wordCharacter(type, 9)) return true;
  const head = body.trimStart().slice(0, 64).toLowerCase();
  if (head.startsWith("<html")) return !wordCharacter(head, 5);
  return head.startsWith("<!doctype") && /^<!doctype\s+html\b/i.test(body.trimStart());
}

/** Whether `text[i]` is a regex word character (`\w`); false past the end. */
function wordCharacter(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** An AWS error code, request id: letters, digits and a few separators. */
const AWS_CODE = /^[A-Za-z_][\w.:-]{0,63}$/;
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The request id of an answer (its element, else its header), if it is a plain id without a secret. */
function requestIdOf(
  headers: Answer["headers"],
  element: string | undefined,
  secrets: readonly string[],
): string | undefined {
  return serverWord(element || headers.get("x-amzn-requestid"), REQUEST_ID, secrets);
}

/** The {@linkcode StsError} of an error document. */
function stsError(
  answer: Answer,
  root: XmlElement,
  error: XmlElement,
  context: StsAnswerContext,
): StsError {
  const secrets = context.secrets ?? [];
  // Server-chosen words are shown only when they are plain words without a secret (a server may echo the token).
  const awsCode = serverWord(childText(error, "Code"), AWS_CODE, secrets) ?? `HTTP${answer.status}`;
  // A listed code, else the status: 408, 429 and 5xx are worth another attempt whatever the code.
  const retryable = TRANSIENT.has(awsCode) || FRESH_TOKEN_CODES.has(awsCode) || retryableStatus(answer.status);
  return new StsError({
    status: answer.status,
    awsCode,
    awsMessage: oneLine(redact(childText(error, "Message") ?? "", secrets)).slice(0, 1000),
    requestId: requestIdOf(answer.headers, childText(root, "RequestId"), secrets),
    retryable,
    retryAfterMs: retryable ? retryAfterMs(answer.headers.get("retry-after"), context.now ?? Date.now()) : undefined,
    roleArn: context.roleArn,
    callerArn: context.callerArn,
  });
}

/** The result of a success document; `bad` builds the error for a missing or unreadable field. */
function resultOf(
  result: XmlElement | undefined,
  root: XmlElement,
  bad: (problem: string) => StsResponseError,
  headerRequestId: () => string | undefined,
): AssumeRoleWithWebIdentityResult {
  const credentials = childElement(result, "Credentials");
  const user = childElement(result, "AssumedRoleUser");
  const need = (parent: XmlElement | undefined, path: string, name: string): string => {
    const value = childText(parent, name);
    if (!value) throw bad(`without ${path}/${name}`);
    // Credentials and ARNs are printable ASCII without spaces: nothing else can reach a shell or a CI log.
    if (!printable(value)) throw bad(`with a ${path}/${name} that holds spaces or control characters`);
    return value;
  };
  const accessKeyId = need(credentials, "Credentials", "AccessKeyId");
  const secretAccessKey = need(credentials, "Credentials", "SecretAccessKey");
  const sessionToken = need(credentials, "Credentials", "SessionToken");
  const expirationText = need(credentials, "Credentials", "Expiration");
  const expiration = parseIsoDate(expirationText);
  if (!expiration) {
    const shown = serverWord(expirationText, /^[\w:.+-]{1,40}$/);
    throw bad(`with an unreadable Credentials/Expiration${shown ? ` ${JSON.stringify(shown)}` : ""}`);
  }
  const assumedRoleArn = need(user, "AssumedRoleUser", "Arn");
  const accountId = assumedRoleArn.split(":")[4];
  if (!accountId || !/^\d{12}$/.test(accountId)) throw bad(`with an AssumedRoleUser/Arn that names no account`);
  const output: AssumeRoleWithWebIdentityResult = {
    accessKeyId,
    secretAccessKey,
    sessionToken,
    expiration,
    assumedRoleArn,
    accountId,
  };
  const optional = (key: keyof AssumeRoleWithWebIdentityResult, value: string | undefined) => {
    if (value) (output as unknown as Record<string, unknown>)[key] = value;
  };
  optional("assumedRoleId", childText(user, "AssumedRoleId"));
  optional("subject", childText(result, "SubjectFromWebIdentityToken"));
  optional("audience", childText(result, "Audience"));
  optional("provider", childText(result, "Provider"));
  optional("sourceIdentity", childText(result, "SourceIdentity"));
  const packed = childText(result, "PackedPolicySize");
  if (packed && /^\d+$/.test(packed)) output.packedPolicySize = Number(packed);
  optional("requestId", childText(childElement(root, "ResponseMetadata"), "RequestId") || headerRequestId());
  return output;
}

/**
 * Whether every character is printable ASCII other than a space. A regular expression, not a loop over
 * the characters: by the time an answer is read the regex engine is warm, and a first loop over a
 * session token (~900 characters) is interpreted slowly: Bun 0.75 ms against 0.09, Deno 0.39 against
 * 0.23, Node about the same (0.12 against 0.13; fresh processes, medians of 25).
 */
function printable(text: string): boolean {
  return /^[\x21-\x7e]*$/.test(text);
}

/** Parses ISO-8601 UTC timestamps as STS writes them (with or without fractional seconds). @internal */
export function parseIsoDate(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/.test(text)) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
