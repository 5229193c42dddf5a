/**
 * A loopback stand-in for both ends of the oidc2aws flow, for tests and
 * benchmarks: a GitHub Actions-style OIDC token server and an STS endpoint
 * (AssumeRoleWithWebIdentity, GetCallerIdentity) on one 127.0.0.1 port, with
 * fault injection and a request log. It never contacts another host.
 *
 * @example
 * ```ts
 * import { startEmulator } from "./mod.ts";
 *
 * await using emulator = await startEmulator({
 *   roles: { "arn:aws:iam::123456789012:role/deploy": { sub: "repo:octo-org/*" } },
 * });
 * emulator.fault("sts", { stsError: "Throttling" }); // the next STS call is throttled
 * // point the code under test at emulator.env, then check emulator.count("sts")
 * ```
 *
 * @module
 */

export { type Emulator, type EmulatorOptions, type MintOptions, type RequestRecord, startEmulator } from "./server.ts";
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
