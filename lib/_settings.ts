/**
 * Where each setting of a profile comes from, in one table, and the validators that turn a found
 * value into what {@linkcode resolveProfile} returns. The precedence (botocore's, with oidc2aws's own keys):
 * an override (a CLI flag or an option in code) wins; then, for the role's own settings, the env var,
 * unless the profile was named explicitly (then it is ignored, even when set); for the process's
 * settings (region, endpoints), the env vars when not empty, whatever the profile; then the key.
 *
 * @module
 */
import { ConfigError, type ValueOrigin } from "./errors.ts";
import type { Env } from "./host.ts";
import { type ConfigSection, own } from "./config.ts";
import { envValue } from "./_path.ts";
import { quote } from "./_redact.ts";

/** A value and where it came from. @internal */
export interface Found {
  value: string;
  origin: ValueOrigin;
}

/** The names of the overrides (`ProfileOverrides` without `labels`). @internal */
export type OverrideKey =
  | "roleArn"
  | "tokenServer"
  | "tokenFile"
  | "tokenEnv"
  | "tokenProcess"
  | "roleSessionName"
  | "region"
  | "durationSeconds"
  | "policy"
  | "policyArns";

/** Where a setting may come from besides the profile's key. @internal */
export interface Setting {
  /** The override that replaces it. */
  override?: OverrideKey;
  /** Env vars in order of precedence. */
  env?: readonly string[];
  /** `role`: the env var applies unless the profile is named, even when empty. `process`: always, when not empty. */
  scope?: "role" | "process";
}

/** The env vars that stand for the role's own keys (ignored when the profile is named explicitly). */
export const ENV_VARS = {
  role_arn: "AWS_ROLE_ARN",
  web_identity_token_server: "AWS_WEB_IDENTITY_TOKEN_SERVER",
  web_identity_token_file: "AWS_WEB_IDENTITY_TOKEN_FILE",
  web_identity_token_env: "AWS_WEB_IDENTITY_TOKEN_ENV",
  web_identity_token_process: "AWS_WEB_IDENTITY_TOKEN_PROCESS",
  role_session_name: "AWS_ROLE_SESSION_NAME",
} as const;

/** A profile key oidc2aws reads. @internal */
export type SettingKey =
  | "role_arn"
  | "web_identity_token_server"
  | "web_identity_token_file"
  | "web_identity_token_env"
  | "web_identity_token_process"
  | "role_session_name"
  | "duration_seconds"
  | "policy"
  | "policy_arns"
  | "region"
  | "use_fips_endpoint"
  | "use_dualstack_endpoint"
  | "sts_regional_endpoints"
  | "ignore_configured_endpoint_urls"
  | "endpoint_url"
  | "ca_bundle";

/** Every profile key oidc2aws reads, with what may replace it. @internal */
export const SETTINGS: Readonly<Record<SettingKey, Setting>> = {
  role_arn: { override: "roleArn", env: [ENV_VARS.role_arn], scope: "role" },
  web_identity_token_server: { override: "tokenServer", env: [ENV_VARS.web_identity_token_server], scope: "role" },
  web_identity_token_file: { override: "tokenFile", env: [ENV_VARS.web_identity_token_file], scope: "role" },
  web_identity_token_env: { override: "tokenEnv", env: [ENV_VARS.web_identity_token_env], scope: "role" },
  web_identity_token_process: { override: "tokenProcess", env: [ENV_VARS.web_identity_token_process], scope: "role" },
  role_session_name: { override: "roleSessionName", env: [ENV_VARS.role_session_name], scope: "role" },
  duration_seconds: { override: "durationSeconds" },
  policy: { override: "policy" },
  policy_arns: { override: "policyArns" },
  region: { override: "region", env: ["AWS_REGION", "AWS_DEFAULT_REGION"], scope: "process" },
  use_fips_endpoint: { env: ["AWS_USE_FIPS_ENDPOINT"], scope: "process" },
  use_dualstack_endpoint: { env: ["AWS_USE_DUALSTACK_ENDPOINT"], scope: "process" },
  sts_regional_endpoints: { env: ["AWS_STS_REGIONAL_ENDPOINTS"], scope: "process" },
  ignore_configured_endpoint_urls: { env: ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"], scope: "process" },
  endpoint_url: {},
  ca_bundle: { env: ["AWS_CA_BUNDLE"], scope: "process" },
};

/** Everything a lookup looks at. @internal */
export interface SettingSources {
  /** The profile's name, and whether it was named explicitly. */
  name: string;
  explicit: boolean;
  section: ConfigSection | undefined;
  /** The file each of the profile's keys came from. */
  files: Record<string, string> | undefined;
  env: Env;
  overrides: Partial<Record<OverrideKey, string | number | string[]>>;
  /** How messages name each override (a CLI flag); default its name. */
  labels: Partial<Record<OverrideKey, string>>;
}

/** The override's value, as given. @internal */
export function fromOverride(sources: SettingSources, key: OverrideKey): Found | undefined {
  const value = sources.overrides[key];
  if (value === undefined) return undefined;
  return {
    value: Array.isArray(value) ? value.join(",") : String(value),
    origin: { option: sources.labels[key] ?? key },
  };
}

/** The profile's own key; a nested block where a value belongs is an error. @internal */
export function fromProfile(sources: SettingSources, key: string): Found | undefined {
  const value = own(sources.section, key);
  if (value === undefined) return undefined;
  const origin: ValueOrigin = { file: own(sources.files, key), profile: sources.name, key };
  if (typeof value !== "string") throw ConfigError.invalid(origin, "is a nested block; expected a single value");
  return { value, origin };
}

/** The setting's value by the precedence of the table. @internal */
export function lookup(sources: SettingSources, key: SettingKey): Found | undefined {
  const setting: Setting = SETTINGS[key];
  const override = setting.override && fromOverride(sources, setting.override);
  if (override) return override;
  for (const envVar of setting.env ?? []) {
    const value = envValue(sources.env, envVar);
    const applies = setting.scope === "role" ? !sources.explicit && value !== undefined : !!value;
    if (applies) return { value: value!, origin: { envVar } };
  }
  return fromProfile(sources, key);
}

// ---------------------------------------------------------------------------------------------
// Validators: a found value to what the profile holds, or ERR_CONFIG_INVALID naming its origin.

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\x21-\x7e]*\/)?[\w+=,.@-]{1,64}$/;
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(?:\d{12}|aws):policy\/(?:[\x21-\x7e]*\/)?[\w+=,.@-]{1,128}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const REGION = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

/** An IAM role ARN. @internal */
export function roleArn(found: Found, env: Env): string {
  const value = found.value.trim();
  if (!ROLE_ARN.test(value) || value.length > 2048) {
    throw ConfigError.invalid(
      found.origin,
      `is ${quote(env, found.value)}, which is not an IAM role ARN: expected arn:aws:iam::123456789012:role/NAME`,
    );
  }
  return value;
}

/** A role session name. @internal */
export function sessionName(found: Found, env: Env): string {
  const value = found.value.trim();
  if (!SESSION_NAME.test(value)) {
    throw ConfigError.invalid(
      found.origin,
      `is ${quote(env, found.value)}: a session name is 2 to 64 characters of letters, digits and _+=,.@- (no spaces)`,
    );
  }
  return value;
}

/** A session duration: whole seconds from 900 to 43200. @internal */
export function durationSeconds(found: Found, env: Env): number {
  const seconds = /^\s*\d+\s*$/.test(found.value) ? Number(found.value) : NaN;
  if (!(seconds >= 900 && seconds <= 43200)) {
    throw ConfigError.invalid(
      found.origin,
      `is ${quote(env, found.value)}: use a whole number of seconds from 900 to 43200`,
    );
  }
  return seconds;
}

/** An inline session policy: a JSON object of at most 2048 characters. @internal */
export function policy(found: Found): string {
  let object = false;
  try {
    const value: unknown = JSON.parse(found.value);
    object = typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    // not JSON
  }
  if (!object || found.value.length > 2048) {
    throw ConfigError.invalid(found.origin, "is not a JSON policy document of at most 2048 characters");
  }
  return found.value;
}

/** Managed policy ARNs, comma-separated, at most 10 (`undefined` when none). @internal */
export function policyArns(found: Found, env: Env): string[] | undefined {
  const arns = found.value.split(",").map((arn) => arn.trim()).filter((arn) => arn !== "");
  const bad = arns.find((arn) => !POLICY_ARN.test(arn));
  if (bad !== undefined) {
    throw ConfigError.invalid(found.origin, `has ${quote(env, bad)}, which is not an IAM policy ARN`);
  }
  if (arns.length > 10) {
    throw ConfigError.invalid(found.origin, `lists ${arns.length} policies; STS accepts at most 10`);
  }
  return arns.length > 0 ? arns : undefined;
}

/** A region name (`undefined` when empty). @internal */
export function region(found: Found, env: Env): string | undefined {
  if (found.value === "") return undefined;
  // botocore's rule, and no "xn--" (IDNA) name: the region is a host label of the endpoint, and URL
  // parsing decodes such a label and refuses one that is not valid punycode.
  if (!REGION.test(found.value) || /^xn--/i.test(found.value)) {
    throw ConfigError.invalid(
      found.origin,
      `is ${quote(env, found.value)}, which is not a region name such as us-east-1`,
    );
  }
  return found.value;
}

/** An external id: 2 to 1224 of `[\w+=,.@:/-]`, as STS accepts it. @internal */
export function externalId(found: Found, env: Env): string {
  const value = found.value.trim();
  if (!/^[\w+=,.@:\/-]{2,1224}$/.test(value)) {
    throw ConfigError.invalid(
      found.origin,
      `is ${quote(env, found.value)}: an external id is 2 to 1224 characters of letters, digits and _+=,.@:/-`,
    );
  }
  return value;
}

/** `true` or `false`, any case. @internal */
export function boolean(found: Found, env: Env): boolean {
  const text = found.value.trim().toLowerCase();
  if (text !== "true" && text !== "false") {
    throw ConfigError.invalid(found.origin, `is ${quote(env, found.value)}: use true or false`);
  }
  return text === "true";
}

/** `regional` or `legacy`, any case. @internal */
export function stsRegionalEndpoints(found: Found, env: Env): "regional" | "legacy" {
  const text = found.value.trim().toLowerCase();
  if (text !== "regional" && text !== "legacy") {
    throw ConfigError.invalid(found.origin, `is ${quote(env, found.value)}: use regional or legacy`);
  }
  return text;
}

/** An http(s) URL without credentials in it, as `URL.href`. @internal */
export function endpointUrl(found: Found, env: Env): string {
  let url: URL;
  try {
    url = new URL(found.value.trim());
  } catch {
    throw ConfigError.invalid(
      found.origin,
      `is ${quote(env, found.value)}, which is not a URL: use https://HOST[:PORT]`,
    );
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password) {
    throw ConfigError.invalid(found.origin, "must be an http(s) URL without a user name or password");
  }
  return url.href;
}
