/**
 * Reading the AWS config and credentials files (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`)
 * and laying the credentials file's keys over the config file's, as botocore does.
 *
 * @module
 */
import { ConfigError, Oidc2AwsError } from "./errors.ts";
import { envValue, expandPath } from "./_path.ts";
import type { Env, ReadFile } from "./host.ts";
import { type ConfigSection, parseConfig, record } from "./config.ts";

/** The AWS config and credentials files, read and merged. */
export interface LoadedConfig {
  /** Profiles of the config file with the credentials file's keys laid over them, key by key. */
  profiles: Record<string, ConfigSection>;
  /** `[sso-session NAME]` sections of the config file. */
  ssoSessions: Record<string, ConfigSection>;
  /** `[services NAME]` sections of the config file. */
  services: Record<string, ConfigSection>;
  /** The paths read (after `~` and `$VAR` expansion); undefined when the variable is set but empty. */
  files: { config?: string; credentials?: string };
  /** For each profile and key, the path of the file the value came from. */
  origins: Record<string, Record<string, string>>;
}

/** Options of {@linkcode loadConfig}. */
export interface LoadConfigOptions {
  /** The environment (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, `HOME`). */
  env: Env;
  /** Reads a file; resolves `undefined` when there is no such file. */
  readFile: ReadFile;
}

/**
 * Reads `AWS_CONFIG_FILE` (default `~/.aws/config`) and `AWS_SHARED_CREDENTIALS_FILE` (default
 * `~/.aws/credentials`), expanding `$VAR`, `${VAR}` and `~`. A missing file counts as empty.
 *
 * @example
 * ```ts
 * import { loadConfig } from "oidc2aws";
 * const files: Record<string, string> = { "/ci/aws_config": "[profile ci]\nregion = eu-west-1\n" };
 * const config = await loadConfig({
 *   env: { AWS_CONFIG_FILE: "/ci/aws_config", HOME: "/home/runner" },
 *   readFile: (path) => Promise.resolve(files[path]),
 * });
 * console.log(config.profiles.ci.region); // "eu-west-1"
 * ```
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const { env, readFile } = options;
  const configPath = filePath(env, "AWS_CONFIG_FILE", "~/.aws/config");
  const credentialsPath = filePath(env, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials");
  const [configText, credentialsText] = await Promise.all([
    readConfigFile(readFile, configPath, "AWS_CONFIG_FILE"),
    readConfigFile(readFile, credentialsPath, "AWS_SHARED_CREDENTIALS_FILE"),
  ]);
  const config = configText === undefined
    ? { profiles: record<ConfigSection>(), ssoSessions: record<ConfigSection>(), services: record<ConfigSection>() }
    : parseConfig(configText, { kind: "config", source: configPath });
  const origins: Record<string, Record<string, string>> = record();
  // for…in, not Object.entries: no array per entry (the maps have no prototype to inherit keys from).
  for (const name in config.profiles) {
    const origin = origins[name] = record<string>();
    for (const key in config.profiles[name]) origin[key] = configPath!;
  }
  if (credentialsText !== undefined) {
    const credentials = parseConfig(credentialsText, { kind: "credentials", source: credentialsPath });
    for (const name in credentials.profiles) {
      const section = credentials.profiles[name];
      const target = config.profiles[name] ??= record();
      const origin = origins[name] ??= record();
      for (const key in section) {
        target[key] = section[key];
        origin[key] = credentialsPath!;
      }
    }
  }
  return {
    profiles: config.profiles,
    ssoSessions: config.ssoSessions,
    services: config.services,
    files: { config: configPath, credentials: credentialsPath },
    origins,
  };
}

/** The expanded path named by an env var (or the default); undefined when set but empty, as botocore. */
function filePath(env: Env, name: string, fallback: string): string | undefined {
  const value = envValue(env, name) ?? fallback;
  if (value === "") return undefined;
  return expandPath(value, env);
}

async function readConfigFile(
  readFile: ReadFile,
  path: string | undefined,
  envVar: string,
): Promise<string | undefined> {
  if (path === undefined || path.startsWith("~")) return undefined; // no home directory to expand into
  try {
    return await readFile(path);
  } catch (cause) {
    if (cause instanceof Oidc2AwsError) throw cause;
    throw new ConfigError(
      "ERR_CONFIG_READ",
      `Cannot read ${path}: ${errorText(cause)}. Check that it is a readable file, or point ${envVar} elsewhere`,
      { file: path, cause },
    );
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
