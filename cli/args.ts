/**
 * Command-line parsing: subcommands, `--flag value` / `--flag=value`, `--` for `exec`. One table of
 * flags drives parsing, the profile overrides (and how messages name them), and which command takes
 * which flag.
 *
 * @module
 */
import { CliError } from "../lib/errors.ts";
import type { ProfileOverrides } from "../lib/profile.ts";

/** The subcommands, in the order `--help` lists them. */
export const COMMANDS = [
  "credential-process",
  "env",
  "github-env",
  "exec",
  "whoami",
  "doctor",
  "trust-policy",
] as const;
/** A subcommand. */
export type Command = (typeof COMMANDS)[number];

/** The output formats of `env`. */
export const ENV_FORMATS = ["sh", "fish", "powershell", "dotenv", "json"] as const;
/** The output formats of `trust-policy`. */
export const POLICY_FORMATS = ["json", "terraform", "cloudformation"] as const;
/** Every `--format` value some command takes. */
const FORMATS = ["sh", "fish", "powershell", "dotenv", "json", "terraform", "cloudformation"] as const;

/** Parsed command-line arguments. */
export interface CliArgs {
  command?: Command;
  /** `--profile`, repeatable (whoami takes several). */
  profiles: string[];
  roleArn?: string;
  tokenServer?: string;
  tokenFile?: string;
  tokenEnv?: string;
  tokenProcess?: string;
  sessionName?: string;
  region?: string;
  duration?: string;
  format?: (typeof FORMATS)[number];
  /** `doctor`: the trust policy's file, and the claims as JSON. */
  policy?: string;
  claims?: string;
  /** `trust-policy`: the jobs the policy admits. */
  platform?: string;
  repo?: string;
  branch?: string;
  environment?: string;
  tag?: string;
  pullRequest: boolean;
  anyRef: boolean;
  account?: string;
  audience?: string;
  host?: string;
  noCache: boolean;
  debug: boolean;
  help: boolean;
  version: boolean;
  /** `exec`: the command and its arguments, after `--`. */
  exec: string[];
}

type Override = Exclude<keyof ProfileOverrides, "labels">;

/** One flag: where its value goes, and which commands take it. */
interface Flag {
  key: keyof CliArgs;
  /** Takes a value; else it is a switch. */
  value: boolean;
  /** The profile setting it overrides (and is named by in messages). */
  override?: Override;
  /** The commands that take it, with the values each accepts (`true`: any); absent: every command. */
  commands?: Partial<Record<Command, readonly string[] | true>>;
  /** How a misplaced use is explained: "--format applies to …". */
  appliesTo?: string;
}

const FLAGS: Record<string, Flag> = {
  "--profile": { key: "profiles", value: true },
  "--role-arn": { key: "roleArn", value: true, override: "roleArn" },
  "--token-server": { key: "tokenServer", value: true, override: "tokenServer" },
  "--token-file": { key: "tokenFile", value: true, override: "tokenFile" },
  "--token-env": { key: "tokenEnv", value: true, override: "tokenEnv" },
  "--token-process": { key: "tokenProcess", value: true, override: "tokenProcess" },
  "--session-name": { key: "sessionName", value: true, override: "roleSessionName" },
  "--region": { key: "region", value: true, override: "region" },
  "--duration": { key: "duration", value: true, override: "durationSeconds" },
  "--format": {
    key: "format",
    value: true,
    commands: { env: ENV_FORMATS, whoami: ["json"], doctor: ["json"], "trust-policy": POLICY_FORMATS },
    appliesTo: `env (${ENV_FORMATS.join(", ")}), whoami and doctor (json), trust-policy (${POLICY_FORMATS.join(", ")})`,
  },
  "--policy": { key: "policy", value: true, commands: { doctor: true }, appliesTo: "doctor only" },
  "--claims": { key: "claims", value: true, commands: { doctor: true }, appliesTo: "doctor only" },
  "--platform": { key: "platform", value: true, commands: { "trust-policy": true }, appliesTo: "trust-policy only" },
  "--repo": { key: "repo", value: true, commands: { "trust-policy": true }, appliesTo: "trust-policy only" },
  "--branch": { key: "branch", value: true, commands: { "trust-policy": true }, appliesTo: "trust-policy only" },
  "--environment": {
    key: "environment",
    value: true,
    commands: { "trust-policy": true },
    appliesTo: "trust-policy only",
  },
  "--tag": { key: "tag", value: true, commands: { "trust-policy": true }, appliesTo: "trust-policy only" },
  "--pull-request": {
    key: "pullRequest",
    value: false,
    commands: { "trust-policy": true },
    appliesTo: "trust-policy only",
  },
  "--any-ref": { key: "anyRef", value: false, commands: { "trust-policy": true }, appliesTo: "trust-policy only" },
  "--account": { key: "account", value: true, commands: { "trust-policy": true }, appliesTo: "trust-policy only" },
  "--audience": { key: "audience", value: true, commands: { "trust-policy": true }, appliesTo: "trust-policy only" },
  "--host": { key: "host", value: true, commands: { "trust-policy": true }, appliesTo: "trust-policy only" },
  "--no-cache": {
    key: "noCache",
    value: false,
    commands: { "credential-process": true },
    appliesTo: "credential-process only (the other commands never cache)",
  },
  "--debug": { key: "debug", value: false },
  "--help": { key: "help", value: false },
  "-h": { key: "help", value: false },
  "--version": { key: "version", value: false },
  "-V": { key: "version", value: false },
};

function usage(message: string): CliError {
  return new CliError("ERR_USAGE", `${message}. Run oidc2aws --help for the commands and flags`);
}

/**
 * Parses the CLI's arguments. Throws `ERR_USAGE` for unknown commands or flags and missing values;
 * whether a command takes a flag is {@linkcode checkArgs}'s to say. `help [COMMAND]` first parses as
 * `[COMMAND] --help`.
 *
 * @example
 * ```ts
 * import { parseCliArgs } from "./args.ts";
 * const args = parseCliArgs(["exec", "--profile", "prod", "--", "aws", "s3", "ls"]);
 * console.log(args.command, args.profiles, args.exec); // "exec" ["prod"] ["aws", "s3", "ls"]
 * ```
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = {
    profiles: [],
    noCache: false,
    debug: false,
    help: false,
    version: false,
    exec: [],
    pullRequest: false,
    anyRef: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      args.exec = argv.slice(i + 1);
      break;
    }
    if (arg.startsWith("-")) {
      if (flagArgument(args, arg, () => argv[++i])) continue;
    }
    if (args.command === undefined && arg === "help") {
      // `oidc2aws help [COMMAND]`: the same as `oidc2aws [COMMAND] --help`.
      args.help = true;
      continue;
    }
    if (args.command === undefined) {
      if (!(COMMANDS as readonly string[]).includes(arg)) {
        throw usage(
          `Unknown command ${JSON.stringify(arg.slice(0, 40))}${suggest(arg, COMMANDS)}; the commands are ${
            COMMANDS.join(", ")
          }`,
        );
      }
      args.command = arg as Command;
      continue;
    }
    if (args.command === "exec") {
      // `exec --profile p aws s3 ls`: the command starts at the first non-flag argument.
      args.exec = argv.slice(i);
      break;
    }
    throw usage(`Unexpected argument ${JSON.stringify(arg.slice(0, 40))} after ${args.command}`);
  }
  return args;
}

/** Takes one `-…` argument (and its value, through `next`) into `args`; true when it was a flag. */
function flagArgument(args: CliArgs, arg: string, next: () => string | undefined): boolean {
  const eq = arg.indexOf("=");
  const name = eq > 0 ? arg.slice(0, eq) : arg;
  const flag = Object.hasOwn(FLAGS, name) ? FLAGS[name] : undefined;
  if (!flag) {
    throw usage(`Unknown flag ${JSON.stringify(name.slice(0, 40))}${suggest(name, Object.keys(FLAGS))}`);
  }
  if (!flag.value) {
    if (eq > 0) throw usage(`${name} takes no value`);
    (args as unknown as Record<string, boolean>)[flag.key] = true;
    return true;
  }
  const value = eq > 0 ? arg.slice(eq + 1) : next();
  if (value === undefined || (eq < 0 && value.startsWith("--"))) throw usage(`${name} needs a value`);
  if (flag.key === "profiles") args.profiles.push(value);
  else if (flag.key === "format") {
    if (!(FORMATS as readonly string[]).includes(value)) {
      throw usage(`--format must be one of ${FORMATS.join(", ")}, not ${JSON.stringify(value.slice(0, 40))}`);
    }
    args.format = value as CliArgs["format"];
  } else (args as unknown as Record<string, string>)[flag.key] = value;
  return true;
}

/** Checks that the command takes every flag given (and the values given); throws `ERR_USAGE`. */
export function checkArgs(args: CliArgs & { command: Command }): void {
  const { command } = args;
  if (command !== "whoami" && args.profiles.length > 1) {
    throw new CliError("ERR_USAGE", `${command} takes one --profile; whoami takes several`);
  }
  for (const [name, flag] of Object.entries(FLAGS)) {
    const given = args[flag.key];
    if (!flag.commands || given === undefined || given === false) continue;
    const accepted = flag.commands[command];
    if (!accepted || (accepted !== true && !accepted.includes(String(given)))) {
      throw new CliError("ERR_USAGE", `${name} applies to ${flag.appliesTo}`);
    }
  }
  if (command === "trust-policy") {
    // It writes a policy from --platform and --repo and reads no profile: a profile's flag would be
    // ignored, and the user left believing the policy was written for that role.
    for (const [name, flag] of Object.entries(FLAGS)) {
      const given = args[flag.key];
      if ((flag.override || flag.key === "profiles") && (Array.isArray(given) ? given.length : given !== undefined)) {
        throw new CliError(
          "ERR_USAGE",
          `${name} does not apply to trust-policy, which reads no profile: it writes the policy for --platform and ` +
            "--repo (attach it to the role yourself)",
        );
      }
    }
  }
  if (command === "exec" && args.exec.length === 0) {
    throw new CliError("ERR_USAGE", "exec needs a command: oidc2aws exec --profile NAME -- COMMAND [ARGS...]");
  }
  if (command !== "exec" && args.exec.length > 0) {
    throw new CliError("ERR_USAGE", `${command} takes no command after --`);
  }
}

/** The profile settings given as flags, each named by its flag in messages. */
export function overridesOf(args: CliArgs): ProfileOverrides {
  const overrides: ProfileOverrides = { labels: {} };
  for (const [name, flag] of Object.entries(FLAGS)) {
    if (!flag.override) continue;
    (overrides as Record<string, unknown>)[flag.override] = args[flag.key];
    overrides.labels![flag.override] = name;
  }
  return overrides;
}

function suggest(input: string, options: readonly string[]): string {
  const close = options.find((option) => distance(option, input) <= 2);
  return close ? ` (did you mean ${close}?)` : "";
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}
