/**
 * Turns env vars and AWS config profiles into a validated {@linkcode WebIdentityProfile}: which role
 * to assume, with which token, through which STS endpoint. No network call is made here.
 *
 * @module
 */
import { loadConfig, type LoadedConfig } from "./config_files.ts";
import { stsEndpointFor } from "./endpoint.ts";
import { ConfigError, describeOrigin, type ValueOrigin } from "./errors.ts";
import { envValue, expandPath } from "./_path.ts";
import { own } from "./config.ts";
import { parseTokenEnv, parseTokenProcess, parseTokenServer, type TokenSpec } from "./token_spec.ts";
import { type Env, hostDefaults, type HostOptions } from "./host.ts";
import * as settings from "./_settings.ts";
import { ENV_VARS, type Found, lookup, SETTINGS, type SettingSources } from "./_settings.ts";

export { ENV_VARS };

/** Everything needed to assume one role with a web identity token. */
export interface WebIdentityProfile {
  /** The profile's name (`default` when only env vars configure it). */
  name: string;
  /** The role to assume. */
  roleArn: string;
  /** Where the OIDC token comes from. */
  token: TokenSpec;
  /** The session name shown in CloudTrail and in the assumed-role ARN. */
  roleSessionName: string;
  /**
   * True when no session name was configured and `roleSessionName` is oidc2aws's default
   * (`GitHubActions-<run>-<attempt>`, else `oidc2aws-<unix seconds>`, which changes every second).
   */
  roleSessionNameIsDefault?: boolean;
  /** The region, when one is configured. */
  region?: string;
  /** The session duration asked for (900–43200); STS defaults to 3600. */
  durationSeconds?: number;
  /** An inline session policy (JSON). */
  policy?: string;
  /** Managed session policy ARNs (at most 10). */
  policyArns?: string[];
  /** The STS endpoint URL. */
  stsEndpoint: string;
  /**
   * A PEM file of CA certificates trusted (next to the built-in ones) for the token server and STS:
   * `AWS_CA_BUNDLE`, else the profile's `ca_bundle`; where it was set, for messages. Used by the
   * runtime's fetch (an injected fetch is used as given).
   */
  caBundle?: { path: string; origin: ValueOrigin };
}

/** `credential_source = Environment`: the env's static keys sign the first `sts:AssumeRole` of a chain. */
export interface EnvironmentCredentialSource {
  /** `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, read when the role is assumed. */
  credentialSource: "Environment";
}

/**
 * A profile with `role_arn` and `source_profile` (or `credential_source = Environment`): its role is
 * assumed with `sts:AssumeRole`, signed (SigV4) with the source's credentials. The source is a web
 * identity profile, another chained profile (to any depth), or the environment's keys.
 */
export interface ChainedProfile {
  /** The profile's name. */
  name: string;
  /** The role to assume with the source's credentials. */
  roleArn: string;
  /** Whose credentials sign the call: the `source_profile`, resolved, or the environment's keys. */
  source: Profile | EnvironmentCredentialSource;
  /** The session name shown in CloudTrail and in the assumed-role ARN. */
  roleSessionName: string;
  /** True when no session name was configured and `roleSessionName` is oidc2aws's default. */
  roleSessionNameIsDefault?: boolean;
  /** The region, when one is configured. */
  region?: string;
  /** The session duration asked for: 900–3600 when the source is a role (AWS's limit for role chaining). */
  durationSeconds?: number;
  /** The `external_id` the role's trust policy may require. */
  externalId?: string;
  /** An inline session policy (JSON). */
  policy?: string;
  /** Managed session policy ARNs (at most 10). */
  policyArns?: string[];
  /** The STS endpoint URL. */
  stsEndpoint: string;
  /**
   * A PEM file of CA certificates trusted (next to the built-in ones) for the token server and STS:
   * `AWS_CA_BUNDLE`, else the profile's `ca_bundle`; where it was set, for messages. Used by the
   * runtime's fetch (an injected fetch is used as given).
   */
  caBundle?: { path: string; origin: ValueOrigin };
  /** The region the call is signed for (SigV4 scope): the region, or `us-east-1` at the global endpoint. */
  signingRegion: string;
}

/**
 * What {@linkcode resolveProfile} returns: a web identity profile (it has `token`) or a chained
 * profile (it has `source`); `"source" in profile` tells them apart.
 */
export type Profile = WebIdentityProfile | ChainedProfile;

/** Settings given directly (CLI flags, code): they win over env vars and the profile. */
export interface ProfileOverrides {
  /** The role to assume (instead of `role_arn` / `AWS_ROLE_ARN`). */
  roleArn?: string;
  /** A `web_identity_token_server` value. */
  tokenServer?: string;
  /** A token file path. */
  tokenFile?: string;
  /** The name of an env var holding the token (`web_identity_token_env`). */
  tokenEnv?: string;
  /** A command printing the token (`web_identity_token_process`). */
  tokenProcess?: string;
  /** The session name: 2 to 64 characters of letters, digits and `_+=,.@-` (`role_session_name`). */
  roleSessionName?: string;
  /** The region, which picks the STS endpoint (instead of `region` / `AWS_REGION`). */
  region?: string;
  /** The session duration in whole seconds, 900 to 43200 (`duration_seconds`); a string is parsed. */
  durationSeconds?: number | string;
  /** An inline session policy: a JSON object of at most 2048 characters (`policy`). */
  policy?: string;
  /** Managed session policy ARNs, at most 10: an array, or one comma-separated string (`policy_arns`). */
  policyArns?: string[] | string;
  /** Names the overrides in messages, e.g. `{ roleArn: "--role-arn" }`. Default: the option names. */
  labels?: Partial<Record<Exclude<keyof ProfileOverrides, "labels">, string>>;
}

/** Options of {@linkcode resolveProfile}. */
export interface ResolveProfileOptions extends HostOptions {
  /** The profile to use. When given, `AWS_ROLE_ARN`, `AWS_WEB_IDENTITY_TOKEN_*` and `AWS_ROLE_SESSION_NAME` are ignored. */
  profile?: string;
  /** Config files already loaded with {@linkcode loadConfig} (to resolve many profiles with one read). */
  config?: LoadedConfig;
  /** Values that win over env vars and the profile. */
  overrides?: ProfileOverrides;
  /**
   * A `web_identity_token_server` value to use when no token source is configured at all (the CLI
   * passes `auto`). Default: none, so such a profile is `ERR_NOT_WEB_IDENTITY`.
   */
  defaultTokenServer?: string;
}

/** The token source keys: exactly one of them (or the default) says where the token comes from. @internal */
export const TOKEN_KEYS = [
  "web_identity_token_server",
  "web_identity_token_file",
  "web_identity_token_env",
  "web_identity_token_process",
] as const;

/**
 * Resolves the profile to use into a {@linkcode WebIdentityProfile}, or a {@linkcode ChainedProfile}
 * when it has `source_profile` or `credential_source` (its source resolved too, to any depth),
 * validating every value. No network call is made.
 *
 * The profile is `options.profile`, else `AWS_DEFAULT_PROFILE`, else `AWS_PROFILE`, else `default`.
 * Env vars (`AWS_ROLE_ARN`, `AWS_WEB_IDENTITY_TOKEN_SERVER`, `AWS_WEB_IDENTITY_TOKEN_FILE`,
 * `AWS_ROLE_SESSION_NAME`) win over the profile's keys, even when empty, unless the profile is named
 * explicitly with `options.profile`. Region and endpoint env vars apply either way.
 *
 * @example
 * ```ts
 * import { resolveProfile } from "oidc2aws";
 * const profile = await resolveProfile({
 *   env: { AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/deploy", AWS_WEB_IDENTITY_TOKEN_SERVER: "GitHub", GITHUB_RUN_ID: "42", GITHUB_RUN_ATTEMPT: "1" },
 *   readFile: () => Promise.resolve(undefined),
 * });
 * console.log("token" in profile ? profile.token.type : "chained"); // "server"
 * console.log(profile.roleSessionName); // "GitHubActions-42-1"
 * console.log(profile.stsEndpoint); // "https://sts.amazonaws.com"
 * ```
 */
export async function resolveProfile(options: ResolveProfileOptions = {}): Promise<Profile> {
  const { env, readFile, now } = await hostDefaults(options, ["env", "readFile", "now"]);
  const config = options.config ?? await loadConfig({ env, readFile });
  const sources = settingSources(options, env, config);
  return resolveSources(sources, { config, now, defaultTokenServer: options.defaultTokenServer }, []);
}

/** What resolving a profile (and the profiles of its chain) needs besides its own settings. @internal */
export interface Resolution {
  config: LoadedConfig;
  now: () => number;
  defaultTokenServer: string | undefined;
}

/**
 * A profile with `source_profile` or `credential_source` is chained (./_profile_chain.ts, loaded only
 * then); any other is a web identity profile. `chain`: the profiles whose source this one is. @internal
 */
export async function resolveSources(
  sources: SettingSources,
  resolution: Resolution,
  chain: readonly string[],
): Promise<Profile> {
  const sourceProfile = settings.fromProfile(sources, "source_profile");
  const credentialSource = settings.fromProfile(sources, "credential_source");
  if (sourceProfile || credentialSource) {
    const { resolveChained } = await import("./_profile_chain.ts");
    return resolveChained(sources, resolution, chain, sourceProfile, credentialSource);
  }
  return resolveWebIdentity(sources, resolution);
}

function resolveWebIdentity(sources: SettingSources, resolution: Resolution): WebIdentityProfile {
  const { config, now } = resolution;
  const env = sources.env;
  const token = tokenSource(sources, config, resolution.defaultTokenServer);
  const result: WebIdentityProfile = {
    name: sources.name,
    roleArn: settings.roleArn(role(sources, token.origin), env),
    token: token.spec,
    roleSessionName: "",
    stsEndpoint: "",
  };
  return Object.assign(result, roleSettings(sources, config, now));
}

/** The settings every role profile has: session name, duration, policies, region, endpoint. @internal */
export function roleSettings(sources: SettingSources, config: LoadedConfig, now: () => number): RoleSettings {
  const env = sources.env;
  const result: RoleSettings = { roleSessionName: "", stsEndpoint: "" };
  const session = lookup(sources, "role_session_name");
  if (session && session.value.trim() !== "") result.roleSessionName = settings.sessionName(session, env);
  else {
    result.roleSessionName = defaultSessionName(env, now);
    result.roleSessionNameIsDefault = true;
  }
  const duration = lookup(sources, "duration_seconds");
  if (duration) result.durationSeconds = settings.durationSeconds(duration, env);
  const policy = lookup(sources, "policy");
  if (policy) result.policy = settings.policy(policy);
  const policyArns = lookup(sources, "policy_arns");
  const arns = policyArns && settings.policyArns(policyArns, env);
  if (arns) result.policyArns = arns;
  const region = lookup(sources, "region");
  const regionName = region && settings.region(region, env);
  if (regionName) result.region = regionName;
  result.stsEndpoint = stsEndpoint(sources, config, result.region);
  const caBundle = lookup(sources, "ca_bundle");
  if (caBundle && caBundle.value.trim() !== "") {
    result.caBundle = { path: expandPath(caBundle.value.trim(), env), origin: caBundle.origin };
  }
  return result;
}

/** The fields of {@linkcode roleSettings}. @internal */
export type RoleSettings = Pick<
  WebIdentityProfile,
  | "roleSessionName"
  | "roleSessionNameIsDefault"
  | "durationSeconds"
  | "policy"
  | "policyArns"
  | "region"
  | "stsEndpoint"
  | "caBundle"
>;

/** The profile at the start of a chain: the profile itself unless it is chained. @internal */
export function rootOf(profile: Profile): WebIdentityProfile | EnvironmentCredentialSource {
  let current: Profile | EnvironmentCredentialSource = profile;
  while ("source" in current) current = current.source;
  return current;
}

/** The profile to use (named, or from the environment) and everything its settings are looked up in. */
function settingSources(options: ResolveProfileOptions, env: Env, config: LoadedConfig): SettingSources {
  const explicit = options.profile !== undefined && options.profile !== "";
  const defaultProfile = explicit ? undefined : envValue(env, "AWS_DEFAULT_PROFILE");
  const profile = explicit || defaultProfile ? undefined : envValue(env, "AWS_PROFILE");
  const [name, nameOrigin] = explicit
    ? [options.profile!, "--profile"]
    : defaultProfile
    ? [defaultProfile, "AWS_DEFAULT_PROFILE"]
    : profile
    ? [profile, "AWS_PROFILE"]
    : ["default", undefined];
  const section = own(config.profiles, name);
  if (!section && nameOrigin !== undefined) throw profileNotFound(name, nameOrigin, config);
  const { labels = {}, ...overrides } = options.overrides ?? {};
  return { name, explicit, section, files: own(config.origins, name), env, overrides, labels };
}

/** The token source: exactly one of the four kinds. A source given as an override replaces them all. */
function tokenSource(
  sources: SettingSources,
  config: LoadedConfig,
  defaultTokenServer: string | undefined,
): { spec: TokenSpec; origin: Found["origin"] } {
  // Loops rather than some, map and filter: the first call of each costs Bun 0.07–0.3 ms.
  let direct = false;
  for (const key of TOKEN_KEYS) direct ||= sources.overrides[SETTINGS[key].override!] !== undefined;
  const found = [];
  const present = [];
  for (const key of TOKEN_KEYS) {
    const source = {
      key,
      found: direct ? settings.fromOverride(sources, SETTINGS[key].override!) : lookup(sources, key),
    };
    found.push(source);
    if (source.found?.value) present.push(source);
  }
  if (present.length > 1) {
    throw ConfigError.invalid(
      present[0].found!.origin,
      `and ${present.slice(1).map((p) => describeOrigin(p.found!.origin)).join(" and ")} are ${
        present.length > 2 ? "all" : "both"
      } set, so the token source is ambiguous: keep only one of them`,
    );
  }
  const chosen = present[0] ?? (defaultTokenServer === undefined ? undefined : {
    key: "web_identity_token_server" as const,
    found: { value: defaultTokenServer, origin: { option: "the default token source" } },
  });
  if (!chosen) throw notWebIdentity(sources, describeFiles(config), found.map((source) => source.found));
  const { value, origin } = chosen.found!;
  const spec: TokenSpec = chosen.key === "web_identity_token_server"
    ? parseTokenServer(value, origin)
    : chosen.key === "web_identity_token_file"
    ? { type: "file", path: expandPath(value.trim(), sources.env) }
    : chosen.key === "web_identity_token_env"
    ? parseTokenEnv(value, origin)
    : parseTokenProcess(value, origin);
  return { spec, origin };
}

/** The role ARN, which a profile with a token source must have. */
function role(sources: SettingSources, tokenOrigin: Found["origin"]): Found {
  const found = lookup(sources, "role_arn");
  if (found && found.value !== "") return found;
  const where = found ? `${describeOrigin(found.origin)} is empty` : "no role ARN is set";
  // A profile named explicitly ignores AWS_ROLE_ARN: only its own role_arn (or a flag) can help.
  const fix = sources.explicit
    ? `set role_arn in profile "${sources.name}"`
    : `set role_arn in profile "${sources.name}" or AWS_ROLE_ARN`;
  throw new ConfigError(
    "ERR_CONFIG_INVALID",
    `${describeOrigin(tokenOrigin)} sets a web identity token source but ${where}: ` +
      `${fix} to the role to assume (arn:aws:iam::123456789012:role/NAME)`,
    { file: found?.origin.file ?? tokenOrigin.file, profile: sources.name, key: "role_arn" },
  );
}

/** The STS endpoint: a configured one (unless ignored), else the region's by the partition rules. */
function stsEndpoint(sources: SettingSources, config: LoadedConfig, region: string | undefined): string {
  const flag = (key: "use_fips_endpoint" | "use_dualstack_endpoint" | "ignore_configured_endpoint_urls") => {
    const found = lookup(sources, key);
    return found && settings.boolean(found, sources.env) ? found : undefined;
  };
  const fips = flag("use_fips_endpoint");
  const dualStack = flag("use_dualstack_endpoint");
  const mode = lookup(sources, "sts_regional_endpoints");
  const modeValue = mode && settings.stsRegionalEndpoints(mode, sources.env);
  const custom = flag("ignore_configured_endpoint_urls") ? undefined : configuredEndpoint(sources, config);
  if (custom) {
    const variant = fips ?? dualStack;
    if (variant) {
      throw ConfigError.invalid(
        variant.origin,
        `asks for a FIPS or dual-stack endpoint, but ${describeOrigin(custom.origin)} sets a custom STS endpoint; ` +
          "AWS does not support both: remove one of them",
      );
    }
    return settings.endpointUrl(custom, sources.env);
  }
  return stsEndpointFor(region, { fips: !!fips, dualStack: !!dualStack, mode: modeValue });
}

/** `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, the profile's `services` section, then its `endpoint_url`. */
function configuredEndpoint(sources: SettingSources, config: LoadedConfig): Found | undefined {
  for (const envVar of ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"]) {
    const value = envValue(sources.env, envVar);
    if (value) return { value, origin: { envVar } };
  }
  const name = own(sources.section, "services");
  const services = typeof name === "string" ? name.trim() : undefined;
  const block = services !== undefined ? own(own(config.services, services), "sts") : undefined;
  const url = block && typeof block !== "string" ? own(block, "endpoint_url") : undefined;
  if (url) {
    return {
      value: url,
      origin: { file: config.files.config, key: `sts.endpoint_url in [services ${services}]` },
    };
  }
  const profileUrl = settings.fromProfile(sources, "endpoint_url");
  return profileUrl && profileUrl.value !== "" ? profileUrl : undefined;
}

/** `GitHubActions-<run id>-<attempt>` in GitHub Actions, else `oidc2aws-<unix seconds>`. */
function defaultSessionName(env: Env, now: () => number): string {
  const runId = envValue(env, "GITHUB_RUN_ID");
  if (runId && /^\d+$/.test(runId)) {
    const runAttempt = envValue(env, "GITHUB_RUN_ATTEMPT");
    const attempt = runAttempt && /^\d+$/.test(runAttempt) ? `-${runAttempt}` : "";
    return `GitHubActions-${runId}${attempt}`.slice(0, 64);
  }
  return `oidc2aws-${Math.floor(now() / 1000)}`;
}

/** The config files a profile was looked for in, for messages. @internal */
export function describeFiles(config: LoadedConfig): string {
  const files = [config.files.config, config.files.credentials].filter((f): f is string => f !== undefined);
  return files.length ? files.join(" and ") : "no config file (AWS_CONFIG_FILE is empty)";
}

function profileNotFound(name: string, origin: string, config: LoadedConfig): ConfigError {
  const names = Object.keys(config.profiles);
  const known = names.length
    ? `profiles there: ${names.slice(0, 20).join(", ")}${names.length > 20 ? ", ..." : ""}`
    : "it has no profiles";
  const from = origin === "--profile" ? "" : ` (from ${origin})`;
  return new ConfigError(
    "ERR_PROFILE_NOT_FOUND",
    `Profile "${name}"${from} is not in ${describeFiles(config)}; ${known}. ` +
      `Name one of those, add [profile ${name}], or point AWS_CONFIG_FILE at the file that has it`,
    { profile: name, file: config.files.config },
  );
}

function notWebIdentity(sources: SettingSources, files: string, found: Array<Found | undefined>): ConfigError {
  const { name, explicit } = sources;
  const emptied = found.filter((f): f is Found => f?.origin.envVar !== undefined && f.value === "");
  const masked = emptied.length
    ? ` ${emptied.map((f) => f.origin.envVar).join(" and ")} ${
      emptied.length > 1 ? "are" : "is"
    } set but empty, which hides the profile's own key; unset ${emptied.length > 1 ? "them" : "it"} or give it a value.`
    : "";
  const keys = TOKEN_KEYS.join(", ");
  const envVars = TOKEN_KEYS.map((key) => ENV_VARS[key]).join(", ");
  return new ConfigError(
    "ERR_NOT_WEB_IDENTITY",
    `Profile "${name}" has no web identity token source: looked for ${keys} in ${files}` +
      `${explicit ? "" : `, and ${envVars} in the environment`}.${masked} ` +
      `Set web_identity_token_server = GitHub (or your CI's name, or auto) with role_arn in the profile` +
      `${explicit ? "" : ", or AWS_WEB_IDENTITY_TOKEN_SERVER with AWS_ROLE_ARN"}`,
    { profile: name },
  );
}
