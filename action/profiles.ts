/**
 * The config-file mode: every profile of an oidc2aws config file, for every later step at once, with
 * credentials that refresh. The action checks each profile (and by default assumes each once, so a
 * trust policy's refusal fails this step), then writes an AWS config under `$RUNNER_TEMP` in which each
 * role profile is a `credential_process` that runs this same file as the oidc2aws CLI on the
 * original profile, and exports `AWS_CONFIG_FILE` (and `AWS_PROFILE` with default-profile).
 *
 * The generated profiles have no `role_arn`, so botocore's own assume-role provider does not claim
 * them, and no other credential key, so `credential_process` is what every SDK uses. The CLI caches
 * what it prints per job (cli/cache.ts: `$RUNNER_TEMP/oidc2aws`, keyed by the profile's settings and
 * the job's token request bearer); the credentials assumed here to check each profile seed that cache.
 *
 * @module
 */
import { CliError, ConfigError, Oidc2AwsError } from "../lib/errors.ts";
import { type ConfigSection, parseConfig } from "../lib/config.ts";
import { loadConfig } from "../lib/config_files.ts";
import { type Profile, resolveProfile } from "../lib/profile.ts";
import type { Credentials } from "../lib/credentials.ts";
import type { Runtime } from "../lib/_runtime/mod.ts";
import { credentialProcessJson } from "../cli/output.ts";
import { openCache } from "../cli/commands/credential_process.ts";
import { scrub } from "../cli/main.ts";
import { booleanInput, input, randomHex, type StepOutput } from "./runner.ts";
import { assumeOnce, checkAccount, describeCredentials } from "./shared.ts";

/** The argument the generated `credential_process` lines put first: the config file the CLI reads. */
export const CONFIG_FILE_ARG = "--config-file";

/**
 * Keys left out of a role profile in the generated config: the role's settings (the CLI reads them
 * from the original file) and every key that would make an SDK take credentials from somewhere other
 * than `credential_process` (static keys, SSO, assume-role, web identity).
 */
const ROLE_KEYS = new Set([
  "role_arn",
  "source_profile",
  "credential_source",
  "external_id",
  "mfa_serial",
  "role_session_name",
  "duration_seconds",
  "policy",
  "policy_arns",
  "web_identity_token_file",
  "web_identity_token_server",
  "web_identity_token_env",
  "web_identity_token_process",
  "credential_process",
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
  "aws_security_token",
  "sso_session",
  "sso_start_url",
  "sso_region",
  "sso_account_id",
  "sso_role_name",
  "sso_registration_scopes",
  "login_session",
]);

/** A profile that names a role: oidc2aws assumes it (any other is copied as it is: region, output...). */
function isRole(section: ConfigSection): boolean {
  return ["role_arn", "source_profile", "credential_source"].some((key) => Object.hasOwn(section, key));
}

/** Runs the config-file mode. */
export async function runProfiles(runtime: Runtime, step: StepOutput, command: readonly string[]): Promise<void> {
  const env = runtime.env;
  const temp = env.RUNNER_TEMP;
  if (!temp) {
    throw new CliError(
      "ERR_USAGE",
      "$RUNNER_TEMP is not set: this action runs as a step of a GitHub Actions job, where the runner sets it",
    );
  }
  const file = input(env, "config-file");
  const text = file ? await readConfigInput(runtime, file) : `${input(env, "config")}\n`;
  const sourceName = file || "the config input";
  const parsed = parseConfig(text, { kind: "config", source: sourceName });
  const names = Object.keys(parsed.profiles);
  const roles = names.filter((name) => isRole(parsed.profiles[name]));
  if (roles.length === 0) {
    throw new ConfigError(
      "ERR_CONFIG_INVALID",
      `${sourceName} has no profile with role_arn: add one per role, e.g. [profile deploy] with role_arn = ` +
        "arn:aws:iam::123456789012:role/deploy and web_identity_token_server = GitHub",
      { file: file || undefined },
    );
  }
  const defaultProfile = input(env, "default-profile");
  if (defaultProfile && !names.includes(defaultProfile)) {
    throw new CliError(
      "ERR_USAGE",
      `default-profile is ${JSON.stringify(defaultProfile)}, which is not a profile of ${sourceName} ` +
        `(its profiles: ${names.join(", ")})`,
    );
  }

  // A private directory of this step's own: the file as checked, and the config the later steps read.
  const directory = join(runtime, temp, `oidc2aws-action-${randomHex(6)}`);
  await runtime.fs.mkdir(directory, 0o700);
  const copy = join(runtime, directory, "profiles");
  await runtime.fs.writeNew(copy, text, 0o600);

  // What the later steps' CLI will see: the copy as AWS_CONFIG_FILE, and the region this step exports.
  const region = input(env, "aws-region");
  const later: Record<string, string | undefined> = { ...env, AWS_CONFIG_FILE: file || copy };
  if (region) later.AWS_REGION = later.AWS_DEFAULT_REGION = region;
  const config = await loadConfig({ env: later, readFile: runtime.readFile });
  const resolved = await Promise.allSettled(
    roles.map((profile) =>
      resolveProfile({ profile, env: later, readFile: runtime.readFile, config, defaultTokenServer: "auto" })
    ),
  );
  failIfAny(env, roles, resolved, "is not valid");
  const profiles = resolved.map((r) => (r as PromiseFulfilledResult<Profile>).value);

  const verify = booleanInput(env, "verify", true);
  const mask = booleanInput(env, "mask-aws-account-id", false);
  if (verify) {
    const assumed = await Promise.allSettled(profiles.map((profile) => assumeOnce(runtime, profile, { env: later })));
    failIfAny(env, roles, assumed, "cannot be assumed");
    const credentials = assumed.map((r) => (r as PromiseFulfilledResult<Credentials>).value);
    for (const c of credentials) checkAccount(env, c);
    if (mask) step.mask(...credentials.flatMap((c) => [c.accountId, c.assumedRoleArn]));
    await step.flush(runtime); // masks before the lines that show the accounts
    const now = Date.now();
    for (const c of credentials) runtime.write("stdout", describeCredentials(c, now));
    await Promise.all(profiles.map((profile, i) => seedCache(runtime, profile, credentials[i])));
  } else {
    for (const profile of profiles) {
      runtime.write("stdout", `profile ${profile.name}: ${profile.roleArn} (not assumed: verify is false)\n`);
    }
  }

  const generated = join(runtime, directory, "config");
  await runtime.fs.writeNew(
    generated,
    renderConfig(parsed, roles, [...command, CONFIG_FILE_ARG, copy], runtime.platform),
    0o600,
  );
  step.exportVariable("AWS_CONFIG_FILE", generated);
  // The AWS SDK for JavaScript v2 and for Go v1 read the config file's credential_process only with this.
  step.exportVariable("AWS_SDK_LOAD_CONFIG", "1");
  if (defaultProfile) step.exportVariable("AWS_PROFILE", defaultProfile);
  if (region) {
    step.exportVariable("AWS_REGION", region);
    step.exportVariable("AWS_DEFAULT_REGION", region);
  }
  step.setOutput("aws-config-file", generated);
  step.setOutput("profiles", roles.join(","));
  await step.flush(runtime);
  runtime.write(
    "stdout",
    `Exported AWS_CONFIG_FILE=${generated} with ${roles.length} role profile${roles.length === 1 ? "" : "s"} ` +
      `(${roles.join(", ")})${defaultProfile ? ` and AWS_PROFILE=${defaultProfile}` : ""}: ` +
      "their credentials refresh through credential_process\n",
  );
}

/** The config-file input's text; a clear error when it cannot be read. */
async function readConfigInput(runtime: Runtime, file: string): Promise<string> {
  const workspace = runtime.env.GITHUB_WORKSPACE;
  const path = isAbsolute(file) || !workspace ? file : join(runtime, workspace, file);
  let text: string | undefined;
  try {
    text = await runtime.readFile(path);
  } catch (cause) {
    if (cause instanceof Oidc2AwsError) throw cause;
    throw new ConfigError(
      "ERR_CONFIG_READ",
      `Cannot read config-file ${file}: ${(cause as Error)?.message ?? cause}. Check the path (it is relative to ` +
        "the workspace) and that actions/checkout ran before this step",
      { file, cause },
    );
  }
  if (text === undefined) {
    throw new ConfigError(
      "ERR_CONFIG_READ",
      `config-file ${file} does not exist (looked at ${path}): check the path (it is relative to the workspace) ` +
        "and that actions/checkout ran before this step",
      { file },
    );
  }
  return text;
}

/** Throws one error that lists every profile that failed (each with its code), if any did. */
function failIfAny(env: Runtime["env"], names: string[], results: PromiseSettledResult<unknown>[], what: string) {
  const failed = results.flatMap((r, i) => (r.status === "rejected" ? [[names[i], r.reason] as const] : []));
  if (failed.length === 0) return;
  if (failed.length === 1 && failed[0][1] instanceof Oidc2AwsError) throw failed[0][1];
  const lines = failed.map(([name, err]) =>
    `profile ${name}: ${(err as Oidc2AwsError)?.code ?? "ERR_UNEXPECTED"}: ${
      scrub(String((err as Error)?.message ?? err), env)
    }`
  );
  throw new CliError("ERR_USAGE", `${failed.length} profiles ${what}:\n${lines.join("\n")}`);
}

/** Writes the credentials assumed here into the CLI's cache, so that the first later use makes no STS call. */
async function seedCache(runtime: Runtime, profile: Profile, credentials: Credentials): Promise<void> {
  const cache = await openCache({ runtime, readFile: runtime.readFile, log: () => {} }, profile);
  await cache?.write(JSON.parse(credentialProcessJson(credentials)));
}

/**
 * The AWS config the later steps read: each role profile's own keys but the role's (region, output,
 * endpoints...) and a `credential_process` line (`command`, then `credential-process --profile NAME`);
 * every other profile and `[services]` section as it is.
 */
export function renderConfig(
  parsed: ReturnType<typeof parseConfig>,
  roles: readonly string[],
  command: readonly string[],
  platform: string,
): string {
  const out: string[] = [
    "# Written by the oidc2aws GitHub Action for the later steps of this job: each role profile runs the",
    "# oidc2aws CLI for the profile of the same name in the file it names.",
  ];
  for (const [name, section] of Object.entries(parsed.profiles)) {
    out.push("", name === "default" ? "[default]" : `[profile ${iniName(name)}]`);
    const role = roles.includes(name);
    for (const [key, value] of Object.entries(section)) {
      if (role && ROLE_KEYS.has(key)) continue;
      out.push(...iniLines(key, value));
    }
    if (role) {
      const argv = [...command, "credential-process", "--profile", name];
      out.push(`credential_process = ${argv.map((arg) => quoteArg(arg, platform)).join(" ")}`);
    }
  }
  for (const [name, section] of Object.entries(parsed.services)) {
    out.push("", `[services ${iniName(name)}]`);
    for (const [key, value] of Object.entries(section)) out.push(...iniLines(key, value));
  }
  return `${out.join("\n")}\n`;
}

/** `path` under `directory`, with the platform's separator. */
function join(runtime: Runtime, directory: string, path: string): string {
  const separator = runtime.platform === "win32" ? "\\" : "/";
  return `${directory.replace(/[/\\]+$/, "")}${separator}${path}`;
}

function isAbsolute(path: string): boolean {
  return /^(?:[/\\]|[A-Za-z]:)/.test(path);
}

function iniName(name: string): string {
  return /^[^\s'"\\[\]]+$/.test(name) ? name : `'${name.replaceAll("'", `'"'"'`)}'`;
}

function iniLines(key: string, value: string | Record<string, string>): string[] {
  if (typeof value === "string") return [`${key} = ${value}`];
  return [`${key} =`, ...Object.entries(value).map(([k, v]) => `  ${k} = ${v}`)];
}

/**
 * One argument of a `credential_process` line, quoted for those who read it: botocore splits it like
 * a POSIX shell (shlex), the AWS SDKs for JavaScript, Go, Java and Rust run it with `sh -c`; on
 * Windows both use double quotes (botocore's own splitter, `cmd.exe`).
 */
export function quoteArg(arg: string, platform: string): string {
  // deno-lint-ignore no-control-regex
  if (/[\0-\x1f\x7f]/.test(arg)) {
    throw new CliError(
      "ERR_USAGE",
      `Cannot write ${JSON.stringify(arg)} in a credential_process line: it has a control character`,
    );
  }
  if (platform === "win32") {
    if (/["%]/.test(arg)) {
      throw new CliError(
        "ERR_USAGE",
        `Cannot write ${JSON.stringify(arg)} in a credential_process line on Windows: it has " or %`,
      );
    }
    return `"${arg}"`;
  }
  return /^[\w@%+:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
