/**
 * The oidc2aws command line: a thin layer over {@linkcode resolveProfile} and {@linkcode assumeRole}.
 *
 * @module
 */
import { type CliArgs, ENV_FORMATS, parseCliArgs } from "./cli_args.ts";
import { Oidc2AwsError } from "./errors.ts";
import { resolveProfile, type WebIdentityProfile } from "./profile.ts";
import { assumeRole } from "./assume.ts";
import type { Credentials } from "./credentials.ts";
import { credentialProcessJson, credentialVariables, formatVariables, githubEnvOutput } from "./output.ts";
import { type CachedCredentials, cacheDirectory, cacheKey, type CacheOptions, readCache, writeCache } from "./cache.ts";
import { displayUrl } from "./_http.ts";
import { redact, secretValues } from "./_redact.ts";
import { describeTokenSpec } from "./token_spec.ts";
import { tokenBinding } from "./token.ts";
import { runtimeAdapter } from "./_defaults.ts";
import type { CliSystem } from "./_runtime.ts";
import type { Fetch, ReadFile } from "./runtime.ts";
import { VERSION } from "./version.ts";

/** Host pieces a test may inject into {@linkcode runCli}. */
export interface CliHost {
  fetch?: Fetch;
  readFile?: ReadFile;
  now?: () => number;
}

/** Exit code of usage and configuration errors. */
export const EXIT_USAGE = 2;

const USAGE_CODES = new Set([
  "ERR_USAGE",
  "ERR_CONFIG_SYNTAX",
  "ERR_CONFIG_READ",
  "ERR_CONFIG_INVALID",
  "ERR_PROFILE_NOT_FOUND",
  "ERR_NOT_WEB_IDENTITY",
  "ERR_INSECURE_URL",
  "ERR_PERMISSION",
]);

/** Variables that would make an SDK inside `exec` pick other credentials than the ones given. */
const SHADOWING_VARIABLES = [
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_ROLE_ARN",
  "AWS_ROLE_SESSION_NAME",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_WEB_IDENTITY_TOKEN_SERVER",
  "AWS_SECURITY_TOKEN",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

/** The text of `oidc2aws --help`. */
export const HELP: string =
  `oidc2aws ${VERSION}: AWS credentials from a CI job's OIDC token, for as many roles as the job needs

Usage: oidc2aws <command> [flags]

Commands:
  credential-process   print credential_process JSON (for credential_process = in ~/.aws/config); cached
  env                  print the credentials as environment variables (--format sh|fish|powershell|dotenv|json)
  github-env           inside GitHub Actions: mask the secrets and export the variables to $GITHUB_ENV
  exec -- CMD [ARGS]   run CMD with the role's credentials in its environment; exits with CMD's code
  whoami               assume the role and show the token's claims and the assumed role (no secrets);
                       --profile may be repeated to check several roles at once

Flags:
  --profile NAME       the profile in AWS_CONFIG_FILE (default: AWS_DEFAULT_PROFILE, AWS_PROFILE, default);
                       a named profile ignores AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_* and AWS_ROLE_SESSION_NAME
  --role-arn ARN       the role to assume (instead of role_arn / AWS_ROLE_ARN)
  --token-server SPEC  GitHub[,AUDIENCE] | GitLab | Buildkite | CircleCI | Bitbucket | AzureDevOps |
                       TerraformCloud | Spacelift | GoogleCloud | auto | URL_ENV,TOKEN_ENV[,AUDIENCE]
                       (web_identity_token_server); with no token source configured: auto
  --token-file PATH    read the OIDC token from a file (web_identity_token_file)
  --token-env NAME     take the OIDC token from the environment variable NAME (web_identity_token_env)
  --token-process CMD  run CMD (no shell) and take the token it prints (web_identity_token_process)
  --session-name NAME  the role session name (default GitHubActions-<run id>-<attempt> in GitHub Actions)
  --region REGION      the region, for the STS endpoint and AWS_REGION
  --duration SECONDS   the session duration, 900 to 43200
  --format FORMAT      env: sh (default), fish, powershell, dotenv, json; whoami: json
  --no-cache           credential-process: do not read or write the credential cache
  --debug              each step's timing on stderr, and error causes (also on when RUNNER_DEBUG=1)
  -h, --help           this text
  -V, --version        the version

Examples:
  oidc2aws whoami --role-arn arn:aws:iam::123456789012:role/deploy --token-server GitHub
  eval "$(oidc2aws env --profile deploy)"
  oidc2aws exec --profile deploy -- aws s3 ls
  [profile deploy-cli]
  credential_process = npx oidc2aws credential-process --profile deploy

Exit codes: 0 success; 2 usage or configuration error; 1 any other failure; exec: the command's code.
Docs: https://github.com/oidc2aws/oidc2aws#readme
`;

/**
 * Runs the CLI with these arguments; resolves the exit code. Everything it prints goes through
 * `system.write`.
 */
export async function runCli(argv: readonly string[], system: CliSystem, host: CliHost = {}): Promise<number> {
  const started = (host.now ?? Date.now)();
  const env = system.env;
  let args: CliArgs | undefined;
  let debug = false;
  const log = (message: string) => debug && system.write("stderr", `oidc2aws: debug: ${scrub(message, env)}\n`);
  try {
    args = parseCliArgs(argv);
    debug = args.debug || env.RUNNER_DEBUG === "1";
    if (args.version) return print(system, `${VERSION}\n`);
    if (args.help) return print(system, HELP);
    if (!args.command) {
      system.write("stderr", HELP);
      return EXIT_USAGE;
    }
    log(`oidc2aws ${VERSION} on ${system.runtime}, command ${args.command}`);
    const timing = debug ? instrument(host, log) : host;
    const overrides = {
      roleArn: args.roleArn,
      tokenServer: args.tokenServer,
      tokenFile: args.tokenFile,
      tokenEnv: args.tokenEnv,
      tokenProcess: args.tokenProcess,
      roleSessionName: args.sessionName,
      region: args.region,
      durationSeconds: args.duration,
      labels: {
        roleArn: "--role-arn",
        tokenServer: "--token-server",
        tokenFile: "--token-file",
        tokenEnv: "--token-env",
        tokenProcess: "--token-process",
        roleSessionName: "--session-name",
        region: "--region",
        durationSeconds: "--duration",
      },
    };
    if (args.command !== "whoami" && args.profiles.length > 1) {
      throw new Oidc2AwsError("ERR_USAGE", `${args.command} takes one --profile; whoami takes several`);
    }
    if (args.format && args.command !== "env" && !(args.command === "whoami" && args.format === "json")) {
      throw new Oidc2AwsError("ERR_USAGE", `--format applies to env (${ENV_FORMATS.join(", ")}) and whoami (json)`);
    }
    if (args.noCache && args.command !== "credential-process") {
      throw new Oidc2AwsError(
        "ERR_USAGE",
        "--no-cache applies to credential-process only (the other commands never cache)",
      );
    }
    if (args.command === "exec" && args.exec.length === 0) {
      throw new Oidc2AwsError("ERR_USAGE", "exec needs a command: oidc2aws exec --profile NAME -- COMMAND [ARGS...]");
    }
    if (args.command !== "exec" && args.exec.length > 0) {
      throw new Oidc2AwsError("ERR_USAGE", `${args.command} takes no command after --`);
    }
    const resolve = (profile?: string) =>
      resolveProfile({ profile, env, readFile: timing.readFile, now: host.now, overrides, defaultTokenServer: "auto" })
        .then((resolved) => {
          log(describeProfile(resolved));
          return resolved;
        });
    const assume = (profile: WebIdentityProfile) =>
      assumeRole(profile, { env, fetch: timing.fetch, readFile: timing.readFile, now: host.now });

    let code = 0;
    switch (args.command) {
      case "credential-process":
        code = await credentialProcess(await resolve(args.profiles[0]), assume, args, system, host, log);
        break;
      case "env": {
        const profile = await resolve(args.profiles[0]);
        const credentials = await assume(profile);
        system.write("stdout", formatVariables(credentialVariables(credentials, profile.region), args.format ?? "sh"));
        break;
      }
      case "github-env":
        code = await githubEnv(await resolve(args.profiles[0]), assume, system);
        break;
      case "exec":
        code = await exec(await resolve(args.profiles[0]), assume, args.exec, system, log);
        break;
      case "whoami":
        code = await whoami(args, resolve, assume, system, host.now ?? Date.now);
        break;
    }
    log(`done in ${elapsed(started, host)} ms`);
    return code;
  } catch (err) {
    return report(err, system, debug, env);
  }
}

function print(system: CliSystem, text: string): number {
  system.write("stdout", text);
  return 0;
}

function elapsed(started: number, host: CliHost): string {
  return ((host.now ?? Date.now)() - started).toFixed(0);
}

/** Wraps fetch and readFile to log each step's timing (never a header, body or query string). */
function instrument(host: CliHost, log: (message: string) => void): { fetch?: Fetch; readFile?: ReadFile } {
  const clock = () => (globalThis.performance ?? Date).now();
  return {
    fetch: async (url, init) => {
      const fetch = host.fetch ?? (await runtimeAdapter()).fetch;
      const start = clock();
      try {
        const response = await fetch(url, init);
        log(
          `${init.method} ${displayUrl(url)} → HTTP ${response.status} (${(clock() - start).toFixed(1)} ms to headers)`,
        );
        return response;
      } catch (err) {
        log(`${init.method} ${displayUrl(url)} failed after ${(clock() - start).toFixed(1)} ms`);
        throw err;
      }
    },
    readFile: async (path) => {
      const readFile = host.readFile ?? (await runtimeAdapter()).readFile;
      const start = clock();
      const text = await readFile(path);
      log(
        `read ${path}: ${text === undefined ? "no such file" : `${text.length} characters`} (${
          (clock() - start).toFixed(1)
        } ms)`,
      );
      return text;
    },
  };
}

function describeProfile(profile: WebIdentityProfile): string {
  return `profile "${profile.name}": role ${profile.roleArn}, session ${profile.roleSessionName}, ` +
    `token from ${describeTokenSpec(profile.token)}, STS ${profile.stsEndpoint}`;
}

async function credentialProcess(
  profile: WebIdentityProfile,
  assume: (profile: WebIdentityProfile) => Promise<Credentials>,
  args: CliArgs,
  system: CliSystem,
  host: CliHost,
  log: (message: string) => void,
): Promise<number> {
  const directory = args.noCache ? undefined : cacheDirectory(system.env, system.platform);
  let cache: (CacheOptions & { key: string }) | undefined;
  const binding = directory
    ? await tokenBinding(profile.token, system.env, host.readFile ?? (await runtimeAdapter()).readFile)
    : undefined;
  if (directory && binding === undefined) {
    log("cache: not used with a token command (nothing binds its token to this job)");
  }
  if (directory && binding !== undefined) {
    cache = {
      key: await cacheKey(profile, binding),
      fs: system.fs,
      directory,
      uid: system.uid(),
      checkOwner: system.platform !== "win32",
      now: host.now ?? Date.now,
      note: log,
    };
    const hit = await readCache(cache.key, cache);
    if (hit) {
      log(`cache: hit in ${directory}, valid until ${hit.Expiration}`);
      system.write("stdout", `${JSON.stringify(hit)}\n`);
      return 0;
    }
  }
  const credentials = await assume(profile);
  const json = credentialProcessJson(credentials);
  system.write("stdout", `${json}\n`);
  if (cache) await writeCache(cache.key, JSON.parse(json) as CachedCredentials, cache);
  return 0;
}

async function githubEnv(
  profile: WebIdentityProfile,
  assume: (profile: WebIdentityProfile) => Promise<Credentials>,
  system: CliSystem,
): Promise<number> {
  const file = system.env.GITHUB_ENV;
  if (!file) {
    throw new Oidc2AwsError(
      "ERR_USAGE",
      "github-env works inside GitHub Actions only ($GITHUB_ENV is not set): use oidc2aws env or exec elsewhere",
    );
  }
  const credentials = await assume(profile);
  const randomDelimiter = () =>
    `ghadelimiter_${
      Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("")
    }`;
  const { stdout, envFile } = githubEnvOutput(
    credentialVariables(credentials, profile.region),
    [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken],
    randomDelimiter,
  );
  system.write("stdout", stdout);
  await system.fs.append(file, envFile);
  system.write(
    "stderr",
    `oidc2aws: exported credentials for ${credentials.assumedRoleArn} (expires ${credentials.expiration.toISOString()}) to $GITHUB_ENV\n`,
  );
  return 0;
}

async function exec(
  profile: WebIdentityProfile,
  assume: (profile: WebIdentityProfile) => Promise<Credentials>,
  command: string[],
  system: CliSystem,
  log: (message: string) => void,
): Promise<number> {
  const credentials = await assume(profile);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(system.env)) {
    if (value !== undefined && !SHADOWING_VARIABLES.includes(name)) env[name] = value;
  }
  for (const [name, value] of credentialVariables(credentials, profile.region)) env[name] = value;
  log(`exec ${command[0]} as ${credentials.assumedRoleArn}`);
  let result: { code: number | null; signal: string | null };
  try {
    result = await system.spawn(command[0], command.slice(1), env);
  } catch (err) {
    if (err instanceof Oidc2AwsError) throw err; // ERR_PERMISSION: Deno without --allow-run
    const code = (err as { code?: string }).code;
    throw new Oidc2AwsError(
      "ERR_EXEC",
      code === "ENOENT"
        ? `Cannot run ${JSON.stringify(command[0])}: command not found (check the name and PATH)`
        : `Cannot run ${JSON.stringify(command[0])}: ${(err as Error)?.message ?? err}`,
      { cause: err },
    );
  }
  if (result.code !== null) return result.code;
  const signals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return 128 + (signals[result.signal ?? ""] ?? 1);
}

async function whoami(
  args: CliArgs,
  resolve: (profile?: string) => Promise<WebIdentityProfile>,
  assume: (profile: WebIdentityProfile) => Promise<Credentials>,
  system: CliSystem,
  now: () => number,
): Promise<number> {
  const names = args.profiles.length ? args.profiles : [undefined];
  const results = await Promise.allSettled(names.map(async (name) => assume(await resolve(name))));
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (args.format === "json") {
    const report = results.map((r, i) =>
      r.status === "fulfilled" ? summary(r.value) : { profile: names[i] ?? null, error: errorSummary(r.reason) }
    );
    system.write("stdout", `${JSON.stringify(names.length === 1 ? report[0] : report, null, 2)}\n`);
  } else {
    results.forEach((r, i) => {
      if (i > 0) system.write("stdout", "\n");
      if (r.status === "fulfilled") system.write("stdout", describe(r.value, now()));
      else if (names.length > 1) {
        system.write("stdout", `profile   ${names[i] ?? "(default)"}\nerror     ${errorSummary(r.reason).message}\n`);
      }
    });
  }
  if (failures.length === 0) return 0;
  if (names.length === 1) throw failures[0].reason;
  // Several profiles: the report above has a row per profile; each failure also gets its error line.
  results.forEach((r, i) => {
    if (r.status === "fulfilled") return;
    const { code, message } = errorSummary(r.reason);
    system.write("stderr", `oidc2aws: ${code}: profile ${names[i]}: ${scrub(message, system.env)}\n`);
  });
  return failures.some((f) => USAGE_CODES.has((f.reason as Oidc2AwsError)?.code)) ? EXIT_USAGE : 1;
}

function summary(credentials: Credentials): Record<string, unknown> {
  return {
    profile: credentials.profile,
    roleArn: credentials.roleArn,
    assumedRoleArn: credentials.assumedRoleArn,
    accountId: credentials.accountId,
    sessionName: credentials.roleSessionName,
    expiration: credentials.expiration.toISOString(),
    tokenSource: credentials.tokenSource ?? null,
    token: credentials.claims ?? null,
  };
}

function describe(credentials: Credentials, now: number): string {
  const minutes = Math.round((credentials.expiration.getTime() - now) / 60000);
  const claims = credentials.claims ?? {};
  const time = (seconds?: number) => (seconds === undefined ? "(none)" : new Date(seconds * 1000).toISOString());
  const rows: Array<[string, string | undefined]> = [
    ["profile", credentials.profile],
    ["role", credentials.roleArn],
    ["assumed", credentials.assumedRoleArn],
    ["account", credentials.accountId],
    ["expires", `${credentials.expiration.toISOString()} (in ${minutes} min)`],
    ["token", credentials.tokenSource],
    ["token iss", claims.iss],
    ["token aud", Array.isArray(claims.aud) ? claims.aud.join(", ") : claims.aud],
    ["token sub", claims.sub],
    ["token exp", time(claims.exp)],
  ];
  return rows.map(([label, value]) => `${label.padEnd(10)}${value ?? "(none)"}\n`).join("");
}

function errorSummary(err: unknown): { code: string; message: string } {
  if (err instanceof Oidc2AwsError) return { code: err.code, message: err.message };
  return { code: "ERR_UNEXPECTED", message: String((err as Error)?.message ?? err) };
}

/** Prints an error as one or two plain lines (with the cause chain under --debug); returns the exit code. */
function report(err: unknown, system: CliSystem, debug: boolean, env: CliSystem["env"]): number {
  const name = (err as { name?: string })?.name;
  let code: string;
  let message: string;
  if (err instanceof Oidc2AwsError) {
    code = err.code;
    message = err.message;
  } else if (name === "NotCapable" || name === "PermissionDenied") {
    code = "ERR_PERMISSION";
    message = `Deno denied a permission: ${(err as Error).message}. The README lists the flags oidc2aws needs`;
  } else {
    code = "ERR_UNEXPECTED";
    message = `Unexpected ${name ?? "error"}: ${(err as Error)?.message ?? err}. Run with --debug and report it`;
  }
  system.write("stderr", `oidc2aws: ${code}: ${scrub(message, env)}\n`);
  if (debug) {
    let cause = (err as { cause?: unknown })?.cause;
    for (let depth = 0; cause !== undefined && depth < 5; depth++) {
      const c = cause as { name?: string; message?: string; code?: string; cause?: unknown };
      const text = `${c.name ?? "error"}${c.code ? ` ${c.code}` : ""}: ${c.message ?? String(cause)}`;
      system.write("stderr", `oidc2aws: debug: caused by ${scrub(text, env)}\n`);
      cause = c.cause;
    }
  }
  return USAGE_CODES.has(code) ? EXIT_USAGE : 1;
}

/** The last line of defence: the job's own secrets (bearers, tokens, keys in its environment) never reach stderr. */
function scrub(text: string, env: CliSystem["env"]): string {
  return redact(text, secretValues(env));
}
