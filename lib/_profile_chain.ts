/**
 * Resolving a chained profile (`source_profile` or `credential_source`), which ./profile.ts loads
 * only for one: its role, its source (resolved the same way, to any depth), and the checks that make
 * a chain unambiguous.
 *
 * @module
 */
import { ConfigError, describeOrigin } from "./errors.ts";
import { quote } from "./_redact.ts";
import { own } from "./config.ts";
import * as settings from "./_settings.ts";
import { type Found, lookup, SETTINGS, type SettingSources } from "./_settings.ts";
import {
  type ChainedProfile,
  describeFiles,
  type Profile,
  type Resolution,
  resolveSources,
  roleSettings,
  TOKEN_KEYS,
} from "./profile.ts";

/** AWS's limit on a session assumed with another role's credentials (role chaining). */
const CHAINED_MAX_SECONDS = 3600;

/**
 * A chained profile: `role_arn` assumed with `sts:AssumeRole`, signed with the credentials of
 * `source_profile` (resolved the same way, to any depth) or of the environment
 * (`credential_source = Environment`). Its own keys only: `AWS_ROLE_ARN` and the token env vars do
 * not apply to it (botocore's assume-role provider reads the profile alone); region and endpoint
 * env vars and overrides do.
 */
export async function resolveChained(
  sources: SettingSources,
  resolution: Resolution,
  chain: readonly string[],
  sourceProfile: Found | undefined,
  credentialSource: Found | undefined,
): Promise<ChainedProfile> {
  const { config, now } = resolution;
  const env = sources.env;
  const own: SettingSources = { ...sources, explicit: true };
  const origin = (sourceProfile ?? credentialSource)!.origin;
  if (sourceProfile && credentialSource) {
    throw ConfigError.invalid(
      sourceProfile.origin,
      `and ${
        describeOrigin(credentialSource.origin)
      } are both set: a role's credentials come from one of them, keep one`,
    );
  }
  const mfa = settings.fromProfile(sources, "mfa_serial");
  if (mfa) {
    throw ConfigError.invalid(
      mfa.origin,
      "asks for an MFA code, which no one can type in a CI job: remove mfa_serial (and any MFA condition in the " +
        "role's trust policy)",
    );
  }
  const tokenKey = TOKEN_KEYS.map((key) =>
    sources.overrides[SETTINGS[key].override!] !== undefined
      ? settings.fromOverride(sources, SETTINGS[key].override!)
      : settings.fromProfile(sources, key)
  ).find((found) => found?.value);
  if (tokenKey) {
    throw ConfigError.invalid(
      tokenKey.origin,
      `and ${describeOrigin(origin)} are both set, so where the credentials come from is ambiguous: a chained ` +
        "profile takes them from its source; keep only one of them",
    );
  }
  const roleFound = lookup(own, "role_arn");
  if (!roleFound || roleFound.value.trim() === "") {
    throw new ConfigError(
      "ERR_CONFIG_INVALID",
      `${describeOrigin(origin)} is set but profile "${sources.name}" has no role_arn: set role_arn to the role to ` +
        "assume with the source's credentials (arn:aws:iam::123456789012:role/NAME)",
      { file: origin.file, profile: sources.name, key: "role_arn" },
    );
  }
  const visiting = [...chain, sources.name];
  let source: ChainedProfile["source"];
  if (sourceProfile) {
    source = await sourceOf(sourceProfile, sources, resolution, visiting);
  } else {
    const value = credentialSource!.value.trim();
    if (value === "Ec2InstanceMetadata" || value === "EcsContainer") {
      throw ConfigError.invalid(
        credentialSource!.origin,
        `is ${value}: oidc2aws gets credentials from a CI job's OIDC token, not from instance or container ` +
          "metadata: use source_profile = a web identity profile, or credential_source = Environment",
      );
    }
    if (value !== "Environment") {
      throw ConfigError.invalid(
        credentialSource!.origin,
        `is ${quote(env, value)}: use Environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or source_profile`,
      );
    }
    source = { credentialSource: "Environment" };
  }
  const result: ChainedProfile = {
    name: sources.name,
    roleArn: settings.roleArn(roleFound, env),
    source,
    ...roleSettings(own, config, now),
    signingRegion: "",
  };
  const duration = lookup(own, "duration_seconds");
  if (sourceProfile && result.durationSeconds !== undefined && result.durationSeconds > CHAINED_MAX_SECONDS) {
    throw ConfigError.invalid(
      duration!.origin,
      `is ${result.durationSeconds}, but AWS limits a session assumed with another role's credentials (role ` +
        `chaining) to one hour: use at most ${CHAINED_MAX_SECONDS}`,
    );
  }
  const externalId = settings.fromProfile(sources, "external_id");
  if (externalId) result.externalId = settings.externalId(externalId, env);
  result.signingRegion = signingRegion(result.stsEndpoint, result.region);
  return result;
}

/** The profile `source_profile` names, resolved; a cycle, a missing profile or one without credentials is an error. */
async function sourceOf(
  found: Found,
  sources: SettingSources,
  resolution: Resolution,
  visiting: readonly string[],
): Promise<Profile> {
  const name = found.value.trim();
  const { config } = resolution;
  if (visiting.includes(name)) {
    const cycle = [...visiting.slice(visiting.indexOf(name)), name].join(" -> ");
    throw ConfigError.invalid(
      found.origin,
      `makes a cycle of profiles (${cycle}): a chain must end at a web identity profile or at ` +
        "credential_source = Environment",
    );
  }
  const section = own(config.profiles, name);
  if (!section) {
    const names = Object.keys(config.profiles);
    throw ConfigError.invalid(
      found.origin,
      `names profile "${name}", which is not in ${describeFiles(config)}` +
        (names.length ? ` (profiles there: ${names.slice(0, 20).join(", ")}${names.length > 20 ? ", ..." : ""})` : ""),
    );
  }
  const next: SettingSources = {
    name,
    explicit: true,
    section,
    files: own(config.origins, name),
    env: sources.env,
    overrides: {},
    labels: {},
  };
  try {
    return await resolveSources(next, resolution, visiting);
  } catch (err) {
    if (!(err instanceof ConfigError) || err.code !== "ERR_NOT_WEB_IDENTITY") throw err;
    throw ConfigError.invalid(
      found.origin,
      `names profile "${name}", which has no credentials to sign with: give it a web identity token source ` +
        "(web_identity_token_server = GitHub, with role_arn), or source_profile, or credential_source = Environment",
    );
  }
}

/** The region SigV4 signs for: us-east-1 at the global endpoint or with no region, else the region. */
function signingRegion(endpoint: string, region: string | undefined): string {
  const host = new URL(endpoint).hostname;
  return host === "sts.amazonaws.com" || region === undefined || region === "aws-global" ? "us-east-1" : region;
}
