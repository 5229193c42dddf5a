/**
 * A loopback stand-in for both ends of the oidc2aws flow, for tests and
 * benchmarks: the token sources of CI platforms (GitHub Actions' token server,
 * Buildkite's agent API, Azure DevOps' OIDC endpoint, Google Cloud's metadata
 * server, and platform-shaped tokens for the env-var platforms) and an STS
 * endpoint (AssumeRoleWithWebIdentity, GetCallerIdentity) on one 127.0.0.1
 * port, with fault injection and a request log. It never contacts another host.
 *
 * @example
 * ```ts
 * import { PLATFORM_AUDIENCES, startEmulator } from "./mod.ts";
 *
 * await using emulator = await startEmulator({
 *   roles: { "arn:aws:iam::123456789012:role/deploy": { sub: "repo:octo-org/*" } },
 *   audiences: ["sts.amazonaws.com", PLATFORM_AUDIENCES.circleci],
 * });
 * emulator.fault("sts", { stsError: "Throttling" }); // the next STS call is throttled
 * // point the code under test at emulator.env, then check emulator.count("sts")
 * const circleci = await emulator.envFor("circleci"); // CIRCLECI=true, CIRCLE_OIDC_TOKEN_V2=…, AWS_ENDPOINT_URL_STS=…
 * ```
 *
 * @module
 */

export {
  type Emulator,
  type EmulatorOptions,
  type EnvForOptions,
  type MintOptions,
  type RequestRecord,
  startEmulator,
} from "./server.ts";
export {
  AZURE_AUDIENCE,
  DEFAULT_AZURE_SERVICE_CONNECTIONS,
  GCP_SERVICE_ACCOUNT_EMAIL,
  gitlabIdTokenVariable,
  type Platform,
  PLATFORM_AUDIENCES,
  PLATFORM_LIFETIMES,
  PLATFORM_SUBJECTS,
  type PlatformClaims,
  PLATFORMS,
} from "./platforms.ts";
export { AZURE_API_VERSIONS } from "./azure.ts";
export { FAULT_TARGETS } from "./faults.ts";
export type {
  DelayFault,
  DropFault,
  Fault,
  FaultCommon,
  FaultTarget,
  HangFault,
  HtmlFault,
  HugeBodyFault,
  RawFault,
  RedirectFault,
  StsErrorCode,
  StsErrorFault,
  TruncateFault,
} from "./faults.ts";
export {
  DEFAULT_DURATION_SECONDS,
  type IssuedCredentials,
  matchesStringLike,
  type RoleTrust,
  STS_API_VERSION,
  STS_ERROR_STATUS,
  STS_XMLNS,
} from "./sts.ts";
export { DEFAULT_SUBJECT, DEFAULT_TOKEN_LIFETIME_SECONDS } from "./oidc.ts";
export type { Claims } from "./jwt.ts";
