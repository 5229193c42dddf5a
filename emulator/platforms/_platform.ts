/**
 * What one emulated CI platform is made of, and the helpers its file shares
 * with the others. A platform is one object ({@link PlatformEmulator}): its
 * id (the library's name for it), the `aud`, `sub` and lifetime of its tokens,
 * how it shapes their claims, the environment of one of its jobs, and the HTTP
 * routes of its token endpoint when it has one.
 *
 * @module
 */

import type { Platform } from "../../mod.ts";
import type { Claims, SigningKey } from "../jwt.ts";
import type { Route } from "../routes.ts";
import type { Emulator, EmulatorOptions, EnvForOptions } from "../types.ts";

/** The platforms whose jobs and tokens the emulator imitates, named as the library names them. */
export type EmulatedPlatform = Extract<
  Platform,
  | "GitHub"
  | "GitLab"
  | "CircleCI"
  | "Bitbucket"
  | "Buildkite"
  | "AzureDevOps"
  | "GoogleCloud"
  | "TerraformCloud"
  | "Spacelift"
>;

/** Claims per platform, merged over each platform's defaults (`undefined` removes one). */
export type PlatformClaims = { [P in EmulatedPlatform]?: Claims };

/** What a platform's code gets from the running emulator. */
export interface PlatformContext {
  /** The options the emulator was started with; each platform reads its own (bearers, job ids, …). */
  readonly options: EmulatorOptions;
  readonly key: SigningKey;
  /** `http://127.0.0.1:PORT`: the `iss` of every token and the base of every endpoint. */
  readonly url: string;
  readonly port: number;
  /** The token server's clock, in ms. */
  readonly now: () => number;
  /** Claim overrides per platform; GitHub's are `options.claims`, then `options.platformClaims.GitHub`. */
  readonly overrides: PlatformClaims;
  /** The per-emulator state of one platform (run ids, secrets), made by `init` on first use. */
  state<T>(platform: EmulatedPlatform, init: () => T): T;
}

/** One token's particulars, as `mintToken` and `envFor` ask for it. */
export interface TokenRequest {
  /** The `aud`; default the platform's. */
  audience?: string;
  /** Merged last (`undefined` removes a claim). */
  claims?: Claims;
  /** `exp - iat` asked for by the request (Buildkite's `lifetime`); wins over every default. */
  lifetimeSeconds?: number;
}

/** One emulated CI platform. */
export interface PlatformEmulator {
  /** The library's name for the platform. */
  readonly id: EmulatedPlatform;
  /** Its name on `emulator/main.ts --platform`. */
  readonly cliName: string;
  /** The `aud` of its tokens when no audience is asked for. */
  readonly audience: string;
  /** The `sub` of its tokens unless overridden. */
  readonly subject: string;
  /** `exp - iat` of its tokens; none for GitHub, whose lifetime is the emulator's `tokenLifetimeSeconds`. */
  readonly lifetimeSeconds?: number;
  /** What `emulator/main.ts`'s demo role trusts: any run of the default project. */
  readonly demoSubject: string | string[];
  /** The claims of a fresh token, overrides applied. */
  claims(ctx: PlatformContext, request: TokenRequest): Claims;
  /** The variables of a job on this platform (`envFor` adds `AWS_ENDPOINT_URL_STS` and `AWS_REGION`). */
  env(ctx: PlatformContext, options: EnvForOptions): Promise<Record<string, string>>;
  /** Its token endpoint, when the job asks one for its token. */
  readonly routes?: readonly Route[];
  /** The fields it adds to the {@link Emulator} object (URLs, secrets). */
  fields?(ctx: PlatformContext): Partial<Emulator>;
}

/** `iss`, `iat` and `exp` of a fresh token: the request's lifetime, else the emulator's, else the platform's. */
export function stamp(
  ctx: PlatformContext,
  request: TokenRequest,
  platformLifetime: number,
): { iss: string; iat: number; exp: number } {
  const iat = Math.floor(ctx.now() / 1000);
  const exp = iat + (request.lifetimeSeconds || ctx.options.tokenLifetimeSeconds || platformLifetime);
  return { iss: ctx.url, iat, exp };
}

/** `claims` with the platform's overrides, then the request's, applied (`undefined` removes one). */
export function withOverrides(
  ctx: PlatformContext,
  platform: EmulatedPlatform,
  claims: Claims,
  request: TokenRequest = {},
): Claims {
  for (const [name, value] of Object.entries({ ...ctx.overrides[platform], ...request.claims })) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return claims;
}

/** A random number of `digits` digits, as text (run, build and job numbers). */
export function randomNumber(digits: number): string {
  return String(10 ** (digits - 1) + Math.floor(Math.random() * 9 * 10 ** (digits - 1)));
}

/** What every job's env adds: STS at the emulator, and a region. */
export function awsEnv(ctx: PlatformContext): Record<string, string> {
  return { AWS_ENDPOINT_URL_STS: ctx.url, AWS_REGION: "us-east-1" };
}
