/**
 * `fromWebIdentity`: a refreshing credential provider for the AWS SDK v3 (or any caller).
 *
 * @module
 */
import { assumeRole, type AssumeRoleOptions } from "./assume.ts";
import type { Credentials } from "./credentials.ts";
import { type Profile, resolveProfile, type ResolveProfileOptions } from "./profile.ts";

/** A credential provider, as the AWS SDK v3 calls it. */
export type CredentialProvider = (props?: { forceRefresh?: boolean }) => Promise<Credentials>;

/** Options of {@linkcode fromWebIdentity}. */
export interface FromWebIdentityOptions extends ResolveProfileOptions, AssumeRoleOptions {
  /** An already resolved profile, web identity or chained (skips {@linkcode resolveProfile}). */
  resolved?: Profile;
  /** Refresh when fewer than this many milliseconds remain. Default 5 minutes, as the AWS SDKs. */
  refreshBeforeMs?: number;
  /**
   * If a refresh fails while the cached credentials still have more than this many milliseconds
   * left, the cached ones are returned. Default 1 minute.
   */
  mandatoryRefreshMs?: number;
}

/**
 * A provider of credentials for one profile, usable as `credentials:` of any AWS SDK v3 client.
 * It resolves the profile once, shares one call among concurrent callers, and caches the
 * credentials until fewer than 5 minutes remain; `forceRefresh` bypasses the cache. A chained profile
 * (`source_profile`) is refreshed whole: a new token, then each role of the chain again.
 *
 * @example
 * ```ts ignore
 * import { fromWebIdentity } from "oidc2aws";
 * import { S3Client } from "@aws-sdk/client-s3";
 * const prod = new S3Client({ credentials: fromWebIdentity({ profile: "prod" }) });
 * const audit = new S3Client({ credentials: fromWebIdentity({ profile: "audit" }) }); // two roles at once
 * ```
 */
export function fromWebIdentity(options: FromWebIdentityOptions = {}): CredentialProvider {
  const refreshBefore = options.refreshBeforeMs ?? 5 * 60_000;
  const mandatory = options.mandatoryRefreshMs ?? 60_000;
  const now = options.now ?? Date.now;
  let profile: Promise<Profile> | undefined = options.resolved && Promise.resolve(options.resolved);
  let cached: Credentials | undefined;
  let inFlight: Promise<Credentials> | undefined;

  const refresh = async (): Promise<Credentials> => {
    // A failed resolution is not kept: the next call tries again (the file may have been fixed).
    profile ??= resolveProfile(options).catch((err) => {
      profile = undefined;
      throw err;
    });
    return assumeRole(await profile, options);
  };

  return (props = {}) => {
    const left = cached ? cached.expiration.getTime() - now() : -Infinity;
    if (!props.forceRefresh && cached && left > refreshBefore) return Promise.resolve(cached);
    if (inFlight) return inFlight;
    const previous = props.forceRefresh ? undefined : cached;
    inFlight = refresh().then(
      (credentials) => (cached = credentials),
      (err) => {
        if (previous && previous.expiration.getTime() - now() > mandatory) return previous;
        throw err;
      },
    ).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
