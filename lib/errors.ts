/**
 * The error classes of oidc2aws: one base with a stable string `code`, and one class per family of
 * codes, so that the class tells the family and `code` the case. Every field, the message included,
 * is set once, at construction. Messages say what failed, why, and what to do, and never contain a
 * token, a bearer or a secret key.
 *
 * @module
 */

/** Every `code` an {@linkcode Oidc2AwsError} can carry. */
export type ErrorCode =
  | ConfigErrorCode
  | "ERR_CONFIG_SYNTAX"
  | TokenErrorCode
  | "ERR_STS"
  | "ERR_STS_RESPONSE"
  | HttpErrorCode
  | "ERR_XML"
  | "ERR_PERMISSION"
  | CliErrorCode;

/** The codes of {@linkcode ConfigError}. */
export type ConfigErrorCode =
  | "ERR_CONFIG_READ"
  | "ERR_CONFIG_INVALID"
  | "ERR_PROFILE_NOT_FOUND"
  | "ERR_NOT_WEB_IDENTITY";
/** The codes of {@linkcode TokenError}. */
export type TokenErrorCode = "ERR_TOKEN_UNAVAILABLE" | "ERR_TOKEN_HTTP" | "ERR_TOKEN_RESPONSE" | "ERR_INSECURE_URL";
/** The codes of {@linkcode HttpError}. */
export type HttpErrorCode = "ERR_NETWORK" | "ERR_TIMEOUT";
/** The codes of {@linkcode CliError}. */
export type CliErrorCode = "ERR_USAGE" | "ERR_EXEC" | "ERR_WRITE";

/** Options shared by every oidc2aws error. */
export interface ErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** How many attempts were made before giving up; more than one is said in the message. */
  attempts?: number;
}

/**
 * The base class of every error oidc2aws throws. Switch on `code`, not on the message.
 *
 * @example
 * ```ts
 * import { Oidc2AwsError, parseTokenServer } from "oidc2aws";
 * try {
 *   parseTokenServer("NoSuchServer");
 * } catch (err) {
 *   if (err instanceof Oidc2AwsError) console.log(err.code); // "ERR_CONFIG_INVALID"
 * }
 * ```
 */
export class Oidc2AwsError extends Error {
  /** A stable, documented identifier of what went wrong. */
  readonly code: ErrorCode;
  /** How many attempts were made, when the call was retried. */
  readonly attempts?: number;

  /** An error with this code and message (plus " (after N attempts)" when `options.attempts` > 1). */
  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    const attempts = options.attempts ?? 1;
    super(
      attempts > 1 ? `${message} (after ${attempts} attempts)` : message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "Oidc2AwsError";
    this.code = code;
    if (attempts > 1) this.attempts = attempts;
  }

  /**
   * This error as the last of `attempts` attempts: a new error of the same class, with the same
   * fields and cause, whose message says how many attempts were made (this one is left as it is).
   */
  afterAttempts(attempts: number): this {
    if (attempts <= 1) return this;
    const base = this.attempts ? this.message.slice(0, this.message.lastIndexOf(" (after ")) : this.message;
    const message = `${base} (after ${attempts} attempts)`;
    const copy = Object.assign(Object.create(Object.getPrototypeOf(this)), this, { attempts }) as this;
    const at = this.stack?.search(/\n\s+at /) ?? -1;
    const frames = at >= 0 ? this.stack!.slice(at) : "";
    const own = (value: unknown) => ({ value, writable: true, configurable: true });
    Object.defineProperties(copy, { message: own(message), stack: own(`${this.name}: ${message}${frames}`) });
    if (this.cause !== undefined) Object.defineProperty(copy, "cause", own(this.cause));
    return copy;
  }
}

/** Where a configuration value came from: an environment variable, or a key of a file's profile. */
export interface ValueOrigin {
  /** The environment variable, e.g. `AWS_ROLE_ARN`. */
  envVar?: string;
  /** The file the value was read from. */
  file?: string;
  /** The profile (or `[services]` section) the key was read from. */
  profile?: string;
  /** The key inside the profile, e.g. `role_arn`. */
  key?: string;
  /** A CLI flag or an option passed in code, e.g. `--role-arn`. */
  option?: string;
}

/** Says where a value came from, for messages: `AWS_ROLE_ARN`, `role_arn in profile "ci" (aws_config)`. @internal */
export function describeOrigin(origin: ValueOrigin): string {
  if (origin.option) return origin.option;
  if (origin.envVar) return origin.envVar;
  const where = origin.file ? ` (${origin.file})` : "";
  if (origin.key && origin.profile !== undefined) return `${origin.key} in profile "${origin.profile}"${where}`;
  return `${origin.key ?? "a setting"}${where}`;
}

/**
 * A configuration value is invalid, missing or contradictory (`ERR_CONFIG_INVALID`), a profile is
 * missing (`ERR_PROFILE_NOT_FOUND`) or is not a web identity profile (`ERR_NOT_WEB_IDENTITY`), or a
 * file could not be read (`ERR_CONFIG_READ`).
 */
export class ConfigError extends Oidc2AwsError {
  /** The file involved, if any. */
  readonly file?: string;
  /** The profile involved, if any. */
  readonly profile?: string;
  /** The key or environment variable involved, if any. */
  readonly key?: string;

  /** A configuration error; `fields` name the file, profile and key involved. */
  constructor(
    code: ConfigErrorCode,
    message: string,
    fields: { file?: string; profile?: string; key?: string; cause?: unknown } = {},
  ) {
    super(code, message, { cause: fields.cause });
    this.name = "ConfigError";
    if (fields.file !== undefined) this.file = fields.file;
    if (fields.profile !== undefined) this.profile = fields.profile;
    if (fields.key !== undefined) this.key = fields.key;
  }

  /** `ERR_CONFIG_INVALID` for a value: its origin, then the problem ("is …: use …"). */
  static invalid(origin: ValueOrigin, problem: string): ConfigError {
    return new ConfigError("ERR_CONFIG_INVALID", `${describeOrigin(origin)} ${problem}`, {
      file: origin.file,
      profile: origin.profile,
      key: origin.envVar ?? origin.option ?? origin.key,
    });
  }
}

/** An AWS config or credentials file could not be parsed. Code `ERR_CONFIG_SYNTAX`. */
export class ConfigSyntaxError extends Oidc2AwsError {
  /** The file, as named by the caller (or "config file"). */
  readonly file: string;
  /** The 1-based line number of the offending line. */
  readonly line: number;

  /** The file could not be parsed at this line. */
  constructor(file: string, line: number, problem: string) {
    super("ERR_CONFIG_SYNTAX", `Cannot parse ${file} at line ${line}: ${problem}`);
    this.name = "ConfigSyntaxError";
    this.file = file;
    this.line = line;
  }
}

/**
 * The OIDC token could not be obtained: the source is not there or not set up
 * (`ERR_TOKEN_UNAVAILABLE`), its URL would send a secret over plain http (`ERR_INSECURE_URL`), the
 * token server answered an HTTP error (`ERR_TOKEN_HTTP`) or no token (`ERR_TOKEN_RESPONSE`).
 */
export class TokenError extends Oidc2AwsError {
  /** The HTTP status of the token server's answer, when there was one. */
  readonly status?: number;
  /** Whether trying again can succeed (408, 429 and 5xx answers). */
  readonly retryable: boolean;
  /** The delay the server asked for before another attempt (Retry-After), in milliseconds. */
  readonly retryAfterMs?: number;

  /** A token error; `fields` carry the answer's status and what it says of retrying. */
  constructor(
    code: TokenErrorCode,
    message: string,
    fields: ErrorOptions & { status?: number; retryable?: boolean; retryAfterMs?: number } = {},
  ) {
    super(code, message, fields);
    this.name = "TokenError";
    if (fields.status !== undefined) this.status = fields.status;
    this.retryable = fields.retryable ?? false;
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs;
  }
}

/** The claims of an OIDC token that trust policies test (never the token itself). */
export interface TokenClaims {
  /** Issuer: the token server's URL, e.g. `https://token.actions.githubusercontent.com`. */
  iss?: string;
  /** Audience: who the token is for (`sts.amazonaws.com` by default); one value or several. */
  aud?: string | string[];
  /** Subject: the job, e.g. `repo:octo-org/app:ref:refs/heads/main` on GitHub Actions. */
  sub?: string;
  /** Expiry, in seconds since the epoch. */
  exp?: number;
  /** Not valid before, in seconds since the epoch. */
  nbf?: number;
  /** Issued at, in seconds since the epoch. */
  iat?: number;
}

/** What an {@linkcode StsError} is built from. */
export interface StsErrorFields extends ErrorOptions {
  /** The HTTP status of STS's answer. */
  status: number;
  /** The AWS error code, e.g. `AccessDenied`. */
  awsCode: string;
  /** The AWS error message (already free of the token). */
  awsMessage: string;
  /** The STS request id (from the error document, else the `x-amzn-RequestId` header). */
  requestId?: string;
  /** Whether trying again (possibly with a fresh token) can succeed. */
  retryable: boolean;
  /** The delay STS asked for before another attempt (Retry-After), in milliseconds. */
  retryAfterMs?: number;
  /** The role that was to be assumed. */
  roleArn?: string;
  /** The caller of a signed call (role chaining): the assumed-role ARN whose credentials signed it. */
  callerArn?: string;
  /** The token's claims, when they explain the failure (a trust policy that refused them). */
  claims?: TokenClaims;
  /** What the code means for this call and what to do, shown after the AWS message. */
  hint?: string;
}

/** STS answered with an error document. Code `ERR_STS`. */
export class StsError extends Oidc2AwsError {
  /** The HTTP status of STS's answer. */
  readonly status: number;
  /** The AWS error code, e.g. `AccessDenied`. */
  readonly awsCode: string;
  /** The AWS error message. */
  readonly awsMessage: string;
  /** The STS request id, for AWS support. */
  readonly requestId?: string;
  /** Whether trying again (possibly with a fresh token) can succeed. */
  readonly retryable: boolean;
  /** The delay STS asked for before another attempt (Retry-After), in milliseconds. */
  readonly retryAfterMs?: number;
  /** The role that was to be assumed. */
  readonly roleArn?: string;
  /** The caller whose credentials signed the call (role chaining): an assumed-role ARN. */
  readonly callerArn?: string;
  /** The token's claims, on errors where they explain the failure (AccessDenied and the like). */
  readonly claims?: TokenClaims;

  /**
   * An STS error. The message is built from the fields: "Cannot assume role ARN: CODE (MESSAGE)
   * [after N attempts]; HINT [request id ID]".
   */
  constructor(fields: StsErrorFields) {
    const tries = (fields.attempts ?? 1) > 1 ? ` after ${fields.attempts} attempts` : "";
    super(
      "ERR_STS",
      `${fields.roleArn ? `Cannot assume role ${fields.roleArn}` : "STS refused the request"}` +
        (fields.callerArn ? ` as ${fields.callerArn}` : "") + `: ${fields.awsCode}` +
        (fields.awsMessage ? ` (${fields.awsMessage})` : "") + tries + (fields.hint ? `; ${fields.hint}` : "") +
        (fields.requestId ? ` [request id ${fields.requestId}]` : ""),
      { cause: fields.cause },
    );
    this.name = "StsError";
    this.status = fields.status;
    this.awsCode = fields.awsCode;
    this.awsMessage = fields.awsMessage;
    if (fields.requestId !== undefined) this.requestId = fields.requestId;
    this.retryable = fields.retryable;
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs;
    if (fields.roleArn !== undefined) this.roleArn = fields.roleArn;
    if (fields.callerArn !== undefined) this.callerArn = fields.callerArn;
    if (fields.claims !== undefined) this.claims = fields.claims;
    if ((fields.attempts ?? 1) > 1) (this as { attempts?: number }).attempts = fields.attempts;
  }

  /** This error again with what explains it: a hint, the token's claims, the number of attempts made. @internal */
  explained(extra: { hint?: string; claims?: TokenClaims; attempts: number }): StsError {
    return new StsError({
      status: this.status,
      awsCode: this.awsCode,
      awsMessage: this.awsMessage,
      requestId: this.requestId,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      roleArn: this.roleArn,
      callerArn: this.callerArn,
      ...extra,
    });
  }
}

/** STS's answer is not an STS document (HTML, empty, truncated, missing fields, a redirect, too large). Code `ERR_STS_RESPONSE`. */
export class StsResponseError extends Oidc2AwsError {
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The answer's content type. */
  readonly contentType: string;
  /** Whether trying again can succeed (the answer's status was 408, 429 or 5xx). */
  readonly retryable: boolean;

  /** An unusable STS answer. */
  constructor(
    message: string,
    fields: ErrorOptions & { status: number; contentType: string; retryable: boolean },
  ) {
    super("ERR_STS_RESPONSE", message, fields);
    this.name = "StsResponseError";
    this.status = fields.status;
    this.contentType = fields.contentType;
    this.retryable = fields.retryable;
  }
}

/**
 * An HTTP exchange failed: the connection (`ERR_NETWORK`) or its time limit (`ERR_TIMEOUT`). Both are
 * retryable, but for a proxy's refusal of the tunnel (HTTP 403, 407).
 */
export class HttpError extends Oidc2AwsError {
  /** Whether trying again can succeed: true for a transport failure or a timeout, false for a proxy's refusal. */
  readonly retryable: boolean;

  /** A transport failure or a timeout; `retryable: false` for what trying again cannot fix (a proxy's refusal). */
  constructor(code: HttpErrorCode, message: string, options: ErrorOptions & { retryable?: boolean } = {}) {
    super(code, message, options);
    this.name = "HttpError";
    this.retryable = options.retryable ?? true;
  }
}

/** A document could not be read as XML. Code `ERR_XML`. */
export class XmlError extends Oidc2AwsError {
  /** The offset in the text where reading stopped. */
  readonly offset: number;

  /** The document is not XML from this offset on. */
  constructor(message: string, offset: number) {
    super("ERR_XML", message);
    this.name = "XmlError";
    this.offset = offset;
  }
}

/** The runtime refused a permission (Deno without the flag; the message names it). Code `ERR_PERMISSION`. */
export class PermissionError extends Oidc2AwsError {
  /** A denied permission and the flag that grants it. */
  constructor(message: string, options: ErrorOptions = {}) {
    super("ERR_PERMISSION", message, options);
    this.name = "PermissionError";
  }
}

/** The command line's own errors: wrong arguments (`ERR_USAGE`), a command `exec` cannot start (`ERR_EXEC`). */
export class CliError extends Oidc2AwsError {
  /** A usage or exec error. */
  constructor(code: CliErrorCode, message: string, options: ErrorOptions = {}) {
    super(code, message, options);
    this.name = "CliError";
  }
}

/** Whether an HTTP status is worth another attempt: 408, 429 and 5xx. @internal */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Whether an error is Deno's refusal of a permission (`NotCapable`, `PermissionDenied`, "Requires …
 * access"): the one place that recognises it, for the runtime adapter, the HTTP layer and the CLI.
 * @internal
 */
export function isPermissionDenied(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === "NotCapable" || name === "PermissionDenied" ||
    /Requires \w+ access/.test(String((err as { message?: string } | null)?.message ?? ""));
}
