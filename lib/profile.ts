/**
 * Turns env vars and AWS config profiles into a validated {@linkcode WebIdentityProfile}: which role
 * to assume, with which token, through which STS endpoint. No network call is made here.
 *
 * @module
 */
import { type ConfigSection, loadConfig, type LoadedConfig } from "./config.ts";
import { stsEndpointFor } from "./endpoint.ts";
import { ConfigError, describeOrigin, type ValueOrigin } from "./errors.ts";
import { expandPath } from "./_path.ts";
import { parseTokenEnv, parseTokenProcess, parseTokenServer, type TokenSpec } from "./token_spec.ts";
import { quote } from "./_redact.ts";
import { hostDefaults } from "./host.ts";
import type { HostOptions } from "./host.ts";

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
}

/** Settings given directly (CLI flags, code): they win over env vars and the profile. */
export interface ProfileOverrides {
  roleArn?: string;
  /** A `web_identity_token_server` value. */
  tokenServer?: string;
  /** A token file path. */
  tokenFile?: string;
  /** The name of an env var holding the token (`web_identity_token_env`). */
  tokenEnv?: string;
  /** A command printing the token (`web_identity_token_process`). */
  tokenProcess?: string;
  roleSessionName?: string;
  region?: string;
  durationSeconds?: number | string;
  policy?: string;
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

/** The names of the env vars this module reads, by profile key. */
export const ENV_VARS = {
  role_arn: "AWS_ROLE_ARN",
  web_identity_token_server: "AWS_WEB_IDENTITY_TOKEN_SERVER",
  web_identity_token_file: "AWS_WEB_IDENTITY_TOKEN_FILE",
  web_identity_token_env: "AWS_WEB_IDENTITY_TOKEN_ENV",
  web_identity_token_process: "AWS_WEB_IDENTITY_TOKEN_PROCESS",
  role_session_name: "AWS_ROLE_SESSION_NAME",
} as const;

/** The token source keys, with the override that replaces each. */
const TOKEN_SOURCES = [
  ["web_identity_token_server", "tokenServer"],
  ["web_identity_token_file", "tokenFile"],
  ["web_identity_token_env", "tokenEnv"],
  ["web_identity_token_process", "tokenProcess"],
] as const;

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\x21-\x7e]*\/)?[\w+=,.@-]{1,64}$/;
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(?:\d{12}|aws):policy\/(?:[\x21-\x7e]*\/)?[\w+=,.@-]{1,128}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const REGION = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

interface Found {
  value: string;
  origin: ValueOrigin;
}

/**
 * Resolves the profile to use into a {@linkcode WebIdentityProfile}, validating every value.
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
 * console.log(profile.roleSessionName); // "GitHubActions-42-1"
 * console.log(profile.stsEndpoint); // "https://sts.amazonaws.com"
 * ```
 */
export async function resolveProfile(options: ResolveProfileOptions = {}): Promise<WebIdentityProfile> {
  const { env, readFile, now } = await hostDefaults(options, ["env", "readFile", "now"]);
  const config = options.config ?? await loadConfig({ env, readFile });
  const overrides = options.overrides ?? {};
  const explicit = options.profile !== undefined && options.profile !== "";
  const [name, nameOrigin] = explicit
    ? [options.profile!, "--profile"]
    : env.AWS_DEFAULT_PROFILE
    ? [env.AWS_DEFAULT_PROFILE, "AWS_DEFAULT_PROFILE"]
    : env.AWS_PROFILE
    ? [env.AWS_PROFILE, "AWS_PROFILE"]
    : ["default", undefined];
  const section: ConfigSection | undefined = config.profiles[name];
  if (!section && nameOrigin !== undefined) throw profileNotFound(name, nameOrigin, config);
  const files = describeFiles(config);

  const label = (key: Exclude<keyof ProfileOverrides, "labels">): string => overrides.labels?.[key] ?? key;
  const fromProfile = (key: string): Found | undefined => {
    const value = section?.[key];
    if (value === undefined) return undefined;
    const origin: ValueOrigin = { file: config.origins[name]?.[key], profile: name, key };
    if (typeof value !== "string") {
      throw invalid(origin, "is a nested block; expected a single value");
    }
    return { value, origin };
  };
  /** Override, else env var (unless the profile was named explicitly), else the profile key. */
  const lookup = (
    key: keyof typeof ENV_VARS,
    override: string | undefined,
    overrideKey: Exclude<keyof ProfileOverrides, "labels">,
  ): Found | undefined => {
    if (override !== undefined) return { value: override, origin: { option: label(overrideKey) } };
    const envVar = ENV_VARS[key];
    if (!explicit && env[envVar] !== undefined) return { value: env[envVar]!, origin: { envVar } };
    return fromProfile(key);
  };

  // The token source: exactly one of the four kinds. A source given as an override replaces them all.
  const direct = TOKEN_SOURCES.some(([, option]) => overrides[option] !== undefined);
  const sources = TOKEN_SOURCES.map(([key, option]) => {
    if (!direct) return { key, found: lookup(key, undefined, option) };
    const value = overrides[option];
    return {
      key,
      found: value === undefined ? undefined : { value, origin: { option: label(option) } as ValueOrigin },
    };
  });
  const present = sources.filter((source) => source.found?.value);
  if (present.length > 1) {
    throw invalid(
      present[0].found!.origin,
      `and ${present.slice(1).map((p) => describeOrigin(p.found!.origin)).join(" and ")} are ${
        present.length > 2 ? "all" : "both"
      } set, so the token source is ambiguous: keep only one of them`,
    );
  }
  let chosen = present[0];
  if (!chosen && options.defaultTokenServer !== undefined) {
    chosen = {
      key: "web_identity_token_server",
      found: { value: options.defaultTokenServer, origin: { option: "the default token source" } },
    };
  }
  if (!chosen) throw notWebIdentity(name, explicit, files, sources.map((source) => source.found));
  const { value: sourceValue, origin: tokenOrigin } = chosen.found!;
  const token: TokenSpec = chosen.key === "web_identity_token_server"
    ? parseTokenServer(sourceValue, tokenOrigin)
    : chosen.key === "web_identity_token_file"
    ? { type: "file", path: expandPath(sourceValue.trim(), env) }
    : chosen.key === "web_identity_token_env"
    ? parseTokenEnv(sourceValue, tokenOrigin)
    : parseTokenProcess(sourceValue, tokenOrigin);

  // The role.
  const role = lookup("role_arn", overrides.roleArn, "roleArn");
  if (!role || role.value === "") {
    const where = role ? `${describeOrigin(role.origin)} is empty` : "no role ARN is set";
    // A profile named explicitly ignores AWS_ROLE_ARN: only its own role_arn (or a flag) can help.
    const fix = explicit ? `set role_arn in profile "${name}"` : `set role_arn in profile "${name}" or AWS_ROLE_ARN`;
    throw new ConfigError(
      "ERR_CONFIG_INVALID",
      `${describeOrigin(tokenOrigin)} sets a web identity token source but ${where}: ` +
        `${fix} to the role to assume (arn:aws:iam::123456789012:role/NAME)`,
      { file: role?.origin.file ?? tokenOrigin.file, profile: name, key: "role_arn" },
    );
  }
  const roleArn = role.value.trim();
  if (!ROLE_ARN.test(roleArn) || roleArn.length > 2048) {
    throw invalid(
      role.origin,
      `is ${quote(env, role.value)}, which is not an IAM role ARN: expected arn:aws:iam::123456789012:role/NAME`,
    );
  }

  // The session name.
  const session = lookup("role_session_name", overrides.roleSessionName, "roleSessionName");
  let roleSessionName: string;
  const defaultName = !session || session.value.trim() === "";
  if (!defaultName) {
    roleSessionName = session.value.trim();
    if (!SESSION_NAME.test(roleSessionName)) {
      throw invalid(
        session.origin,
        `is ${
          quote(env, session.value)
        }: a session name is 2 to 64 characters of letters, digits and _+=,.@- (no spaces)`,
      );
    }
  } else {
    roleSessionName = defaultSessionName(env, now);
  }

  const result: WebIdentityProfile = { name, roleArn, token, roleSessionName, stsEndpoint: "" };
  if (defaultName) result.roleSessionNameIsDefault = true;

  // Duration and session policies.
  const duration = overrides.durationSeconds !== undefined
    ? { value: String(overrides.durationSeconds), origin: { option: label("durationSeconds") } }
    : fromProfile("duration_seconds");
  if (duration) {
    const seconds = /^\s*\d+\s*$/.test(duration.value) ? Number(duration.value) : NaN;
    if (!(seconds >= 900 && seconds <= 43200)) {
      throw invalid(
        duration.origin,
        `is ${quote(env, duration.value)}: use a whole number of seconds from 900 to 43200`,
      );
    }
    result.durationSeconds = seconds;
  }
  const policy = overrides.policy !== undefined
    ? { value: overrides.policy, origin: { option: label("policy") } }
    : fromProfile("policy");
  if (policy) {
    if (!isJsonObject(policy.value) || policy.value.length > 2048) {
      throw invalid(policy.origin, "is not a JSON policy document of at most 2048 characters");
    }
    result.policy = policy.value;
  }
  const policyArns = overrides.policyArns !== undefined
    ? {
      value: Array.isArray(overrides.policyArns) ? overrides.policyArns.join(",") : overrides.policyArns,
      origin: { option: label("policyArns") },
    }
    : fromProfile("policy_arns");
  if (policyArns) {
    const arns = policyArns.value.split(",").map((arn) => arn.trim()).filter((arn) => arn !== "");
    const bad = arns.find((arn) => !POLICY_ARN.test(arn));
    if (bad !== undefined) {
      throw invalid(policyArns.origin, `has ${quote(env, bad)}, which is not an IAM policy ARN`);
    }
    if (arns.length > 10) throw invalid(policyArns.origin, `lists ${arns.length} policies; STS accepts at most 10`);
    if (arns.length > 0) result.policyArns = arns;
  }

  // Region and endpoint: env vars apply even to an explicitly named profile.
  const region = overrides.region !== undefined
    ? { value: overrides.region, origin: { option: label("region") } }
    : env.AWS_REGION
    ? { value: env.AWS_REGION, origin: { envVar: "AWS_REGION" } }
    : env.AWS_DEFAULT_REGION
    ? { value: env.AWS_DEFAULT_REGION, origin: { envVar: "AWS_DEFAULT_REGION" } }
    : fromProfile("region");
  if (region && region.value !== "") {
    if (!REGION.test(region.value)) {
      throw invalid(
        region.origin,
        `is ${quote(env, region.value)}, which is not a region name such as us-east-1`,
      );
    }
    result.region = region.value;
  }
  result.stsEndpoint = resolveEndpoint(config, section, env, result.region, fromProfile);
  return result;
}

function resolveEndpoint(
  config: LoadedConfig,
  section: ConfigSection | undefined,
  env: Readonly<Record<string, string | undefined>>,
  region: string | undefined,
  fromProfile: (key: string) => Found | undefined,
): string {
  const setting = (key: string, envVar: string): Found | undefined =>
    env[envVar] !== undefined && env[envVar] !== "" ? { value: env[envVar]!, origin: { envVar } } : fromProfile(key);
  const flag = (key: string, envVar: string): Found & { on: boolean } | undefined => {
    const found = setting(key, envVar);
    if (!found) return undefined;
    const text = found.value.trim().toLowerCase();
    if (text !== "true" && text !== "false") {
      throw invalid(found.origin, `is ${quote(env, found.value)}: use true or false`);
    }
    return { ...found, on: text === "true" };
  };
  const fips = flag("use_fips_endpoint", "AWS_USE_FIPS_ENDPOINT");
  const dualStack = flag("use_dualstack_endpoint", "AWS_USE_DUALSTACK_ENDPOINT");
  const mode = setting("sts_regional_endpoints", "AWS_STS_REGIONAL_ENDPOINTS");
  const modeValue = mode?.value.trim().toLowerCase();
  if (mode && modeValue !== "regional" && modeValue !== "legacy") {
    throw invalid(mode.origin, `is ${quote(env, mode.value)}: use regional or legacy`);
  }
  const custom = configuredEndpoint(config, section, env, fromProfile, flag);
  if (custom) {
    const variant = fips?.on ? fips : dualStack?.on ? dualStack : undefined;
    if (variant) {
      throw invalid(
        variant.origin,
        `asks for a FIPS or dual-stack endpoint, but ${describeOrigin(custom.origin)} sets a custom STS endpoint; ` +
          "AWS does not support both: remove one of them",
      );
    }
    let url: URL;
    try {
      url = new URL(custom.value.trim());
    } catch {
      throw invalid(
        custom.origin,
        `is ${quote(env, custom.value)}, which is not a URL: use https://HOST[:PORT]`,
      );
    }
    if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password) {
      throw invalid(custom.origin, "must be an http(s) URL without a user name or password");
    }
    return url.href;
  }
  return stsEndpointFor(region, {
    fips: fips?.on,
    dualStack: dualStack?.on,
    mode: modeValue as "regional" | "legacy" | undefined,
  });
}

/** `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, the profile's `services` section, then its `endpoint_url`. */
function configuredEndpoint(
  config: LoadedConfig,
  section: ConfigSection | undefined,
  env: Readonly<Record<string, string | undefined>>,
  fromProfile: (key: string) => Found | undefined,
  flag: (key: string, envVar: string) => (Found & { on: boolean }) | undefined,
): Found | undefined {
  if (flag("ignore_configured_endpoint_urls", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")?.on) return undefined;
  for (const envVar of ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"]) {
    if (env[envVar]) return { value: env[envVar]!, origin: { envVar } };
  }
  const services = typeof section?.services === "string" ? section.services.trim() : undefined;
  const block = services !== undefined ? config.services[services]?.sts : undefined;
  if (block && typeof block !== "string" && block.endpoint_url) {
    return {
      value: block.endpoint_url,
      origin: { file: config.files.config, key: `sts.endpoint_url in [services ${services}]` },
    };
  }
  const own = fromProfile("endpoint_url");
  return own && own.value !== "" ? own : undefined;
}

/** `GitHubActions-<run id>-<attempt>` in GitHub Actions, else `oidc2aws-<unix seconds>`. */
function defaultSessionName(env: Readonly<Record<string, string | undefined>>, now: () => number): string {
  const runId = env.GITHUB_RUN_ID;
  if (runId && /^\d+$/.test(runId)) {
    const attempt = env.GITHUB_RUN_ATTEMPT && /^\d+$/.test(env.GITHUB_RUN_ATTEMPT) ? `-${env.GITHUB_RUN_ATTEMPT}` : "";
    return `GitHubActions-${runId}${attempt}`.slice(0, 64);
  }
  return `oidc2aws-${Math.floor(now() / 1000)}`;
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

function invalid(origin: ValueOrigin, problem: string): ConfigError {
  return new ConfigError("ERR_CONFIG_INVALID", `${describeOrigin(origin)} ${problem}`, {
    file: origin.file,
    profile: origin.profile,
    key: origin.envVar ?? origin.option ?? origin.key,
  });
}

function describeFiles(config: LoadedConfig): string {
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

function notWebIdentity(name: string, explicit: boolean, files: string, found: Array<Found | undefined>): ConfigError {
  const emptied = found.filter((f): f is Found => f?.origin.envVar !== undefined && f.value === "");
  const masked = emptied.length
    ? ` ${emptied.map((f) => f.origin.envVar).join(" and ")} ${
      emptied.length > 1 ? "are" : "is"
    } set but empty, which hides the profile's own key; unset ${emptied.length > 1 ? "them" : "it"} or give it a value.`
    : "";
  const keys = TOKEN_SOURCES.map(([key]) => key).join(", ");
  const envVars = TOKEN_SOURCES.map(([key]) => ENV_VARS[key]).join(", ");
  return new ConfigError(
    "ERR_NOT_WEB_IDENTITY",
    `Profile "${name}" has no web identity token source: looked for ${keys} in ${files}` +
      `${explicit ? "" : `, and ${envVars} in the environment`}.${masked} ` +
      `Set web_identity_token_server = GitHub (or your CI's name, or auto) with role_arn in the profile` +
      `${explicit ? "" : ", or AWS_WEB_IDENTITY_TOKEN_SERVER with AWS_ROLE_ARN"}`,
    { profile: name },
  );
}
