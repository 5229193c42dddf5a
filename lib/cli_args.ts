/**
 * Command-line parsing for the CLI: subcommands, `--flag value` / `--flag=value`, `--` for `exec`.
 *
 * @module
 */
import { Oidc2AwsError } from "./errors.ts";

/** The subcommands. */
export const COMMANDS = ["credential-process", "env", "github-env", "exec", "whoami"] as const;
/** A subcommand. */
export type Command = (typeof COMMANDS)[number];

/** The output formats of `env`. */
export const ENV_FORMATS = ["sh", "fish", "powershell", "dotenv", "json"] as const;

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
  format?: (typeof ENV_FORMATS)[number];
  noCache: boolean;
  debug: boolean;
  help: boolean;
  version: boolean;
  /** `exec`: the command and its arguments, after `--`. */
  exec: string[];
}

const VALUE_FLAGS: Record<string, keyof CliArgs> = {
  "--profile": "profiles",
  "--role-arn": "roleArn",
  "--token-server": "tokenServer",
  "--token-file": "tokenFile",
  "--token-env": "tokenEnv",
  "--token-process": "tokenProcess",
  "--session-name": "sessionName",
  "--region": "region",
  "--duration": "duration",
  "--format": "format",
};
const BOOLEAN_FLAGS: Record<string, "noCache" | "debug" | "help" | "version"> = {
  "--no-cache": "noCache",
  "--debug": "debug",
  "--help": "help",
  "-h": "help",
  "--version": "version",
  "-V": "version",
};

function usage(message: string): Oidc2AwsError {
  return new Oidc2AwsError("ERR_USAGE", `${message}. Run oidc2aws --help for the commands and flags`);
}

/**
 * Parses the CLI's arguments. Throws `ERR_USAGE` for unknown commands or flags and missing values.
 *
 * @example
 * ```ts
 * import { parseCliArgs } from "oidc2aws/lib/cli_args.ts";
 * const args = parseCliArgs(["exec", "--profile", "prod", "--", "aws", "s3", "ls"]);
 * console.log(args.command, args.profiles, args.exec); // "exec" ["prod"] ["aws", "s3", "ls"]
 * ```
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { profiles: [], noCache: false, debug: false, help: false, version: false, exec: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      args.exec = argv.slice(i + 1);
      break;
    }
    if (arg.startsWith("-")) {
      const eq = arg.indexOf("=");
      const name = eq > 0 ? arg.slice(0, eq) : arg;
      if (name in BOOLEAN_FLAGS) {
        if (eq > 0) throw usage(`${name} takes no value`);
        args[BOOLEAN_FLAGS[name]] = true;
        continue;
      }
      const key = VALUE_FLAGS[name];
      if (!key) {
        throw usage(
          `Unknown flag ${JSON.stringify(name.slice(0, 40))}${
            suggest(name, [...Object.keys(VALUE_FLAGS), ...Object.keys(BOOLEAN_FLAGS)])
          }`,
        );
      }
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith("--"))) throw usage(`${name} needs a value`);
      if (key === "profiles") args.profiles.push(value);
      else if (key === "format") {
        if (!(ENV_FORMATS as readonly string[]).includes(value)) {
          throw usage(`--format must be one of ${ENV_FORMATS.join(", ")}, not ${JSON.stringify(value.slice(0, 40))}`);
        }
        args.format = value as CliArgs["format"];
      } else (args as unknown as Record<string, string>)[key] = value;
      continue;
    }
    if (args.command === undefined) {
      if (!(COMMANDS as readonly string[]).includes(arg)) {
        throw usage(`Unknown command ${JSON.stringify(arg.slice(0, 40))}${suggest(arg, COMMANDS)}`);
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
