/**
 * The emulated CI platforms, one file each, listed here in the order every
 * table follows (GitHub first). Adding a platform is one file and one line in
 * {@link PLATFORM_EMULATORS}. The claims of every platform's tokens follow its
 * documentation, cited in its file, except `iss`, which is always the
 * emulator's URL so its STS can verify them.
 *
 * Organisations, projects, accounts and so every default `sub` are fixed (so
 * trust policies can be written before the emulator starts); run, build and job
 * numbers are random per emulator, as they are per CI job.
 *
 * @module
 */

import type { Claims } from "../jwt.ts";
import type { EmulatedPlatform, PlatformContext, PlatformEmulator, TokenRequest } from "./_platform.ts";
import { azureDevOps } from "./azure_devops.ts";
import { bitbucket } from "./bitbucket.ts";
import { buildkite } from "./buildkite.ts";
import { circleci } from "./circleci.ts";
import { github } from "./github.ts";
import { gitlab } from "./gitlab.ts";
import { googleCloud } from "./google_cloud.ts";
import { spacelift } from "./spacelift.ts";
import { terraform } from "./terraform.ts";

/** Every emulated platform, GitHub first. */
export const PLATFORM_EMULATORS: readonly PlatformEmulator[] = [
  github,
  gitlab,
  circleci,
  bitbucket,
  buildkite,
  azureDevOps,
  googleCloud,
  terraform,
  spacelift,
];

/** Every {@link EmulatedPlatform}, GitHub first. */
export const PLATFORMS: readonly EmulatedPlatform[] = PLATFORM_EMULATORS.map((p) => p.id);

/** The `sub` each platform's tokens carry unless overridden (Azure DevOps: without a service connection). */
export const PLATFORM_SUBJECTS: Readonly<Record<EmulatedPlatform, string>> = table((p) => p.subject);

/**
 * The `aud` of the tokens the emulator mints when no audience is asked for:
 * what each platform issues by default, or `sts.amazonaws.com` where the job
 * always names one (GitHub for compatibility, GitLab's `id_tokens`, Google's
 * required `audience`).
 */
export const PLATFORM_AUDIENCES: Readonly<Record<EmulatedPlatform, string>> = table((p) => p.audience);

/** `exp - iat` each platform uses (GitHub's is the emulator's `tokenLifetimeSeconds`). */
export const PLATFORM_LIFETIMES: Readonly<Record<Exclude<EmulatedPlatform, "GitHub">, number>> = Object.fromEntries(
  PLATFORM_EMULATORS.filter((p) => p.lifetimeSeconds !== undefined).map((p) => [p.id, p.lifetimeSeconds]),
) as Record<Exclude<EmulatedPlatform, "GitHub">, number>;

/** The platform named `id`; a TypeError naming the known ones otherwise. */
export function platformById(id: string): PlatformEmulator {
  const platform = PLATFORM_EMULATORS.find((p) => p.id === id);
  if (!platform) {
    throw new TypeError(`Unknown platform ${JSON.stringify(id)}: expected one of ${PLATFORMS.join(", ")}`);
  }
  return platform;
}

/** The claims of a fresh token of `id`'s shape, overrides applied last. */
export function platformClaims(ctx: PlatformContext, id: EmulatedPlatform, request: TokenRequest = {}): Claims {
  return platformById(id).claims(ctx, request);
}

function table(value: (platform: PlatformEmulator) => string): Record<EmulatedPlatform, string> {
  return Object.fromEntries(PLATFORM_EMULATORS.map((p) => [p.id, value(p)])) as Record<EmulatedPlatform, string>;
}
