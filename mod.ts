/**
 * oidc2aws: AWS credentials from a CI job's OIDC token, for as many roles as the job needs.
 *
 * The CI's token server (GitHub Actions and others) hands the job a short-lived OIDC token; STS
 * trades it for role credentials with `AssumeRoleWithWebIdentity`, an unsigned call. oidc2aws does
 * both with one `fetch` each, configured by env vars (`AWS_ROLE_ARN`,
 * `AWS_WEB_IDENTITY_TOKEN_SERVER=GitHub`) or by AWS config profiles
 * (`web_identity_token_server = GitHub`). No runtime dependencies; Deno, Bun and Node.
 *
 * @example
 * ```ts ignore
 * import { fromWebIdentity } from "oidc2aws";
 * import { S3Client } from "@aws-sdk/client-s3";
 * const s3 = new S3Client({ credentials: fromWebIdentity({ profile: "deploy" }) });
 * ```
 *
 * @module
 */
export {
  CliError,
  type CliErrorCode,
  ConfigError,
  type ConfigErrorCode,
  ConfigSyntaxError,
  type ErrorCode,
  type ErrorOptions,
  HttpError,
  type HttpErrorCode,
  Oidc2AwsError,
  PermissionError,
  StsError,
  type StsErrorFields,
  StsResponseError,
  type TokenClaims,
  TokenError,
  type TokenErrorCode,
  type ValueOrigin,
  XmlError,
} from "./lib/errors.ts";
export type { Env, Fetch, FetchInit, FetchResponse, HostOptions, ReadFile, RunCommand } from "./lib/host.ts";
export { type ConfigSection, parseConfig, type ParseConfigOptions, type ParsedConfig } from "./lib/config.ts";
export { loadConfig, type LoadConfigOptions, type LoadedConfig } from "./lib/config_files.ts";
export {
  type AutoTokenSpec,
  type AzureTokenSpec,
  type BuildkiteTokenSpec,
  type ConcreteTokenSpec,
  DEFAULT_AUDIENCE,
  type EnvTokenSpec,
  type FileTokenSpec,
  type GoogleTokenSpec,
  parseTokenEnv,
  parseTokenProcess,
  parseTokenServer,
  type Platform,
  type ProcessTokenSpec,
  type ServerTokenSpec,
  type TokenSpec,
} from "./lib/token_spec.ts";
export { type Partition, partitionOf, stsEndpointFor, type StsEndpointOptions } from "./lib/endpoint.ts";
export {
  type ChainedProfile,
  ENV_VARS,
  type EnvironmentCredentialSource,
  type Profile,
  type ProfileOverrides,
  resolveProfile,
  type ResolveProfileOptions,
  type WebIdentityProfile,
} from "./lib/profile.ts";
export { detectTokenSource, getToken, type GetTokenOptions } from "./lib/token.ts";
export {
  assumeRoleWithWebIdentity,
  type AssumeRoleWithWebIdentityOptions,
  type AssumeRoleWithWebIdentityRequest,
  type AssumeRoleWithWebIdentityResult,
  STS_API_VERSION,
} from "./lib/sts.ts";
export { assumeRole, type AssumeRoleOptions } from "./lib/assume.ts";
export type { ChainHop, Credentials } from "./lib/credentials.ts";
export { type CredentialProvider, fromWebIdentity, type FromWebIdentityOptions } from "./lib/provider.ts";
export { DEFAULT_RETRY, type RetryPolicy } from "./lib/retry.ts";
export { decodeClaims } from "./lib/jwt.ts";
export { type ProxyDecision, proxyFor } from "./lib/proxy.ts";
export { VERSION } from "./lib/version.ts";
