/**
 * The oidc2aws command line: a thin layer over {@linkcode resolveProfile} and {@linkcode assumeRole}.
 * Parses the arguments, then imports only the command that runs (`commands/`), and turns any error
 * into one line on stderr and an exit code.
 *
 * @module
 */
import { checkArgs, type CliArgs, type Command, overridesOf, parseCliArgs } from "./args.ts";
import { isPermissionDenied, Oidc2AwsError, type StsError } from "../lib/errors.ts";
import { type Profile, resolveProfile } from "../lib/profile.ts";
import { assumeRole } from "../lib/assume.ts";
import type { Credentials } from "../lib/credentials.ts";
import { oneLine, redact, secretValues } from "../lib/_redact.ts";
import type { Fetch, ReadFile } from "../lib/host.ts";
import type { Runtime } from "../lib/_runtime/mod.ts";
import { VERSION } from "../lib/version.ts";

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

/** What every command gets: the arguments, the runtime, and the library calls bound to them. */
export interface CommandContext {
  args: CliArgs;
  runtime: Runtime;
  /** Resolves a profile (the default one when `name` is undefined) with the flags as overrides. */
  resolve(name?: string): Promise<Profile>;
  /** Assumes a resolved profile's role (a chained profile's whole chain). */
  assume(profile: Profile): Promise<Credentials>;
  /** The file reader and fetch the library uses (timed under --debug). */
  readFile: ReadFile;
  fetch: Fetch;
  /** A --debug line (nothing otherwise). */
  log(message: string): void;
  /** Whether the exit code of an error is the usage one (2). */
  exitCodeOf(err: unknown): number;
}

/** A command: runs with its context, resolves its exit code. */
export type CommandModule = { run(context: CommandContext): Promise<number> };

/** Each command's module, imported only when that command runs. */
const COMMAND_MODULES: Record<Command, () => Promise<CommandModule>> = {
  "credential-process": () => import("./commands/credential_process.ts"),
  env: () => import("./commands/env.ts"),
  "github-env": () => import("./commands/github_env.ts"),
  exec: () => import("./commands/exec.ts"),
  whoami: () => import("./commands/whoami.ts"),
  doctor: () => import("./commands/doctor.ts"),
  "trust-policy": () => import("./commands/trust_policy.ts"),
};

/** Runs the CLI with these arguments; resolves the exit code. Everything it prints goes through `runtime.write`. */
export async function runCli(argv: readonly string[], runtime: Runtime): Promise<number> {
  const started = Date.now();
  const env = runtime.env;
  let debug = false;
  let profile: string | undefined;
  const log = (message: string) => debug && runtime.write("stderr", lines("oidc2aws: debug: ", message, env));
  try {
    const args = parseCliArgs(argv);
    // --version and --help read nothing of the environment (Deno with no permissions answers them).
    if (args.version) return print(runtime, `${VERSION}\n`);
    if (args.help || !args.command) {
      const { helpText } = await import("./help.ts");
      runtime.write(args.help ? "stdout" : "stderr", helpText(args.help ? args.command : undefined));
      return args.help ? 0 : EXIT_USAGE;
    }
    debug = args.debug || env.RUNNER_DEBUG === "1";
    profile = args.profiles[0];
    const command = args.command;
    checkArgs({ ...args, command });
    log(`oidc2aws ${VERSION} on ${runtime.name}, command ${command}`);
    const host = debug ? (await import("./debug.ts")).timed(runtime, log) : runtime;
    const overrides = overridesOf(args);
    const { run } = await COMMAND_MODULES[command]();
    const code = await run({
      args,
      runtime,
      readFile: host.readFile,
      fetch: host.fetch,
      log,
      exitCodeOf,
      resolve: async (profile) => {
        const resolved = await resolveProfile({
          profile,
          env,
          readFile: host.readFile,
          overrides,
          defaultTokenServer: "auto",
        });
        if (debug) log(await (await import("./debug.ts")).describeProfile(resolved));
        return resolved;
      },
      assume: (profile) =>
        assumeRole(profile, { env, fetch: host.fetch, readFile: host.readFile, runCommand: runtime.runCommand }),
    });
    log(`done in ${Date.now() - started} ms`);
    return code;
  } catch (err) {
    return report(err, runtime, debug, profile);
  }
}

function print(runtime: Runtime, text: string): number {
  runtime.write("stdout", text);
  return 0;
}

/** The exit code of an error: 2 for usage and configuration errors, else 1. */
export function exitCodeOf(err: unknown): number {
  return USAGE_CODES.has((err as Oidc2AwsError)?.code) ? EXIT_USAGE : 1;
}

/** Prints an error as one or two plain lines (with the cause chain under --debug); returns the exit code. */
function report(err: unknown, runtime: Runtime, debug: boolean, profile?: string): number {
  const name = (err as { name?: string })?.name;
  let code: string;
  let message: string;
  if (err instanceof Oidc2AwsError) {
    code = err.code;
    message = err.message;
    if ((err as StsError).awsCode === "AccessDenied" && !(err as StsError).callerArn) {
      const doctor = `; run oidc2aws doctor --policy <file> --profile ${
        profile ?? "<p>"
      } to see which condition refused it`;
      // Before the request id, which stays last.
      message = message.replace(/( \[request id [^\]]*\])?$/, `${doctor}$1`);
    }
  } else if (isPermissionDenied(err)) {
    code = "ERR_PERMISSION";
    message = `Deno denied a permission: ${(err as Error).message}. docs/cli.md lists the flags oidc2aws needs`;
  } else {
    code = "ERR_UNEXPECTED";
    message = `Unexpected ${name ?? "error"}: ${(err as Error)?.message ?? err}. Run with --debug and report it`;
  }
  runtime.write("stderr", lines(`oidc2aws: ${code}: `, message, runtime.env));
  if (debug) {
    let cause = (err as { cause?: unknown })?.cause;
    for (let depth = 0; cause !== undefined && depth < 5; depth++) {
      const c = cause as { name?: string; message?: string; code?: string; cause?: unknown };
      const text = `${c.name ?? "error"}${c.code ? ` ${c.code}` : ""}: ${c.message ?? String(cause)}`;
      runtime.write("stderr", lines("oidc2aws: debug: caused by ", text, runtime.env));
      cause = c.cause;
    }
  }
  return USAGE_CODES.has(code) ? EXIT_USAGE : 1;
}

/** The last line of defence: the job's own secrets (bearers, tokens, keys in its environment) never reach stderr. */
export function scrub(text: string, env: Runtime["env"]): string {
  return redact(text, secretValues(env));
}

/**
 * A message as lines of stderr: scrubbed, each line starting with `prefix` (the first) or `oidc2aws: `
 * (the rest, such as a YAML fix to paste), and control characters escaped, so that no text from
 * outside starts a line, where a CI runner would read it as a command (`::stop-commands::`).
 */
export function lines(prefix: string, message: string, env: Runtime["env"]): string {
  return scrub(message, env).split(/\r\n|[\r\n\u0085\u2028\u2029]/).map((line, i) =>
    `${i === 0 ? prefix : "oidc2aws: "}${oneLine(line)}\n`
  ).join("");
}
