/**
 * The error classes of oidc2aws. Every error has a stable string `code`; messages say what
 * failed, why, and what to do, and never contain a token, a bearer or a secret key.
 *
 * @module
 */

/** Every `code` an {@linkcode Oidc2AwsError} can carry. */
export type ErrorCode =
  | "ERR_CONFIG_SYNTAX"
  | "ERR_CONFIG_READ"
  | "ERR_CONFIG_INVALID"
  | "ERR_PROFILE_NOT_FOUND"
  | "ERR_NOT_WEB_IDENTITY"
  | "ERR_TOKEN_UNAVAILABLE"
  | "ERR_TOKEN_HTTP"
  | "ERR_TOKEN_RESPONSE"
  | "ERR_INSECURE_URL"
  | "ERR_STS"
  | "ERR_STS_RESPONSE"
  | "ERR_XML"
  | "ERR_NETWORK"
  | "ERR_TIMEOUT"
  | "ERR_PERMISSION"
  | "ERR_USAGE"
  | "ERR_EXEC";

/** Options shared by every oidc2aws error. */
export interface ErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
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

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "Oidc2AwsError";
    this.code = code;
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

/** Says where a value came from, for messages: `AWS_ROLE_ARN`, `role_arn in profile "ci" (aws_config)`. */
export function describeOrigin(origin: ValueOrigin): string {
  if (origin.option) return origin.option;
  if (origin.envVar) return origin.envVar;
  const where = origin.file ? ` (${origin.file})` : "";
  if (origin.key && origin.profile !== undefined) return `${origin.key} in profile "${origin.profile}"${where}`;
  return `${origin.key ?? "a setting"}${where}`;
}

/** An AWS config or credentials file could not be parsed. Code `ERR_CONFIG_SYNTAX`. */
export class ConfigSyntaxError extends Oidc2AwsError {
  /** The file, as named by the caller (or "config file"). */
  readonly file: string;
  /** The 1-based line number of the offending line. */
  readonly line: number;

  constructor(file: string, line: number, problem: string) {
    super("ERR_CONFIG_SYNTAX", `Cannot parse ${file} at line ${line}: ${problem}`);
    this.name = "ConfigSyntaxError";
    this.file = file;
    this.line = line;
  }
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

  constructor(
    code: "ERR_CONFIG_INVALID" | "ERR_PROFILE_NOT_FOUND" | "ERR_NOT_WEB_IDENTITY" | "ERR_CONFIG_READ",
    message: string,
    fields: { file?: string; profile?: string; key?: string; cause?: unknown } = {},
  ) {
    super(code, message, { cause: fields.cause });
    this.name = "ConfigError";
    if (fields.file !== undefined) this.file = fields.file;
    if (fields.profile !== undefined) this.profile = fields.profile;
    if (fields.key !== undefined) this.key = fields.key;
  }
}

/** The OIDC token could not be obtained: `ERR_TOKEN_UNAVAILABLE`, `ERR_TOKEN_HTTP`, `ERR_TOKEN_RESPONSE`. */
export class TokenError extends Oidc2AwsError {
  /** The HTTP status of the token server's answer, when there was one. */
  readonly status?: number;

  constructor(
    code: "ERR_TOKEN_UNAVAILABLE" | "ERR_TOKEN_HTTP" | "ERR_TOKEN_RESPONSE",
    message: string,
    fields: { status?: number; cause?: unknown } = {},
  ) {
    super(code, message, { cause: fields.cause });
    this.name = "TokenError";
    if (fields.status !== undefined) this.status = fields.status;
  }
}

/** The claims of an OIDC token that trust policies test (never the token itself). */
export interface TokenClaims {
  iss?: string;
  aud?: string | string[];
  sub?: string;
  exp?: number;
  nbf?: number;
  iat?: number;
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
  /** The role that was to be assumed. */
  readonly roleArn?: string;
  /** The token's claims, on errors where they explain the failure (AccessDenied and the like). */
  claims?: TokenClaims;

  constructor(fields: {
    status: number;
    awsCode: string;
    awsMessage: string;
    requestId?: string;
    retryable: boolean;
    roleArn?: string;
    message?: string;
  }) {
    super(
      "ERR_STS",
      fields.message ??
        `${fields.roleArn ? `Cannot assume role ${fields.roleArn}` : "STS refused the request"}: ${fields.awsCode}` +
          (fields.awsMessage ? ` (${fields.awsMessage})` : ""),
    );
    this.name = "StsError";
    this.status = fields.status;
    this.awsCode = fields.awsCode;
    this.awsMessage = fields.awsMessage;
    if (fields.requestId !== undefined) this.requestId = fields.requestId;
    this.retryable = fields.retryable;
    if (fields.roleArn !== undefined) this.roleArn = fields.roleArn;
  }
}

/** An HTTP exchange failed: `ERR_NETWORK` (transport), `ERR_TIMEOUT`, `ERR_STS_RESPONSE`, `ERR_INSECURE_URL`. */
export class HttpError extends Oidc2AwsError {
  /** The HTTP status, when an answer arrived. */
  readonly status?: number;
  /** The answer's content type, when an answer arrived. */
  readonly contentType?: string;
  /** Whether trying again can succeed. */
  readonly retryable: boolean;

  constructor(
    code: "ERR_NETWORK" | "ERR_TIMEOUT" | "ERR_STS_RESPONSE" | "ERR_INSECURE_URL",
    message: string,
    fields: { status?: number; contentType?: string; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(code, message, { cause: fields.cause });
    this.name = "HttpError";
    if (fields.status !== undefined) this.status = fields.status;
    if (fields.contentType !== undefined) this.contentType = fields.contentType;
    this.retryable = fields.retryable ?? false;
  }
}

/** A document could not be read as XML. Code `ERR_XML`. */
export class XmlError extends Oidc2AwsError {
  /** The offset in the text where reading stopped. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super("ERR_XML", message);
    this.name = "XmlError";
    this.offset = offset;
  }
}

/**
 * Whether an error is Deno's refusal of a permission (`NotCapable`, `PermissionDenied`, "Requires …
 * access"): the one place that recognises it, for the runtime adapter, the HTTP layer and the CLI.
 */
export function isPermissionDenied(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === "NotCapable" || name === "PermissionDenied" ||
    /Requires \w+ access/.test(String((err as { message?: string } | null)?.message ?? ""));
}
