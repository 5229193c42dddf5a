/**
 * A loopback stand-in for both ends of the oidc2aws flow, for tests and
 * benchmarks: the token sources of CI platforms (GitHub Actions' token server,
 * Buildkite's agent API, Azure DevOps' OIDC endpoint, Google Cloud's metadata
 * server, and platform-shaped tokens for the env-var platforms) and an STS
 * endpoint (AssumeRoleWithWebIdentity, GetCallerIdentity) on one 127.0.0.1
 * port, with fault injection and a request log. It never contacts another host.
 *
 * Each CI platform lives in one file under `platforms/` (its token claims, its
 * job's env, its token endpoint if it has one), named by the library's
 * `Platform` ids (`"GitHub"`, `"GitLab"`, `"AzureDevOps"`, …) and listed in
 * `platforms/mod.ts`.
 *
 * @example
 * ```ts
 * import { PLATFORM_AUDIENCES, startEmulator } from "./mod.ts";
 *
 * await using emulator = await startEmulator({
 *   roles: { "arn:aws:iam::123456789012:role/deploy": { sub: "repo:octo-org/*" } },
 *   audiences: ["sts.amazonaws.com", PLATFORM_AUDIENCES.CircleCI],
 * });
 * emulator.fault("sts", { stsError: "Throttling" }); // the next STS call is throttled
 * // point the code under test at emulator.env, then check emulator.count("sts")
 * const circleci = await emulator.envFor("CircleCI"); // CIRCLECI=true, CIRCLE_OIDC_TOKEN_V2=…, AWS_ENDPOINT_URL_STS=…
 * ```
 *
 * @module
 */

export type { Emulator, EmulatorOptions, EnvForOptions, MintOptions, RequestRecord } from "./types.ts";
export { startEmulator } from "./server.ts";
export type { EmulatedPlatform, PlatformClaims, PlatformEmulator } from "./platforms/_platform.ts";
export {
  PLATFORM_AUDIENCES,
  PLATFORM_EMULATORS,
  PLATFORM_LIFETIMES,
  PLATFORM_SUBJECTS,
  PLATFORMS,
} from "./platforms/mod.ts";
export { DEFAULT_SUBJECT, DEFAULT_TOKEN_LIFETIME_SECONDS } from "./platforms/github.ts";
export { gitlabIdTokenVariable } from "./platforms/gitlab.ts";
export { AZURE_API_VERSIONS, AZURE_AUDIENCE, DEFAULT_AZURE_SERVICE_CONNECTIONS } from "./platforms/azure_devops.ts";
export { GCP_SERVICE_ACCOUNT_EMAIL } from "./platforms/google_cloud.ts";
export { FAULT_TARGETS } from "./server.ts";
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
export type { Claims } from "./jwt.ts";
